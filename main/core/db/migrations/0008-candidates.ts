import type { Db } from '../open';

/**
 * Queue kinds beyond `pairs` and generated candidates (issue 18, items 1, 7
 * and 9):
 * - `label_prompts`: the prompts of a `prompts` or `arena` queue, each marked
 *   filled once its candidates are stored (in the same transaction as its
 *   pairs), so a cancelled or retried generation skips what it finished;
 * - `label_items.source_a/b`: where each response came from — the dataset, or
 *   a model (hash, name, run, step, sampling settings); `prompt_id` ties a
 *   generated pair to its prompt;
 * - `label_queues.candidates`: the generation settings a queue's candidates
 *   are made with (fixed by its first generation, so a resumed one matches);
 *   `ordered_by`: the model whose margins ordered the queue (order `uncertain`);
 * - `label_margins`: each pair's per-token margin under a model, cached by
 *   (item, scorer key = model hash + tokenization), so ordering the same queue
 *   by the same model again scores nothing.
 */
export function up(db: Db): void {
  db.exec(`
    CREATE TABLE label_prompts (
      id          INTEGER PRIMARY KEY,
      queue_id    INTEGER NOT NULL REFERENCES label_queues (id) ON DELETE CASCADE,
      record_id   INTEGER REFERENCES records (id) ON DELETE SET NULL,
      prompt      TEXT NOT NULL CHECK (json_valid(prompt)),
      system      TEXT,
      prompt_hash TEXT NOT NULL,
      position    INTEGER NOT NULL,
      -- When its candidates were stored; null while they are still to generate.
      filled_at   INTEGER,
      -- What the generation said about it (identical responses left out).
      note        TEXT,
      UNIQUE (queue_id, position)
    ) STRICT;
    CREATE INDEX label_prompts_open ON label_prompts (queue_id, filled_at, position);

    ALTER TABLE label_items ADD COLUMN source_a TEXT NOT NULL DEFAULT '{"kind":"dataset"}' CHECK (json_valid(source_a));
    ALTER TABLE label_items ADD COLUMN source_b TEXT NOT NULL DEFAULT '{"kind":"dataset"}' CHECK (json_valid(source_b));
    ALTER TABLE label_items ADD COLUMN prompt_id INTEGER REFERENCES label_prompts (id) ON DELETE SET NULL;

    ALTER TABLE label_queues ADD COLUMN candidates TEXT CHECK (candidates IS NULL OR json_valid(candidates));
    ALTER TABLE label_queues ADD COLUMN ordered_by TEXT CHECK (ordered_by IS NULL OR json_valid(ordered_by));

    CREATE TABLE label_margins (
      item_id    INTEGER NOT NULL REFERENCES label_items (id) ON DELETE CASCADE,
      scorer_key TEXT NOT NULL,
      model_hash TEXT NOT NULL,
      -- |log π(a)/|a| − log π(b)/|b||; null when the pair could not be scored.
      margin     REAL,
      logp_a     REAL,
      logp_b     REAL,
      tokens_a   INTEGER,
      tokens_b   INTEGER,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (item_id, scorer_key)
    ) STRICT;
  `);
}
