import type { PairLabel, Side } from '../../../shared/labeling';
import { Store } from '../db/store';

/** One annotator's standing labels on a queue, counted (label_standing, migration 0011). */
export interface AnnotatorCountsRow {
  annotator_id: number;
  name: string;
  labeled: number;
  /** Pairs whose latest action was a skip and that hold no label of theirs. */
  skipped: number;
  events: number;
  label_ms: number;
  /** Standing a/b labels, and how many of them picked the response shown on the left. */
  decisive: number;
  left: number;
}

/** How often two annotators' standing labels on the same pair were (x, y). */
export interface PairCellRow {
  first: number;
  second: number;
  x: PairLabel;
  y: PairLabel;
  n: number;
}

/** Pairs with this many standing labels of each kind (`units` of them). */
export interface SignatureRow {
  a: number;
  b: number;
  tie: number;
  both_bad: number;
  units: number;
}

export interface ConflictItemRow {
  item_id: number;
  position: number;
  content_hash: string;
}

export interface StandingRow {
  item_id: number;
  annotator_id: number;
  label: PairLabel;
  shown_left: Side;
  event_id: number;
}

/**
 * Labeling statistics and the conflict queue, aggregated in SQL over
 * `label_standing` (each annotator's standing label per pair, kept by a
 * trigger as events are written) instead of reading and folding every event.
 * A queue's rows lie together in that table's key, so each query reads one
 * range; none reads `label_events` in bulk.
 */
export class StatsStore extends Store {
  annotatorCounts(queueId: number): AnnotatorCountsRow[] {
    return this.sql<[number], AnnotatorCountsRow>(
      `SELECT s.annotator_id, n.name, s.labeled, s.skipped, s.events, s.label_ms, s.decisive, s.left
       FROM (
         SELECT annotator_id, count(label) AS labeled, sum(label IS NULL AND last_action = 'skip') AS skipped, sum(events) AS events,
                sum(label_ms) AS label_ms, count(CASE WHEN label IN ('a', 'b') THEN 1 END) AS decisive,
                count(CASE WHEN label IN ('a', 'b') AND label = shown_left THEN 1 END) AS left
         FROM label_standing WHERE queue_id = ? GROUP BY annotator_id
       ) s JOIN annotators n ON n.id = s.annotator_id
       ORDER BY s.annotator_id`,
    ).all(queueId);
  }

  /** The contingency table of every two annotators (first < second) over the pairs both have a standing label on. */
  pairCells(queueId: number): PairCellRow[] {
    return this.sql<[number], PairCellRow>(
      `SELECT x.annotator_id AS first, y.annotator_id AS second, x.label AS x, y.label AS y, count(*) AS n
       FROM label_standing x
       JOIN label_standing y ON y.queue_id = x.queue_id AND y.item_id = x.item_id AND y.annotator_id > x.annotator_id
       WHERE x.queue_id = ? AND x.label IS NOT NULL AND y.label IS NOT NULL
       GROUP BY x.annotator_id, y.annotator_id, x.label, y.label`,
    ).all(queueId);
  }

  /** Pairs grouped by how many standing labels of each kind they hold (pairs without any are left out). */
  signatures(queueId: number): SignatureRow[] {
    return this.sql<[number], SignatureRow>(
      `SELECT a, b, tie, both_bad, count(*) AS units FROM (
         SELECT sum(label = 'a') AS a, sum(label = 'b') AS b, sum(label = 'tie') AS tie, sum(label = 'both_bad') AS both_bad
         FROM label_standing WHERE queue_id = ? AND label IS NOT NULL GROUP BY item_id
       ) GROUP BY a, b, tie, both_bad`,
    ).all(queueId);
  }

  /** Pairs with at least `overlap` standing labels (done). */
  doneCount(queueId: number, overlap: number): number {
    return (
      this.value<[number, number], number>(
        `SELECT count(*) FROM (
           SELECT 1 FROM label_standing WHERE queue_id = ? AND label IS NOT NULL GROUP BY item_id HAVING count(*) >= ?
         )`,
      ).get(queueId, overlap) ?? 0
    );
  }

  /** Conflicts (standing labels that differ) with at least one adjudication: the few adjudicated pairs are the outer loop. */
  adjudicatedConflicts(queueId: number): number {
    return (
      this.value<[number, number], number>(
        `SELECT count(*) FROM (SELECT DISTINCT j.item_id FROM label_adjudications j CROSS JOIN label_items i ON i.id = j.item_id
                               WHERE i.queue_id = ?) d
         WHERE (SELECT count(DISTINCT s.label) FROM label_standing s WHERE s.queue_id = ? AND s.item_id = d.item_id) > 1`,
      ).get(queueId, queueId) ?? 0
    );
  }

  /** Per annotator: answered re-serves whose original label still stands, and how many gave it again. */
  swapConsistency(queueId: number): { annotator_id: number; n: number; same: number }[] {
    return this.sql<[number], { annotator_id: number; n: number; same: number }>(
      `SELECT r.annotator_id, count(*) AS n, sum(r.label = s.label) AS same
       FROM label_rechecks r CROSS JOIN label_items i ON i.id = r.item_id
       JOIN label_standing s ON s.queue_id = i.queue_id AND s.item_id = r.item_id AND s.annotator_id = r.annotator_id
       WHERE i.queue_id = ? AND r.label IS NOT NULL AND s.label IS NOT NULL
       GROUP BY r.annotator_id`,
    ).all(queueId);
  }

  /**
   * A page of the queue's conflicts in its order (open, adjudicated or all):
   * the standing rows are grouped per pair (one range of the table), and only
   * the conflicting pairs are looked up for their position.
   */
  conflictItems(queueId: number, status: 'open' | 'adjudicated' | 'all', offset: number, limit: number): ConflictItemRow[] {
    const filter = status === 'all' ? '' : status === 'adjudicated' ? 'WHERE c.adjudicated' : 'WHERE NOT c.adjudicated';
    return this.sql<[number, number, number], ConflictItemRow>(
      `SELECT c.item_id, i.position, i.content_hash FROM (
         SELECT s.item_id, EXISTS (SELECT 1 FROM label_adjudications j WHERE j.item_id = s.item_id) AS adjudicated
         FROM label_standing s WHERE s.queue_id = ? AND s.label IS NOT NULL
         GROUP BY s.item_id HAVING count(DISTINCT s.label) > 1
       ) c JOIN label_items i ON i.id = c.item_id ${filter}
       ORDER BY i.position LIMIT ? OFFSET ?`,
    ).all(queueId, limit, offset);
  }

  /** The standing labels on some pairs of a queue. */
  standingOn(queueId: number, itemIds: readonly number[]): StandingRow[] {
    const get = this.sql<[number, number], StandingRow>(
      `SELECT item_id, annotator_id, label, shown_left, event_id FROM label_standing
       WHERE queue_id = ? AND item_id = ? AND label IS NOT NULL ORDER BY annotator_id`,
    );
    return itemIds.flatMap((id) => get.all(queueId, id));
  }
}
