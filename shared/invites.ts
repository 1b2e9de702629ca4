import { z } from 'zod';
import { Annotator } from './labeling';

/**
 * Team labeling in serve mode (issue 18 item 12): an invite lets one
 * annotator open the labeler for the queues it names, and nothing else. Its
 * token is shown once when the invite is made; the workspace keeps only its
 * SHA-256.
 */

/** Invite tokens start with this, so the server can tell one from the owner's token without a lookup. */
export const INVITE_TOKEN_PREFIX = 'inv_';

export const InviteStatus = z.enum(['active', 'expired', 'revoked']);
export type InviteStatus = z.infer<typeof InviteStatus>;

export const Invite = z.object({
  id: z.number().int(),
  annotator: Annotator,
  /** The queues the invite opens, by id (a deleted queue drops out). */
  queueIds: z.array(z.number().int()),
  createdAt: z.number(),
  /** Epoch ms after which the invite is refused; null when it does not expire. */
  expiresAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
  /** The last request made with it (updated at most once a minute). */
  lastUsedAt: z.number().nullable(),
  status: InviteStatus,
});
export type Invite = z.infer<typeof Invite>;

/** Who is calling: the owner (desktop app, CLI, serve mode's own token) or an invited annotator. */
export const Session = z.object({
  role: z.enum(['owner', 'annotator']),
  annotator: Annotator.optional(),
  queueIds: z.array(z.number().int()).optional(),
});
export type Session = z.infer<typeof Session>;

/**
 * The labeler's methods, the only ones an invite may call (serve mode checks
 * each call's queueId against the invite and takes the annotator from it).
 * `labeling.queues` and `labeling.annotators` answer only the invite's own
 * queues and annotator; `session.whoami` is answered by the server itself.
 */
export const INVITE_QUEUE_METHODS = ['labeling.next', 'labeling.record', 'labeling.saveDraft'] as const;
export const INVITE_FILTERED_METHODS = ['labeling.queues', 'labeling.annotators'] as const;
