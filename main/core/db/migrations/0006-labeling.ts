import type { Db } from '../open';

/**
 * Pair labeling (issue 18): local annotator profiles, queues made from a
 * dataset or snapshot, their items (the pair's content as it was when the
 * queue was made, hashed so labels can travel between workspaces), and the
 * append-only events annotators write. A pair's current label is never
 * stored: it is folded from the events (shared/labeling.ts), so undo is an
 * event too and history is never rewritten.
 */
export function up(db: Db): void {
  db.exec(`
    CREATE TABLE annotators (
      id         INTEGER PRIMARY KEY,
      name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
      created_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE label_queues (
      id          INTEGER PRIMARY KEY,
      name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
      kind        TEXT NOT NULL CHECK (kind IN ('pairs', 'prompts', 'relabel', 'arena')),
      dataset_id  INTEGER REFERENCES datasets (id) ON DELETE SET NULL,
      snapshot_id INTEGER REFERENCES snapshots (id) ON DELETE SET NULL,
      guidelines  TEXT NOT NULL DEFAULT '',
      item_order  TEXT NOT NULL CHECK (item_order IN ('stored', 'random', 'uncertain')),
      seed        INTEGER NOT NULL DEFAULT 0,
      overlap     INTEGER NOT NULL DEFAULT 1 CHECK (overlap >= 1),
      skipped     INTEGER NOT NULL DEFAULT 0,
      notes       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(notes)),
      created_at  INTEGER NOT NULL
    ) STRICT;

    -- The pair as it was when the queue was made: later edits to its record do
    -- not change what was labeled. a and b are in the pair's own order
    -- (re-checking a preference record: a = chosen, b = rejected).
    CREATE TABLE label_items (
      id           INTEGER PRIMARY KEY,
      queue_id     INTEGER NOT NULL REFERENCES label_queues (id) ON DELETE CASCADE,
      record_id    INTEGER REFERENCES records (id) ON DELETE SET NULL,
      prompt       TEXT NOT NULL CHECK (json_valid(prompt)),
      system       TEXT,
      response_a   TEXT NOT NULL CHECK (json_valid(response_a)),
      response_b   TEXT NOT NULL CHECK (json_valid(response_b)),
      content_hash TEXT NOT NULL,
      position     INTEGER NOT NULL,
      UNIQUE (queue_id, position)
    ) STRICT;
    CREATE INDEX label_items_by_hash ON label_items (queue_id, content_hash);

    -- Append-only: one row per key press that labels, skips or undoes.
    CREATE TABLE label_events (
      id           INTEGER PRIMARY KEY,
      item_id      INTEGER NOT NULL REFERENCES label_items (id) ON DELETE CASCADE,
      annotator_id INTEGER NOT NULL REFERENCES annotators (id) ON DELETE RESTRICT,
      action       TEXT NOT NULL CHECK (action IN ('label', 'skip', 'undo')),
      label        TEXT CHECK (label IN ('a', 'b', 'tie', 'both_bad')),
      shown_left   TEXT NOT NULL CHECK (shown_left IN ('a', 'b')),
      rationale    TEXT,
      confidence   INTEGER CHECK (confidence BETWEEN 1 AND 3),
      ms_on_screen INTEGER CHECK (ms_on_screen >= 0),
      created_at   INTEGER NOT NULL,
      CHECK ((action = 'label') = (label IS NOT NULL))
    ) STRICT;
    CREATE INDEX label_events_by_item ON label_events (item_id, id);
    CREATE INDEX label_events_by_annotator ON label_events (annotator_id, id);

    CREATE TRIGGER label_events_are_append_only BEFORE UPDATE ON label_events
      BEGIN SELECT RAISE(ABORT, 'label events are append-only'); END;
  `);
}
