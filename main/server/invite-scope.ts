import { INVITE_FILTERED_METHODS, INVITE_QUEUE_METHODS, type Invite, type Session } from '../../shared/invites';

/** What serve mode does with a call made with an invite. */
export type InviteCall =
  /** Answer this without asking the core. */
  | { kind: 'answer'; value: unknown }
  /** Ask the core with these arguments, then pass its value through `filter`. */
  | { kind: 'dispatch'; args: unknown; filter?: (value: unknown) => unknown }
  /** 403, with this sentence. */
  | { kind: 'refuse'; message: string };

const queueList = (ids: readonly number[]) => (ids.length ? ids.map((id) => `#${id}`).join(', ') : 'none');

const isQueueMethod = (method: string): boolean => (INVITE_QUEUE_METHODS as readonly string[]).includes(method);
const isFilteredMethod = (method: string): method is (typeof INVITE_FILTERED_METHODS)[number] =>
  (INVITE_FILTERED_METHODS as readonly string[]).includes(method);

export function inviteSession(invite: Invite): Session {
  return { role: 'annotator', annotator: invite.annotator, queueIds: invite.queueIds };
}

/**
 * The whole policy of an invite, in one place: it may call the labeler's
 * methods for its own queues, as its own annotator, and nothing else. The
 * annotator comes from the invite — an `annotatorId` naming someone else is
 * refused, a missing one is filled in — and lists answer only what the
 * invite covers.
 */
export function scopeInviteCall(invite: Invite, method: string, args: unknown): InviteCall {
  const who = `This invite (for ${invite.annotator.name})`;
  if (method === 'session.whoami') return { kind: 'answer', value: inviteSession(invite) };
  if (isFilteredMethod(method)) {
    const keep =
      method === 'labeling.queues'
        ? (item: { id: number }) => invite.queueIds.includes(item.id)
        : (item: { id: number }) => item.id === invite.annotator.id;
    return { kind: 'dispatch', args, filter: (value) => (value as { id: number }[]).filter(keep) };
  }
  if (!isQueueMethod(method)) return { kind: 'refuse', message: `${who} opens only the labeler: ${method} is not allowed with it.` };
  if (typeof args !== 'object' || args === null || Array.isArray(args))
    return { kind: 'refuse', message: `${who} needs the arguments of ${method} as an object with a queueId.` };
  const { queueId, annotatorId } = args as { queueId?: unknown; annotatorId?: unknown };
  if (typeof queueId !== 'number' || !invite.queueIds.includes(queueId))
    return {
      kind: 'refuse',
      message: `${who} opens label queue ${queueList(invite.queueIds)} only, not ${typeof queueId === 'number' ? `#${queueId}` : 'a call without a queueId'}.`,
    };
  if (annotatorId !== undefined && annotatorId !== invite.annotator.id)
    return {
      kind: 'refuse',
      message: `${who} labels as ${invite.annotator.name} (annotator #${invite.annotator.id}); annotatorId ${JSON.stringify(annotatorId)} is refused.`,
    };
  return { kind: 'dispatch', args: { ...args, annotatorId: invite.annotator.id } };
}
