import type { Db } from '../open';

/**
 * Runs trained elsewhere (issue 16, "Import back"): a TRL output folder
 * imported by `runs.importTrl` becomes a run with `origin` 'trl' and the
 * folder it came from (`source_dir`, unique: importing the folder again
 * updates the same run). Its snapshot is the workspace snapshot whose content
 * hash the export's manifest names — and when none here has that hash the
 * run still imports, with no snapshot and the hash kept in
 * `source_snapshot_hash`; so `snapshot_id` becomes nullable, which SQLite
 * can only do by rebuilding the table (create, copy, drop, rename, with
 * foreign keys off for the step: run_metrics, run_checkpoints, evaluations
 * and experiments keep pointing at the same run ids). Checkpoints get the
 * sha256 of their weight files, so a re-import hashes only new ones.
 */
export function up(db: Db): void {
  db.exec(`
    CREATE TABLE runs_new (
      id                   INTEGER PRIMARY KEY,
      name                 TEXT NOT NULL,
      job_id               INTEGER UNIQUE REFERENCES jobs (id),
      config               TEXT NOT NULL CHECK (json_valid(config)),
      model_id             INTEGER REFERENCES models (id) ON DELETE SET NULL,
      model_name           TEXT NOT NULL,
      model_hash           TEXT,
      snapshot_id          INTEGER REFERENCES snapshots (id),
      train_pairs          INTEGER NOT NULL,
      test_pairs           INTEGER NOT NULL,
      total_steps          INTEGER NOT NULL,
      backend              TEXT,
      app_version          TEXT NOT NULL,
      dir                  TEXT NOT NULL,
      rerun_of             INTEGER REFERENCES runs (id) ON DELETE SET NULL,
      created_at           INTEGER NOT NULL,
      origin               TEXT NOT NULL DEFAULT 'local' CHECK (origin IN ('local', 'trl')),
      source_dir           TEXT UNIQUE,
      source_snapshot_hash TEXT,
      CHECK ((origin = 'local') = (source_dir IS NULL)),
      CHECK (snapshot_id IS NOT NULL OR origin <> 'local')
    ) STRICT;

    INSERT INTO runs_new (id, name, job_id, config, model_id, model_name, model_hash, snapshot_id, train_pairs, test_pairs,
                          total_steps, backend, app_version, dir, rerun_of, created_at)
    SELECT id, name, job_id, config, model_id, model_name, model_hash, snapshot_id, train_pairs, test_pairs,
           total_steps, backend, app_version, dir, rerun_of, created_at
    FROM runs;

    DROP TABLE runs;
    ALTER TABLE runs_new RENAME TO runs;

    ALTER TABLE run_checkpoints ADD COLUMN content_hash TEXT;
  `);
}
