import type { Db } from '../open';

/**
 * Evaluation results (issue 14), the cache of the `eval` job: one row per
 * (model content hash, suite item data hash, settings hash) with its metrics,
 * so evaluating the same model on the same data with the same settings twice
 * scores nothing the second time; and each row's per-item results (a pair, a
 * question, a document) for drill-down.
 */
export function up(db: Db): void {
  db.exec(`
    CREATE TABLE eval_results (
      id            INTEGER PRIMARY KEY,
      model_hash    TEXT NOT NULL,
      data_hash     TEXT NOT NULL,
      settings_hash TEXT NOT NULL,
      item_kind     TEXT NOT NULL CHECK (item_kind IN ('preference', 'multiple-choice', 'perplexity')),
      item_label    TEXT NOT NULL,
      model_id      INTEGER REFERENCES models (id) ON DELETE SET NULL,
      model_name    TEXT NOT NULL,
      run_id        INTEGER REFERENCES runs (id) ON DELETE SET NULL,
      run_step      INTEGER,
      settings      TEXT NOT NULL CHECK (json_valid(settings)),
      metrics       TEXT NOT NULL CHECK (json_valid(metrics)),
      summary       TEXT NOT NULL CHECK (json_valid(summary)),
      job_id        INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
      created_at    INTEGER NOT NULL,
      UNIQUE (model_hash, data_hash, settings_hash)
    ) STRICT;
    CREATE INDEX eval_results_by_model ON eval_results (model_id, id);

    CREATE TABLE eval_item_results (
      result_id INTEGER NOT NULL REFERENCES eval_results (id) ON DELETE CASCADE,
      seq       INTEGER NOT NULL,
      item_id   TEXT NOT NULL,
      correct   INTEGER CHECK (correct IS NULL OR correct IN (0, 1)),
      detail    TEXT NOT NULL CHECK (json_valid(detail)),
      PRIMARY KEY (result_id, seq)
    ) STRICT, WITHOUT ROWID;
  `);
}
