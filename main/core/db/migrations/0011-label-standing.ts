import type { Db } from '../open';

/**
 * Each annotator's standing label per pair, kept as events are written
 * (issue 18: nothing slow on the main process's event loop). `label_events`
 * stays the truth and append-only; `label_standing` is what `foldLabels`
 * (shared/labeling.ts) makes of it, one row per (pair, annotator), updated by
 * a trigger in the same transaction as each event — so every path that writes
 * an event (the labeler, a labels file import in a worker) keeps it, and
 * `labeling.stats` and `labeling.conflicts` aggregate these rows in SQL
 * instead of reading and folding every event of the queue.
 *
 * The fold: a label sets the standing label (a relabel replaces it), an undo
 * clears it, a skip keeps whatever stood and only becomes the last action.
 * `event_id` and `shown_left` are those of the event the state comes from
 * (the first skip while only skips were given). Events arrive in id order.
 */
export function up(db: Db): void {
  db.exec(`
    CREATE TABLE label_standing (
      queue_id     INTEGER NOT NULL,
      item_id      INTEGER NOT NULL REFERENCES label_items (id) ON DELETE CASCADE,
      annotator_id INTEGER NOT NULL,
      label        TEXT CHECK (label IN ('a', 'b', 'tie', 'both_bad')),
      shown_left   TEXT NOT NULL CHECK (shown_left IN ('a', 'b')),
      event_id     INTEGER NOT NULL,
      last_action  TEXT NOT NULL CHECK (last_action IN ('label', 'skip', 'undo')),
      -- Every event of this annotator on this pair, and the time on screen of their label events (labels per hour).
      events       INTEGER NOT NULL,
      label_ms     INTEGER NOT NULL,
      -- A queue's rows lie together, so its aggregates read one range.
      PRIMARY KEY (queue_id, item_id, annotator_id)
    ) STRICT, WITHOUT ROWID;
    -- Deleting a pair (its queue) removes its rows through this.
    CREATE INDEX label_standing_by_item ON label_standing (item_id);

    INSERT INTO label_standing (queue_id, item_id, annotator_id, label, shown_left, event_id, last_action, events, label_ms)
    SELECT i.queue_id, g.item_id, g.annotator_id, s.label, s.shown_left, s.id, l.action, g.events, g.label_ms
    FROM (
      SELECT item_id, annotator_id, max(id) AS last_id, coalesce(max(CASE WHEN action != 'skip' THEN id END), min(id)) AS state_id,
             count(*) AS events, coalesce(sum(CASE WHEN action = 'label' THEN ms_on_screen END), 0) AS label_ms
      FROM label_events GROUP BY item_id, annotator_id
    ) g
    JOIN label_events s ON s.id = g.state_id
    JOIN label_events l ON l.id = g.last_id
    JOIN label_items i ON i.id = g.item_id;

    CREATE TRIGGER label_events_fold AFTER INSERT ON label_events
    BEGIN
      INSERT INTO label_standing (queue_id, item_id, annotator_id, label, shown_left, event_id, last_action, events, label_ms)
      SELECT i.queue_id, NEW.item_id, NEW.annotator_id, NEW.label, NEW.shown_left, NEW.id, NEW.action, 1,
             CASE WHEN NEW.action = 'label' THEN coalesce(NEW.ms_on_screen, 0) ELSE 0 END
      FROM label_items i WHERE i.id = NEW.item_id
      ON CONFLICT (queue_id, item_id, annotator_id) DO UPDATE SET
        label       = CASE WHEN excluded.last_action = 'skip' THEN label ELSE excluded.label END,
        shown_left  = CASE WHEN excluded.last_action = 'skip' THEN shown_left ELSE excluded.shown_left END,
        event_id    = CASE WHEN excluded.last_action = 'skip' THEN event_id ELSE excluded.event_id END,
        last_action = excluded.last_action,
        events      = events + 1,
        label_ms    = label_ms + excluded.label_ms;
    END;
  `);
}
