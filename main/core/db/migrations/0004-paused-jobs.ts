import type { Db } from '../open';

/**
 * `paused` becomes a job status of its own. Before, a job stopped by a pause
 * (a training run at a checkpoint) ended `cancelled` with error code PAUSED,
 * and every reader had to know that; those jobs become `paused` here, keeping
 * their error (code PAUSED, where they stopped) and their log.
 *
 * SQLite cannot change a CHECK constraint in place, so the table is rebuilt
 * the way its documentation describes (create, copy, drop, rename), with
 * foreign keys off for the step (see `Migration.rebuildsTables`): job_logs,
 * imports and runs keep pointing at the same job ids.
 */
export function up(db: Db): void {
  db.exec(`
    CREATE TABLE jobs_new (
      id               INTEGER PRIMARY KEY,
      kind             TEXT NOT NULL,
      title            TEXT NOT NULL,
      status           TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed','cancelled','interrupted','paused')),
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

    INSERT INTO jobs_new (id, kind, title, status, lane, params, progress, progress_message, queue_reason, result, error,
                          attempt, owner_pid, worker_pid, created_at, started_at, finished_at, heartbeat_at)
    SELECT id, kind, title,
           CASE WHEN status = 'cancelled' AND json_extract(error, '$.code') = 'PAUSED' THEN 'paused' ELSE status END,
           lane, params, progress, progress_message, queue_reason, result, error,
           attempt, owner_pid, worker_pid, created_at, started_at, finished_at, heartbeat_at
    FROM jobs;

    DROP TABLE jobs;
    ALTER TABLE jobs_new RENAME TO jobs;
    CREATE INDEX jobs_by_status ON jobs (status, id);
  `);
}
