import { createHash, randomBytes } from 'node:crypto';
import { INVITE_TOKEN_PREFIX, type Invite } from '../../../shared/invites';
import { StudioError } from '../../../shared/result';
import type { Db } from '../db/open';
import type { Handlers } from '../handlers';
import { InviteStore } from './invite-store';

type InviteMethods = Extract<keyof Handlers, `invites.${string}` | 'session.whoami'>;

/** Where `studio serve` listens by default; serve mode passes its own address instead. */
const DEFAULT_BASE_URL = 'http://127.0.0.1:7860';
/** last_used_at is a hint for the owner, not an audit log: one write a minute per invite at most. */
const TOUCH_EVERY_MS = 60_000;

export function hashInviteToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The link that opens the labeler with an invite: straight to the queue when it names one. */
export function inviteUrl(baseUrl: string, token: string, queueIds: readonly number[]): string {
  const base = baseUrl.replace(/\/+$/, '');
  return `${base}/?invite=${token}${queueIds.length === 1 ? `#/labeling/${queueIds[0]}` : ''}`;
}

const when = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Invites (issue 18 item 12). Made and revoked by the owner; `invites.check`
 * is how serve mode turns a token into the invite it belongs to. Who may call
 * what with an invite is decided in main/server/invite-scope.ts; the core
 * itself always answers as the owner.
 */
export function inviteHandlers(db: Db, now: () => number = Date.now): Pick<Handlers, InviteMethods> {
  const store = new InviteStore(db);
  return {
    'invites.create': ({ annotatorId, queueIds, expiresInHours, baseUrl }) => {
      if (!store.annotatorExists(annotatorId))
        throw new StudioError('NOT_FOUND', `There is no annotator #${annotatorId}.`, { annotatorId });
      const missing = store.missingQueues(queueIds);
      if (missing.length)
        throw new StudioError('NOT_FOUND', `There is no label queue ${missing.map((id) => `#${id}`).join(', ')}.`, { queueIds: missing });
      const token = INVITE_TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const createdAt = now();
      const id = store.create({
        annotatorId,
        queueIds,
        tokenHash: hashInviteToken(token),
        createdAt,
        expiresAt: expiresInHours === undefined ? null : createdAt + Math.round(expiresInHours * 3_600_000),
      });
      const invite = store.get(id, now());
      return { invite, token, url: inviteUrl(baseUrl ?? DEFAULT_BASE_URL, token, invite.queueIds) };
    },
    'invites.list': () => store.list(now()),
    'invites.revoke': ({ id }) => {
      store.get(id, now());
      store.revoke(id, now());
      return store.get(id, now());
    },
    'invites.check': ({ token }): Invite => {
      const at = now();
      const invite = store.byTokenHash(hashInviteToken(token), at);
      const who = invite && `This invite (#${invite.id}, for ${invite.annotator.name})`;
      if (!invite) throw new StudioError('UNAUTHORIZED', 'This invite link is not valid: ask the studio’s owner for a new one.');
      if (invite.status === 'revoked')
        throw new StudioError('UNAUTHORIZED', `${who} was revoked at ${when(invite.revokedAt!)}: ask the studio’s owner for a new one.`);
      if (invite.status === 'expired')
        throw new StudioError('UNAUTHORIZED', `${who} expired at ${when(invite.expiresAt!)}: ask the studio’s owner for a new one.`);
      if (invite.lastUsedAt === null || at - invite.lastUsedAt >= TOUCH_EVERY_MS) {
        store.touch(invite.id, at);
        invite.lastUsedAt = at;
      }
      return invite;
    },
    // The desktop app, the CLI and serve mode's own token are the owner; serve mode answers for invites itself.
    'session.whoami': () => ({ role: 'owner' }),
  };
}
