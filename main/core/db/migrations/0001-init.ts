import type { Db } from '../open';

/**
 * Workspace metadata, user settings, and the durable job layer every long
 * piece of work (imports, training, evaluation) runs on.
 */
export function up(db: Db): void {
  db.exec(`
    CREATE TABLE workspace_meta (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) STRICT;

    CREATE TABLE settings (
      key        TEXT PRIMARY KEY,
      value      TEXT NOT NULL CHECK (json_valid(value)),
      updated_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE jobs (
      id               INTEGER PRIMARY KEY,
      kind             TEXT NOT NULL,
      title            TEXT NOT NULL,
      status           TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed','cancelled','interrupted')),
      lane             TEXT NOT NULL,
      params           TEXT NOT NULL CHECK (json_valid(params)),
      progress         REAL NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
      progress_message TEXT,
      queue_reason     TEXT,
      result           TEXT CHECK (result IS NULL OR json_valid(result)),
      error            TEXT CHECK (error IS NULL OR json_valid(error)),
      attempt          INTEGER NOT NULL DEFAULT 1,
      owner_pid        INTEGER,
      worker_pid       INTEGER,
      created_at       INTEGER NOT NULL,
      started_at       INTEGER,
      finished_at      INTEGER,
      heartbeat_at     INTEGER
    ) STRICT;
    CREATE INDEX jobs_by_status ON jobs (status, id);

    CREATE TABLE job_logs (
      job_id  INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
      seq     INTEGER NOT NULL,
      at      INTEGER NOT NULL,
      level   TEXT NOT NULL CHECK (level IN ('debug','info','warn','error')),
      message TEXT NOT NULL,
      PRIMARY KEY (job_id, seq)
    ) STRICT, WITHOUT ROWID;
  `);
}
