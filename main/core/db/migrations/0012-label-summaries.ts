import type { Db } from '../open';

/**
 * Per-queue summaries of the standing labels (issue 18: `labeling.stats` and
 * `labeling.conflicts` answer in about a millisecond at 100k pairs, on the
 * main process's event loop). Aggregating `label_standing` (0011) in SQL
 * still reads every pair of the queue on each call; these tables are kept by
 * triggers on `label_standing`, in the same transaction as each event, so a
 * call reads a handful of rows:
 *
 * - `label_annotator_counts`: per annotator, standing labels, pairs last
 *   skipped without a label, events, time on screen of label events, decisive
 *   (a/b) labels and how many of those picked the left response;
 * - `label_item_votes`: per pair, its standing labels of each kind and its
 *   position; a partial index holds the conflicting pairs (two or more
 *   different labels) in the queue's order, so a conflict page is a range;
 * - `label_vote_signatures`: how many pairs hold each combination of label
 *   counts (Krippendorff's α, pairs done, labels, conflict counts);
 * - `label_pair_cells`: per two annotators (first < second by id), how many
 *   pairs they labeled (x, y) — Cohen's κ and percent agreement.
 *
 * Rows that fall to zero stay (n = 0, units = 0) and are read past.
 */
export function up(db: Db): void {
  db.exec(`
    CREATE TABLE label_annotator_counts (
      queue_id     INTEGER NOT NULL REFERENCES label_queues (id) ON DELETE CASCADE,
      annotator_id INTEGER NOT NULL,
      labeled      INTEGER NOT NULL,
      skipped      INTEGER NOT NULL,
      events       INTEGER NOT NULL,
      label_ms     INTEGER NOT NULL,
      decisive     INTEGER NOT NULL,
      left_picks   INTEGER NOT NULL,
      PRIMARY KEY (queue_id, annotator_id)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE label_item_votes (
      queue_id INTEGER NOT NULL REFERENCES label_queues (id) ON DELETE CASCADE,
      item_id  INTEGER NOT NULL,
      position INTEGER NOT NULL,
      a        INTEGER NOT NULL,
      b        INTEGER NOT NULL,
      tie      INTEGER NOT NULL,
      both_bad INTEGER NOT NULL,
      PRIMARY KEY (queue_id, item_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX label_item_votes_conflicts ON label_item_votes (queue_id, position)
      WHERE (a > 0) + (b > 0) + (tie > 0) + (both_bad > 0) > 1;

    CREATE TABLE label_vote_signatures (
      queue_id INTEGER NOT NULL REFERENCES label_queues (id) ON DELETE CASCADE,
      a        INTEGER NOT NULL,
      b        INTEGER NOT NULL,
      tie      INTEGER NOT NULL,
      both_bad INTEGER NOT NULL,
      units    INTEGER NOT NULL,
      PRIMARY KEY (queue_id, a, b, tie, both_bad)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE label_pair_cells (
      queue_id INTEGER NOT NULL REFERENCES label_queues (id) ON DELETE CASCADE,
      first    INTEGER NOT NULL,
      second   INTEGER NOT NULL,
      x        TEXT NOT NULL,
      y        TEXT NOT NULL,
      n        INTEGER NOT NULL,
      PRIMARY KEY (queue_id, first, second, x, y)
    ) STRICT, WITHOUT ROWID;

    INSERT INTO label_annotator_counts
    SELECT queue_id, annotator_id, count(label), sum(label IS NULL AND last_action = 'skip'), sum(events), sum(label_ms),
           sum(label IS 'a' OR label IS 'b'), sum((label IS 'a' OR label IS 'b') AND label IS shown_left)
    FROM label_standing GROUP BY queue_id, annotator_id;

    INSERT INTO label_item_votes
    SELECT s.queue_id, s.item_id, i.position, sum(s.label IS 'a'), sum(s.label IS 'b'), sum(s.label IS 'tie'), sum(s.label IS 'both_bad')
    FROM label_standing s JOIN label_items i ON i.id = s.item_id WHERE s.label IS NOT NULL GROUP BY s.queue_id, s.item_id;

    INSERT INTO label_vote_signatures
    SELECT queue_id, a, b, tie, both_bad, count(*) FROM label_item_votes GROUP BY queue_id, a, b, tie, both_bad;

    INSERT INTO label_pair_cells
    SELECT x.queue_id, x.annotator_id, y.annotator_id, x.label, y.label, count(*)
    FROM label_standing x JOIN label_standing y ON y.queue_id = x.queue_id AND y.item_id = x.item_id AND y.annotator_id > x.annotator_id
    WHERE x.label IS NOT NULL AND y.label IS NOT NULL
    GROUP BY x.queue_id, x.annotator_id, y.annotator_id, x.label, y.label;

    -- Each annotator's counts move by what their row of label_standing gained and lost.
    CREATE TRIGGER label_standing_counts_insert AFTER INSERT ON label_standing
    BEGIN
      INSERT INTO label_annotator_counts VALUES (
        NEW.queue_id, NEW.annotator_id, NEW.label IS NOT NULL, NEW.label IS NULL AND NEW.last_action = 'skip', NEW.events, NEW.label_ms,
        NEW.label IS 'a' OR NEW.label IS 'b', (NEW.label IS 'a' OR NEW.label IS 'b') AND NEW.label IS NEW.shown_left)
      ON CONFLICT (queue_id, annotator_id) DO UPDATE SET
        labeled = labeled + excluded.labeled, skipped = skipped + excluded.skipped, events = events + excluded.events,
        label_ms = label_ms + excluded.label_ms, decisive = decisive + excluded.decisive, left_picks = left_picks + excluded.left_picks;
    END;
    CREATE TRIGGER label_standing_counts_update AFTER UPDATE ON label_standing
    BEGIN
      UPDATE label_annotator_counts SET
        labeled    = labeled + (NEW.label IS NOT NULL) - (OLD.label IS NOT NULL),
        skipped    = skipped + (NEW.label IS NULL AND NEW.last_action = 'skip') - (OLD.label IS NULL AND OLD.last_action = 'skip'),
        events     = events + NEW.events - OLD.events,
        label_ms   = label_ms + NEW.label_ms - OLD.label_ms,
        decisive   = decisive + (NEW.label IS 'a' OR NEW.label IS 'b') - (OLD.label IS 'a' OR OLD.label IS 'b'),
        left_picks = left_picks + ((NEW.label IS 'a' OR NEW.label IS 'b') AND NEW.label IS NEW.shown_left)
                                - ((OLD.label IS 'a' OR OLD.label IS 'b') AND OLD.label IS OLD.shown_left)
      WHERE queue_id = NEW.queue_id AND annotator_id = NEW.annotator_id;
    END;

    -- A pair's votes and the annotator-pair cells move when a standing label changes.
    CREATE TRIGGER label_standing_votes_insert AFTER INSERT ON label_standing WHEN NEW.label IS NOT NULL
    BEGIN
      INSERT INTO label_item_votes
      SELECT NEW.queue_id, NEW.item_id, i.position, NEW.label IS 'a', NEW.label IS 'b', NEW.label IS 'tie', NEW.label IS 'both_bad'
      FROM label_items i WHERE i.id = NEW.item_id
      ON CONFLICT (queue_id, item_id) DO UPDATE SET
        a = a + excluded.a, b = b + excluded.b, tie = tie + excluded.tie, both_bad = both_bad + excluded.both_bad;
      INSERT INTO label_pair_cells
      SELECT NEW.queue_id, min(o.annotator_id, NEW.annotator_id), max(o.annotator_id, NEW.annotator_id),
             CASE WHEN o.annotator_id < NEW.annotator_id THEN o.label ELSE NEW.label END,
             CASE WHEN o.annotator_id < NEW.annotator_id THEN NEW.label ELSE o.label END, 1
      FROM label_standing o
      WHERE o.queue_id = NEW.queue_id AND o.item_id = NEW.item_id AND o.annotator_id != NEW.annotator_id AND o.label IS NOT NULL
      ON CONFLICT (queue_id, first, second, x, y) DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER label_standing_votes_update AFTER UPDATE ON label_standing WHEN OLD.label IS NOT NEW.label
    BEGIN
      INSERT INTO label_item_votes
      SELECT NEW.queue_id, NEW.item_id, i.position, (NEW.label IS 'a') - (OLD.label IS 'a'), (NEW.label IS 'b') - (OLD.label IS 'b'),
             (NEW.label IS 'tie') - (OLD.label IS 'tie'), (NEW.label IS 'both_bad') - (OLD.label IS 'both_bad')
      FROM label_items i WHERE i.id = NEW.item_id
      ON CONFLICT (queue_id, item_id) DO UPDATE SET
        a = a + excluded.a, b = b + excluded.b, tie = tie + excluded.tie, both_bad = both_bad + excluded.both_bad;
      UPDATE label_pair_cells SET n = n - 1
      WHERE OLD.label IS NOT NULL AND queue_id = OLD.queue_id AND (first, second, x, y) IN (
        SELECT min(o.annotator_id, OLD.annotator_id), max(o.annotator_id, OLD.annotator_id),
               CASE WHEN o.annotator_id < OLD.annotator_id THEN o.label ELSE OLD.label END,
               CASE WHEN o.annotator_id < OLD.annotator_id THEN OLD.label ELSE o.label END
        FROM label_standing o
        WHERE o.queue_id = OLD.queue_id AND o.item_id = OLD.item_id AND o.annotator_id != OLD.annotator_id AND o.label IS NOT NULL
      );
      INSERT INTO label_pair_cells
      SELECT NEW.queue_id, min(o.annotator_id, NEW.annotator_id), max(o.annotator_id, NEW.annotator_id),
             CASE WHEN o.annotator_id < NEW.annotator_id THEN o.label ELSE NEW.label END,
             CASE WHEN o.annotator_id < NEW.annotator_id THEN NEW.label ELSE o.label END, 1
      FROM label_standing o
      WHERE NEW.label IS NOT NULL AND o.queue_id = NEW.queue_id AND o.item_id = NEW.item_id AND o.annotator_id != NEW.annotator_id
        AND o.label IS NOT NULL
      ON CONFLICT (queue_id, first, second, x, y) DO UPDATE SET n = n + 1;
    END;

    -- The signature histogram moves when a pair's votes do (a pair without votes counts in none).
    CREATE TRIGGER label_item_votes_insert AFTER INSERT ON label_item_votes
    BEGIN
      INSERT INTO label_vote_signatures SELECT NEW.queue_id, NEW.a, NEW.b, NEW.tie, NEW.both_bad, 1
      WHERE NEW.a + NEW.b + NEW.tie + NEW.both_bad > 0
      ON CONFLICT (queue_id, a, b, tie, both_bad) DO UPDATE SET units = units + 1;
    END;
    CREATE TRIGGER label_item_votes_update AFTER UPDATE ON label_item_votes
    BEGIN
      UPDATE label_vote_signatures SET units = units - 1
      WHERE queue_id = OLD.queue_id AND a = OLD.a AND b = OLD.b AND tie = OLD.tie AND both_bad = OLD.both_bad;
      INSERT INTO label_vote_signatures SELECT NEW.queue_id, NEW.a, NEW.b, NEW.tie, NEW.both_bad, 1
      WHERE NEW.a + NEW.b + NEW.tie + NEW.both_bad > 0
      ON CONFLICT (queue_id, a, b, tie, both_bad) DO UPDATE SET units = units + 1;
    END;
  `);
}
