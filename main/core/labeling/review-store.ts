import type { LabelAction, PairLabel, Side } from '../../../shared/labeling';
import { Store } from '../db/store';

export interface AdjudicationRow {
  id: number;
  item_id: number;
  annotator_id: number;
  annotator: string;
  label: PairLabel;
  note: string | null;
  created_at: number;
}

export interface RecheckRow {
  id: number;
  item_id: number;
  annotator_id: number;
  label: PairLabel | null;
  shown_left: Side;
  rationale: string | null;
  confidence: number | null;
  ms_on_screen: number | null;
  created_at: number;
}

/** A label event as a labels file carries it: by pair hash and annotator name. */
export interface FileEventRow {
  id: number;
  pair_hash: string;
  annotator: string;
  action: LabelAction;
  label: PairLabel | null;
  shown_left: Side;
  rationale: string | null;
  confidence: number | null;
  ms_on_screen: number | null;
  created_at: number;
}

/** Drafts, adjudications and swap rechecks of label queues (migration 0007), and the lookups label files need. */
export class ReviewStore extends Store {
  recheckShare(queueId: number): number {
    return this.value<[number], number>('SELECT recheck_share FROM label_queues WHERE id = ?').get(queueId) ?? 0;
  }

  setRecheckShare(queueId: number, share: number): void {
    this.sql('UPDATE label_queues SET recheck_share = ? WHERE id = ?').run(share, queueId);
  }

  // ---- drafts ----

  saveDraft(itemId: number, annotatorId: number, rationale: string): void {
    this.sql(
      `INSERT INTO label_drafts (item_id, annotator_id, rationale, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (item_id, annotator_id) DO UPDATE SET rationale = excluded.rationale, updated_at = excluded.updated_at`,
    ).run(itemId, annotatorId, rationale, Date.now());
  }

  draft(itemId: number, annotatorId: number): string | null {
    return (
      this.value<[number, number], string>('SELECT rationale FROM label_drafts WHERE item_id = ? AND annotator_id = ?').get(
        itemId,
        annotatorId,
      ) ?? null
    );
  }

  clearDraft(itemId: number, annotatorId: number): void {
    this.sql('DELETE FROM label_drafts WHERE item_id = ? AND annotator_id = ?').run(itemId, annotatorId);
  }

  // ---- adjudications ----

  insertAdjudication(a: { itemId: number; annotatorId: number; label: PairLabel; note: string | null; createdAt?: number }): number {
    return Number(
      this.sql('INSERT INTO label_adjudications (item_id, annotator_id, label, note, created_at) VALUES (?, ?, ?, ?, ?)').run(
        a.itemId,
        a.annotatorId,
        a.label,
        a.note,
        a.createdAt ?? Date.now(),
      ).lastInsertRowid,
    );
  }

  adjudication(id: number): AdjudicationRow {
    return this.sql<[number], AdjudicationRow>(
      `SELECT j.*, n.name AS annotator FROM label_adjudications j JOIN annotators n ON n.id = j.annotator_id WHERE j.id = ?`,
    ).get(id)!;
  }

  /**
   * Every adjudication of a queue's items, oldest first (the latest per item stands). CROSS JOIN keeps the
   * (few) adjudications as the outer loop rather than every pair of the queue.
   */
  queueAdjudications(queueId: number): AdjudicationRow[] {
    return this.sql<[number], AdjudicationRow>(
      `SELECT j.*, n.name AS annotator FROM label_adjudications j
       CROSS JOIN label_items i ON i.id = j.item_id JOIN annotators n ON n.id = j.annotator_id
       WHERE i.queue_id = ? ORDER BY j.id`,
    ).all(queueId);
  }

  // ---- rechecks ----

  insertRecheck(r: Omit<RecheckRow, 'id' | 'created_at'> & { created_at?: number }): number {
    return Number(
      this.sql(
        `INSERT INTO label_rechecks (item_id, annotator_id, label, shown_left, rationale, confidence, ms_on_screen, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(r.item_id, r.annotator_id, r.label, r.shown_left, r.rationale, r.confidence, r.ms_on_screen, r.created_at ?? Date.now())
        .lastInsertRowid,
    );
  }

  recheck(id: number): RecheckRow {
    return this.sql<[number], RecheckRow>('SELECT * FROM label_rechecks WHERE id = ?').get(id)!;
  }

  /** Every recheck answer of a queue, oldest first (CROSS JOIN: the few rechecks are the outer loop, not the queue's pairs). */
  queueRechecks(queueId: number): RecheckRow[] {
    return this.sql<[number], RecheckRow>(
      `SELECT r.* FROM label_rechecks r CROSS JOIN label_items i ON i.id = r.item_id WHERE i.queue_id = ? ORDER BY r.id`,
    ).all(queueId);
  }

  /** The pairs of a queue whose re-serve this annotator has answered or skipped (asked on every `labeling.next`). */
  answeredRechecks(queueId: number, annotatorId: number): number[] {
    return this.value<[number, number], number>(
      `SELECT r.item_id FROM label_rechecks r CROSS JOIN label_items i ON i.id = r.item_id WHERE i.queue_id = ? AND r.annotator_id = ?`,
    ).all(queueId, annotatorId);
  }

  /** Rationale and confidence of some label events (a page of conflicts). */
  eventDetails(ids: readonly number[]): Map<number, { rationale: string | null; confidence: number | null }> {
    const get = this.sql<[number], { rationale: string | null; confidence: number | null }>(
      'SELECT rationale, confidence FROM label_events WHERE id = ?',
    );
    const out = new Map<number, { rationale: string | null; confidence: number | null }>();
    for (const id of ids) {
      const row = get.get(id);
      if (row) out.set(id, row);
    }
    return out;
  }

  // ---- label files ----

  /** Every event of a queue as a labels file writes it, in the order written. */
  fileEvents(queueId: number): FileEventRow[] {
    return this.sql<[number], FileEventRow>(
      `SELECT e.id, i.content_hash AS pair_hash, n.name AS annotator, e.action, e.label, e.shown_left, e.rationale, e.confidence,
              e.ms_on_screen, e.created_at
       FROM label_events e JOIN label_items i ON i.id = e.item_id JOIN annotators n ON n.id = e.annotator_id
       WHERE i.queue_id = ? ORDER BY e.id`,
    ).all(queueId);
  }

  /** Every recheck answer of a queue as a labels file writes it. */
  fileRechecks(queueId: number): (Omit<FileEventRow, 'action'> & { action: 'recheck' })[] {
    return this.sql<[number], Omit<FileEventRow, 'action'> & { action: 'recheck' }>(
      `SELECT r.id, i.content_hash AS pair_hash, n.name AS annotator, 'recheck' AS action, r.label, r.shown_left, r.rationale,
              r.confidence, r.ms_on_screen, r.created_at
       FROM label_rechecks r JOIN label_items i ON i.id = r.item_id JOIN annotators n ON n.id = r.annotator_id
       WHERE i.queue_id = ? ORDER BY r.id`,
    ).all(queueId);
  }

  /** The queue's item with this pair hash (the first, should a pair appear twice). `+position` keeps SQLite on the hash index rather than scanning the queue in position order. */
  itemByHash(queueId: number, hash: string): number | undefined {
    return this.value<[number, string], number>(
      'SELECT id FROM label_items WHERE queue_id = ? AND content_hash = ? ORDER BY +position LIMIT 1',
    ).get(queueId, hash);
  }

  /**
   * Whether the event a labels file line describes is already here: an event's
   * identity across machines is (pair, annotator, action, label, shown side,
   * time to the millisecond). `+annotator_id` keeps SQLite on the per-item
   * index: the per-annotator one would read all of their events for each line.
   */
  hasEvent(e: {
    itemId: number;
    annotatorId: number;
    action: LabelAction;
    label: PairLabel | null;
    shownLeft: Side;
    createdAt: number;
  }): boolean {
    return (
      this.sql(
        `SELECT 1 FROM label_events WHERE item_id = ? AND +annotator_id = ? AND action = ? AND label IS ? AND shown_left = ? AND created_at = ?`,
      ).get(e.itemId, e.annotatorId, e.action, e.label, e.shownLeft, e.createdAt) !== undefined
    );
  }

  hasRecheck(e: { itemId: number; annotatorId: number; label: PairLabel | null; shownLeft: Side; createdAt: number }): boolean {
    return (
      this.sql(
        'SELECT 1 FROM label_rechecks WHERE item_id = ? AND annotator_id = ? AND label IS ? AND shown_left = ? AND created_at = ?',
      ).get(e.itemId, e.annotatorId, e.label, e.shownLeft, e.createdAt) !== undefined
    );
  }

  hasAdjudication(e: { itemId: number; annotatorId: number; label: PairLabel; createdAt: number }): boolean {
    return (
      this.sql('SELECT 1 FROM label_adjudications WHERE item_id = ? AND annotator_id = ? AND label = ? AND created_at = ?').get(
        e.itemId,
        e.annotatorId,
        e.label,
        e.createdAt,
      ) !== undefined
    );
  }
}
