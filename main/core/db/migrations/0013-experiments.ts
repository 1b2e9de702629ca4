import type { Db } from '../open';

/**
 * Experiments (issue 19, the paper in miniature): a grid of runs on one
 * snapshot and one base model. `experiments` keeps the spec as it was given
 * (validated, so the grid can be expanded again) and what the user asked of
 * the whole (`state`: a paused experiment's runs wait until it is resumed);
 * `experiment_runs` maps each grid cell — its index in the expanded grid and
 * the settings that vary there — to the run that trains it. The runs are
 * ordinary runs with their own durable jobs; a run belongs to at most one
 * experiment.
 */
export function up(db: Db): void {
  db.exec(`
    CREATE TABLE experiments (
      id         INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      spec       TEXT NOT NULL CHECK (json_valid(spec)),
      state      TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'cancelled')),
      created_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE experiment_runs (
      experiment_id INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
      cell          INTEGER NOT NULL,
      run_id        INTEGER NOT NULL UNIQUE REFERENCES runs (id),
      settings      TEXT NOT NULL CHECK (json_valid(settings)),
      PRIMARY KEY (experiment_id, cell)
    ) STRICT, WITHOUT ROWID;
  `);
}
