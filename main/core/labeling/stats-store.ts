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

/** A pair whose standing labels are not all the same (the partial index label_item_votes_conflicts holds these). */
const CONFLICT = '(v.a > 0) + (v.b > 0) + (v.tie > 0) + (v.both_bad > 0) > 1';

/**
 * Labeling statistics and the conflict queue from the per-queue summaries
 * that triggers keep as events are written (migrations 0011 and 0012:
 * standing labels, counts per annotator, votes per pair, the histogram of
 * vote combinations, the contingency cells per annotator pair). Each read is
 * a few rows or one index range, whatever the queue's size; none reads
 * `label_events` in bulk or folds it.
 */
export class StatsStore extends Store {
  annotatorCounts(queueId: number): AnnotatorCountsRow[] {
    return this.sql<[number], AnnotatorCountsRow>(
      `SELECT c.annotator_id, n.name, c.labeled, c.skipped, c.events, c.label_ms, c.decisive, c.left_picks AS left
       FROM label_annotator_counts c JOIN annotators n ON n.id = c.annotator_id
       WHERE c.queue_id = ? ORDER BY c.annotator_id`,
    ).all(queueId);
  }

  /** The contingency table of every two annotators (first < second) over the pairs both have a standing label on. */
  pairCells(queueId: number): PairCellRow[] {
    return this.sql<[number], PairCellRow>(
      'SELECT first, second, x, y, n FROM label_pair_cells WHERE queue_id = ? AND n > 0 ORDER BY first, second, x, y',
    ).all(queueId);
  }

  /** Pairs grouped by how many standing labels of each kind they hold (pairs without any are left out). */
  signatures(queueId: number): SignatureRow[] {
    return this.sql<[number], SignatureRow>(
      'SELECT a, b, tie, both_bad, units FROM label_vote_signatures WHERE queue_id = ? AND units > 0',
    ).all(queueId);
  }

  /** Pairs with at least `overlap` standing labels (done). */
  doneCount(queueId: number, overlap: number): number {
    return (
      this.value<[number, number], number>(
        'SELECT coalesce(sum(units), 0) FROM label_vote_signatures WHERE queue_id = ? AND a + b + tie + both_bad >= ?',
      ).get(queueId, overlap) ?? 0
    );
  }

  /** Conflicts (standing labels that differ) with at least one adjudication: the few adjudicated pairs are the outer loop. */
  adjudicatedConflicts(queueId: number): number {
    return (
      this.value<[number, number], number>(
        `SELECT count(*) FROM (SELECT DISTINCT j.item_id FROM label_adjudications j CROSS JOIN label_items i ON i.id = j.item_id
                               WHERE i.queue_id = ?) d
         CROSS JOIN label_item_votes v ON v.queue_id = ? AND v.item_id = d.item_id
         WHERE ${CONFLICT}`,
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
   * a range of the partial index that holds the conflicting pairs by position.
   */
  conflictItems(queueId: number, status: 'open' | 'adjudicated' | 'all', offset: number, limit: number): ConflictItemRow[] {
    const adjudicated = 'EXISTS (SELECT 1 FROM label_adjudications j WHERE j.item_id = v.item_id)';
    const filter = status === 'all' ? '' : status === 'adjudicated' ? `AND ${adjudicated}` : `AND NOT ${adjudicated}`;
    return this.sql<[number, number, number], ConflictItemRow>(
      `SELECT v.item_id, v.position, i.content_hash
       FROM label_item_votes v INDEXED BY label_item_votes_conflicts JOIN label_items i ON i.id = v.item_id
       WHERE v.queue_id = ? AND ${CONFLICT} ${filter}
       ORDER BY v.position LIMIT ? OFFSET ?`,
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
