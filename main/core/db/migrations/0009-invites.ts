import type { Db } from '../open';

/**
 * Team labeling invites (issue 18 item 12): a scoped token per annotator for
 * serve mode. Only the token's SHA-256 is kept — the token itself is shown
 * once, when the invite is made — so a copy of the workspace opens nothing.
 * An invite is never deleted: revoking stamps it, and expiry is a time.
 */
export function up(db: Db): void {
  db.exec(`
    CREATE TABLE invites (
      id           INTEGER PRIMARY KEY,
      annotator_id INTEGER NOT NULL REFERENCES annotators (id) ON DELETE CASCADE,
      token_hash   TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
      created_at   INTEGER NOT NULL,
      expires_at   INTEGER,
      revoked_at   INTEGER,
      last_used_at INTEGER
    ) STRICT;

    -- The queues an invite opens; a deleted queue drops out of every invite.
    CREATE TABLE invite_queues (
      invite_id INTEGER NOT NULL REFERENCES invites (id) ON DELETE CASCADE,
      queue_id  INTEGER NOT NULL REFERENCES label_queues (id) ON DELETE CASCADE,
      PRIMARY KEY (invite_id, queue_id)
    ) STRICT;
    CREATE INDEX invite_queues_by_queue ON invite_queues (queue_id);
  `);
}
