import type { Db } from '../open';

/**
 * Training: the models runs start from, runs (one durable job each, resumed
 * as new attempts of that job), their metrics in long format (one row per
 * step and name, so a resumed run rewrites the steps after its checkpoint
 * instead of duplicating them), MMPO's per-pair weights, checkpoints on
 * disk, and the reference log-prob cache keyed by content hash.
 */
export function up(db: Db): void {
  db.exec(`
    CREATE TABLE models (
      id                INTEGER PRIMARY KEY,
      name              TEXT NOT NULL,
      path              TEXT NOT NULL UNIQUE,
      origin            TEXT NOT NULL CHECK (origin IN ('folder', 'demo', 'run')),
      model_type        TEXT NOT NULL,
      parameters        INTEGER NOT NULL,
      hidden_size       INTEGER NOT NULL,
      num_layers        INTEGER NOT NULL,
      vocab_size        INTEGER NOT NULL,
      has_chat_template INTEGER NOT NULL CHECK (has_chat_template IN (0, 1)),
      created_at        INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE runs (
      id          INTEGER PRIMARY KEY,
      name        TEXT NOT NULL,
      job_id      INTEGER UNIQUE REFERENCES jobs (id), -- set right after the run's job is created
      config      TEXT NOT NULL CHECK (json_valid(config)),
      model_id    INTEGER REFERENCES models (id) ON DELETE SET NULL,
      model_name  TEXT NOT NULL,
      model_hash  TEXT,
      snapshot_id INTEGER NOT NULL REFERENCES snapshots (id),
      train_pairs INTEGER NOT NULL,
      test_pairs  INTEGER NOT NULL,
      total_steps INTEGER NOT NULL,
      backend     TEXT,
      app_version TEXT NOT NULL,
      dir         TEXT NOT NULL,
      rerun_of    INTEGER REFERENCES runs (id) ON DELETE SET NULL,
      created_at  INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE run_metrics (
      run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      name   TEXT NOT NULL,
      step   INTEGER NOT NULL,
      value  REAL NOT NULL,
      PRIMARY KEY (run_id, name, step)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE run_weights (
      run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      step    INTEGER NOT NULL,
      weights TEXT NOT NULL CHECK (json_valid(weights)),
      PRIMARY KEY (run_id, step)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE run_checkpoints (
      run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      step       INTEGER NOT NULL,
      epoch      REAL NOT NULL,
      path       TEXT NOT NULL,
      bytes      INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (run_id, step)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE reference_cache (
      key           TEXT PRIMARY KEY,
      model_hash    TEXT NOT NULL,
      snapshot_hash TEXT NOT NULL,
      settings      TEXT NOT NULL CHECK (json_valid(settings)),
      train_pairs   INTEGER NOT NULL,
      test_pairs    INTEGER NOT NULL,
      path          TEXT NOT NULL,
      bytes         INTEGER NOT NULL,
      created_at    INTEGER NOT NULL
    ) STRICT, WITHOUT ROWID;
  `);
}
