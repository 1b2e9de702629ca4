import type { Invite } from '../../../shared/invites';
import { StudioError } from '../../../shared/result';
import { Store } from '../db/store';

interface InviteRow {
  id: number;
  annotator_id: number;
  annotator_name: string;
  annotator_created_at: number;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  queue_ids: string;
}

const SELECT_INVITE = `
  SELECT v.id, v.annotator_id, a.name AS annotator_name, a.created_at AS annotator_created_at,
         v.created_at, v.expires_at, v.revoked_at, v.last_used_at,
         (SELECT json_group_array(queue_id) FROM (SELECT queue_id FROM invite_queues WHERE invite_id = v.id ORDER BY queue_id)) AS queue_ids
    FROM invites v JOIN annotators a ON a.id = v.annotator_id`;

function toInvite(r: InviteRow, now: number): Invite {
  return {
    id: r.id,
    annotator: { id: r.annotator_id, name: r.annotator_name, createdAt: r.annotator_created_at },
    queueIds: JSON.parse(r.queue_ids) as number[],
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
    status: r.revoked_at !== null ? 'revoked' : r.expires_at !== null && r.expires_at <= now ? 'expired' : 'active',
  };
}

/** Invites and the queues each opens; tokens only as their SHA-256. */
export class InviteStore extends Store {
  create(input: {
    annotatorId: number;
    queueIds: readonly number[];
    tokenHash: string;
    createdAt: number;
    expiresAt: number | null;
  }): number {
    return this.transaction(() => {
      const id = Number(
        this.sql('INSERT INTO invites (annotator_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)').run(
          input.annotatorId,
          input.tokenHash,
          input.createdAt,
          input.expiresAt,
        ).lastInsertRowid,
      );
      const link = this.sql('INSERT INTO invite_queues (invite_id, queue_id) VALUES (?, ?)');
      for (const queueId of new Set(input.queueIds)) link.run(id, queueId);
      return id;
    });
  }

  list(now: number): Invite[] {
    return this.sql<[], InviteRow>(`${SELECT_INVITE} ORDER BY v.id DESC`)
      .all()
      .map((r) => toInvite(r, now));
  }

  get(id: number, now: number): Invite {
    const r = this.sql<[number], InviteRow>(`${SELECT_INVITE} WHERE v.id = ?`).get(id);
    if (!r) throw new StudioError('NOT_FOUND', `There is no invite #${id}.`, { id });
    return toInvite(r, now);
  }

  byTokenHash(tokenHash: string, now: number): Invite | null {
    const r = this.sql<[string], InviteRow>(`${SELECT_INVITE} WHERE v.token_hash = ?`).get(tokenHash);
    return r ? toInvite(r, now) : null;
  }

  revoke(id: number, at: number): void {
    this.sql('UPDATE invites SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id);
  }

  touch(id: number, at: number): void {
    this.sql('UPDATE invites SET last_used_at = ? WHERE id = ?').run(at, id);
  }

  /** Ids among `ids` that are no label queue. */
  missingQueues(ids: readonly number[]): number[] {
    const exists = this.value<[number], number>('SELECT 1 FROM label_queues WHERE id = ?');
    return ids.filter((id) => exists.get(id) === undefined);
  }

  annotatorExists(id: number): boolean {
    return this.value<[number], number>('SELECT 1 FROM annotators WHERE id = ?').get(id) !== undefined;
  }
}
