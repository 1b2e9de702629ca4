import type { Db } from '../open';

/**
 * Win rate against a baseline (issue 14 items 4 and 6).
 *
 * `generations` keeps every response a win-rate item generated, keyed by
 * (model content hash, prompt hash, sampling settings hash), with its text,
 * token count, finish reason and the settings themselves: the eval worker
 * generates only what is missing, so a baseline's responses are generated
 * once and reused by every model compared against it.
 *
 * `eval_results` gains the item kind `win-rate`. SQLite cannot change a CHECK
 * constraint in place, so the table is rebuilt (create, copy, drop, rename)
 * with foreign keys off for the step (`rebuildsTables`): eval_item_results
 * keeps pointing at the same result ids.
 */
export function up(db: Db): void {
  db.exec(`
    CREATE TABLE generations (
      id            INTEGER PRIMARY KEY,
      model_hash    TEXT NOT NULL,
      prompt_hash   TEXT NOT NULL,
      settings_hash TEXT NOT NULL,
      prompt        TEXT NOT NULL,
      text          TEXT NOT NULL,
      tokens        INTEGER NOT NULL CHECK (tokens >= 0),
      finish_reason TEXT NOT NULL CHECK (finish_reason IN ('stop_token', 'stop_sequence', 'length')),
      settings      TEXT NOT NULL CHECK (json_valid(settings)),
      model_name    TEXT NOT NULL,
      job_id        INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
      created_at    INTEGER NOT NULL,
      UNIQUE (model_hash, prompt_hash, settings_hash)
    ) STRICT;

    CREATE TABLE eval_results_new (
      id            INTEGER PRIMARY KEY,
      model_hash    TEXT NOT NULL,
      data_hash     TEXT NOT NULL,
      settings_hash TEXT NOT NULL,
      item_kind     TEXT NOT NULL CHECK (item_kind IN ('preference', 'multiple-choice', 'perplexity', 'win-rate')),
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
    INSERT INTO eval_results_new SELECT id, model_hash, data_hash, settings_hash, item_kind, item_label, model_id, model_name,
                                        run_id, run_step, settings, metrics, summary, job_id, created_at
    FROM eval_results;
    DROP TABLE eval_results;
    ALTER TABLE eval_results_new RENAME TO eval_results;
    CREATE INDEX eval_results_by_model ON eval_results (model_id, id);
  `);
}
