import type { Db } from '../open';

/**
 * Reviewing labels (issue 18, items 8, 10 and 11):
 *
 * - `label_drafts`: the rationale an annotator is typing, saved as it is
 *   typed (one row per annotator and pair, replaced). A draft is not a label
 *   event: the label that follows takes it and the draft row goes.
 * - `label_adjudications`: a decision by a chosen person that becomes the
 *   pair's label; the annotators' own labels stay as they are. Append-only:
 *   a later decision on the same pair supersedes the earlier one.
 * - `label_rechecks`: the answers to swap-consistency re-serves (a labeled
 *   pair served again to the same annotator with the sides swapped). Kept
 *   apart from `label_events` so a re-serve can never replace the pair's
 *   label; append-only, in the pair's own order like every label.
 * - `label_queues.recheck_share`: the share of each annotator's labeled pairs
 *   that is re-served (new queues default to 5%, existing ones keep none).
 */
export function up(db: Db): void {
  db.exec(`
    ALTER TABLE label_queues ADD COLUMN recheck_share REAL NOT NULL DEFAULT 0 CHECK (recheck_share BETWEEN 0 AND 1);

    CREATE TABLE label_drafts (
      item_id      INTEGER NOT NULL REFERENCES label_items (id) ON DELETE CASCADE,
      annotator_id INTEGER NOT NULL REFERENCES annotators (id) ON DELETE CASCADE,
      rationale    TEXT NOT NULL,
      updated_at   INTEGER NOT NULL,
      PRIMARY KEY (item_id, annotator_id)
    ) STRICT;

    CREATE TABLE label_adjudications (
      id           INTEGER PRIMARY KEY,
      item_id      INTEGER NOT NULL REFERENCES label_items (id) ON DELETE CASCADE,
      annotator_id INTEGER NOT NULL REFERENCES annotators (id) ON DELETE RESTRICT,
      label        TEXT NOT NULL CHECK (label IN ('a', 'b', 'tie', 'both_bad')),
      note         TEXT,
      created_at   INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX label_adjudications_by_item ON label_adjudications (item_id, id);
    CREATE TRIGGER label_adjudications_are_append_only BEFORE UPDATE ON label_adjudications
      BEGIN SELECT RAISE(ABORT, 'adjudications are append-only'); END;

    -- label is NULL when the re-serve was skipped (it is then not served again).
    CREATE TABLE label_rechecks (
      id           INTEGER PRIMARY KEY,
      item_id      INTEGER NOT NULL REFERENCES label_items (id) ON DELETE CASCADE,
      annotator_id INTEGER NOT NULL REFERENCES annotators (id) ON DELETE RESTRICT,
      label        TEXT CHECK (label IN ('a', 'b', 'tie', 'both_bad')),
      shown_left   TEXT NOT NULL CHECK (shown_left IN ('a', 'b')),
      rationale    TEXT,
      confidence   INTEGER CHECK (confidence BETWEEN 1 AND 3),
      ms_on_screen INTEGER CHECK (ms_on_screen >= 0),
      created_at   INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX label_rechecks_by_item ON label_rechecks (item_id, annotator_id);
    CREATE TRIGGER label_rechecks_are_append_only BEFORE UPDATE ON label_rechecks
      BEGIN SELECT RAISE(ABORT, 'rechecks are append-only'); END;
  `);
}
