import type { RecordContent } from '../../../shared/datasets';
import type { Annotator, FoldEvent, LabelAction, LabelEvent, PairLabel, QueueKind, QueueOrder, Side } from '../../../shared/labeling';
import { StudioError } from '../../../shared/result';
import { Store } from '../db/store';

export interface QueueRow {
  id: number;
  name: string;
  kind: QueueKind;
  dataset_id: number | null;
  snapshot_id: number | null;
  guidelines: string;
  item_order: QueueOrder;
  seed: number;
  overlap: number;
  skipped: number;
  notes: string;
  created_at: number;
  /** Share of labeled pairs re-served with the sides swapped (migration 0007). */
  recheck_share: number;
}

export interface ItemRow {
  id: number;
  queue_id: number;
  record_id: number | null;
  prompt: string;
  system: string | null;
  response_a: string;
  response_b: string;
  content_hash: string;
  position: number;
}

export interface NewItem {
  recordId: number | null;
  prompt: string;
  system: string | null;
  a: string;
  b: string;
  contentHash: string;
  position: number;
}

interface EventRow {
  id: number;
  item_id: number;
  annotator_id: number;
  action: LabelAction;
  label: PairLabel | null;
  shown_left: Side;
  rationale: string | null;
  confidence: number | null;
  ms_on_screen: number | null;
  created_at: number;
}

export interface NewEvent {
  itemId: number;
  annotatorId: number;
  action: LabelAction;
  label: PairLabel | null;
  shownLeft: Side;
  rationale: string | null;
  confidence: number | null;
  msOnScreen: number | null;
}

/** A source record as a queue reads it: its id (null in a snapshot whose record was deleted) and content. */
export interface SourceRecord {
  recordId: number | null;
  content: RecordContent;
}

const toEvent = (r: EventRow): LabelEvent => ({
  id: r.id,
  itemId: r.item_id,
  annotatorId: r.annotator_id,
  action: r.action,
  label: r.label,
  shownLeft: r.shown_left,
  rationale: r.rationale,
  confidence: r.confidence,
  msOnScreen: r.ms_on_screen,
  createdAt: r.created_at,
});

/** Annotators, label queues, their items and the append-only label events. */
export class LabelStore extends Store {
  listAnnotators(): Annotator[] {
    return this.sql<[], { id: number; name: string; created_at: number }>('SELECT id, name, created_at FROM annotators ORDER BY name')
      .all()
      .map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
  }

  getAnnotator(id: number): Annotator {
    const r = this.sql<[number], { id: number; name: string; created_at: number }>(
      'SELECT id, name, created_at FROM annotators WHERE id = ?',
    ).get(id);
    if (!r) throw new StudioError('NOT_FOUND', `There is no annotator #${id}.`, { id });
    return { id: r.id, name: r.name, createdAt: r.created_at };
  }

  findAnnotatorByName(name: string): number | undefined {
    return this.value<[string], number>('SELECT id FROM annotators WHERE name = ?').get(name);
  }

  insertAnnotator(name: string): number {
    return Number(this.sql('INSERT INTO annotators (name, created_at) VALUES (?, ?)').run(name, Date.now()).lastInsertRowid);
  }

  findQueueByName(name: string): number | undefined {
    return this.value<[string], number>('SELECT id FROM label_queues WHERE name = ?').get(name);
  }

  queueRow(id: number): QueueRow {
    const row = this.sql<[number], QueueRow>('SELECT * FROM label_queues WHERE id = ?').get(id);
    if (!row) throw new StudioError('NOT_FOUND', `There is no label queue #${id}.`, { id });
    return row;
  }

  queueIds(): number[] {
    return this.value<[], number>('SELECT id FROM label_queues ORDER BY id DESC').all();
  }

  insertQueue(q: {
    name: string;
    kind: QueueKind;
    datasetId: number | null;
    snapshotId: number | null;
    guidelines: string;
    order: QueueOrder;
    seed: number;
    overlap: number;
    skipped: number;
    notes: string[];
  }): number {
    return Number(
      this.sql(
        `INSERT INTO label_queues (name, kind, dataset_id, snapshot_id, guidelines, item_order, seed, overlap, skipped, notes, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        q.name,
        q.kind,
        q.datasetId,
        q.snapshotId,
        q.guidelines,
        q.order,
        q.seed,
        q.overlap,
        q.skipped,
        JSON.stringify(q.notes),
        Date.now(),
      ).lastInsertRowid,
    );
  }

  insertItems(queueId: number, items: readonly NewItem[]): void {
    const insert = this.sql(
      `INSERT INTO label_items (queue_id, record_id, prompt, system, response_a, response_b, content_hash, position)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const it of items) insert.run(queueId, it.recordId, it.prompt, it.system, it.a, it.b, it.contentHash, it.position);
  }

  itemCount(queueId: number): number {
    return this.value<[number], number>('SELECT count(*) FROM label_items WHERE queue_id = ?').get(queueId) ?? 0;
  }

  item(id: number): ItemRow {
    const row = this.sql<[number], ItemRow>('SELECT * FROM label_items WHERE id = ?').get(id);
    if (!row) throw new StudioError('NOT_FOUND', `There is no label item #${id}.`, { id });
    return row;
  }

  /** Up to `limit` items of a queue after a position, in the queue's order. */
  itemsAfter(queueId: number, afterPosition: number, limit: number): { id: number; position: number }[] {
    return this.sql<[number, number, number], { id: number; position: number }>(
      'SELECT id, position FROM label_items WHERE queue_id = ? AND position > ? ORDER BY position LIMIT ?',
    ).all(queueId, afterPosition, limit);
  }

  itemSummaries(queueId: number): { id: number; position: number; content_hash: string }[] {
    return this.sql<[number], { id: number; position: number; content_hash: string }>(
      'SELECT id, position, content_hash FROM label_items WHERE queue_id = ? ORDER BY position',
    ).all(queueId);
  }

  /** Every event on a queue's items, in the order written. */
  queueEvents(queueId: number): LabelEvent[] {
    return this.sql<[number], EventRow>(
      `SELECT e.* FROM label_events e JOIN label_items i ON i.id = e.item_id WHERE i.queue_id = ? ORDER BY e.id`,
    )
      .all(queueId)
      .map(toEvent);
  }

  /** The events for folding (fewer columns than queueEvents). */
  foldEvents(queueId: number): FoldEvent[] {
    return this.sql<
      [number],
      { id: number; itemId: number; annotatorId: number; action: LabelAction; label: PairLabel | null; shownLeft: Side }
    >(
      // CROSS JOIN keeps the events as the outer loop: a queue has far fewer events than pairs while it is labeled, and the
      // planner's choice (every pair of the queue, then its events) read 100k index entries per call — 31 ms against 0.2 ms.
      `SELECT e.id, e.item_id AS itemId, e.annotator_id AS annotatorId, e.action, e.label, e.shown_left AS shownLeft
       FROM label_events e CROSS JOIN label_items i ON i.id = e.item_id WHERE i.queue_id = ? ORDER BY e.id`,
    ).all(queueId);
  }

  // ---- The next pair (LabelingService.next): indexed reads of the standing labels and summaries, never the whole event log ----

  /**
   * The first pair in the queue's order that is open to this annotator: fewer
   * than `overlap` standing labels, none of theirs, not `exclude`d, and (unless
   * `skipped`) not skipped by them as their last action; with `skipped`, the
   * first such pair they did skip. A walk of the queue's position index that
   * stops at the first match, each step two primary-key probes.
   */
  firstOpenItem(
    queueId: number,
    annotatorId: number,
    overlap: number,
    exclude: readonly number[],
    skipped: boolean,
    fromPosition = -1,
  ): { id: number; position: number } | undefined {
    const mine = skipped
      ? `EXISTS (SELECT 1 FROM label_standing s WHERE s.queue_id = @queue AND s.item_id = i.id AND s.annotator_id = @annotator
                 AND s.label IS NULL AND s.last_action = 'skip')`
      : `NOT EXISTS (SELECT 1 FROM label_standing s WHERE s.queue_id = @queue AND s.item_id = i.id AND s.annotator_id = @annotator
                     AND (s.label IS NOT NULL OR s.last_action = 'skip'))`;
    return this.sql<{ queue: number; annotator: number; overlap: number; exclude: string; from: number }, { id: number; position: number }>(
      `SELECT i.id, i.position FROM label_items i
       WHERE i.queue_id = @queue AND i.position >= @from
         AND NOT EXISTS (SELECT 1 FROM label_item_votes v WHERE v.queue_id = @queue AND v.item_id = i.id
                         AND v.a + v.b + v.tie + v.both_bad >= @overlap)
         AND ${mine}
         AND i.id NOT IN (SELECT value FROM json_each(@exclude))
       ORDER BY i.position LIMIT 1`,
    ).get({ queue: queueId, annotator: annotatorId, overlap, exclude: JSON.stringify(exclude), from: fromPosition });
  }

  /** The latest event id of the workspace (0 before any). */
  lastEventId(): number {
    return this.value<[], number | null>('SELECT max(id) FROM label_events').get() ?? 0;
  }

  /** Whether an undo was written on the queue after this event id (it may reopen a pair; labels and skips only close). */
  undoSince(queueId: number, eventId: number): boolean {
    return (
      this.value<[number, number], number>(
        `SELECT 1 FROM label_events e CROSS JOIN label_items i ON i.id = e.item_id
         WHERE e.id > ? AND e.action = 'undo' AND i.queue_id = ? LIMIT 1`,
      ).get(eventId, queueId) !== undefined
    );
  }

  /** SQLite's data_version: it changes when another connection (a job's worker) commits. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Standing labels on a pair (its votes, from the summaries). */
  votesOn(queueId: number, itemId: number): number {
    return (
      this.value<[number, number], number>('SELECT a + b + tie + both_bad FROM label_item_votes WHERE queue_id = ? AND item_id = ?').get(
        queueId,
        itemId,
      ) ?? 0
    );
  }

  /** This annotator's standing state on a pair (label_standing), if they have any event on it. */
  standingOf(
    queueId: number,
    itemId: number,
    annotatorId: number,
  ): { label: PairLabel | null; shown_left: Side; event_id: number; last_action: LabelAction } | undefined {
    return this.sql<[number, number, number], { label: PairLabel | null; shown_left: Side; event_id: number; last_action: LabelAction }>(
      'SELECT label, shown_left, event_id, last_action FROM label_standing WHERE queue_id = ? AND item_id = ? AND annotator_id = ?',
    ).get(queueId, itemId, annotatorId);
  }

  /**
   * Pairs this annotator labeled that hold fewer than `overlap` standing
   * labels in all. Only asked with overlap > 1 (with 1, their own label
   * closes the pair anyway); reads the queue's standing rows, so the service
   * keeps the answer and updates it from the pairs of later events.
   */
  ownLabelsUnderOverlap(queueId: number, annotatorId: number, overlap: number, itemIds?: readonly number[]): number[] {
    const only = itemIds ? 'AND s.item_id IN (SELECT value FROM json_each(@items))' : '';
    return this.value<{ queue: number; annotator: number; overlap: number; items: string }, number>(
      `SELECT s.item_id FROM label_standing s
       JOIN label_item_votes v ON v.queue_id = s.queue_id AND v.item_id = s.item_id
       WHERE s.queue_id = @queue AND s.annotator_id = @annotator AND s.label IS NOT NULL
         AND v.a + v.b + v.tie + v.both_bad < @overlap ${only}`,
    ).all({ queue: queueId, annotator: annotatorId, overlap, items: JSON.stringify(itemIds ?? []) });
  }

  /** The pairs of the queue with events after this event id (a range of the event ids). */
  itemsWithEventsSince(queueId: number, eventId: number): number[] {
    return this.value<[number, number], number>(
      `SELECT DISTINCT e.item_id FROM label_events e CROSS JOIN label_items i ON i.id = e.item_id WHERE e.id > ? AND i.queue_id = ?`,
    ).all(eventId, queueId);
  }

  /** This annotator's latest event on the queue: their events newest first (by annotator index) until one is on it. */
  lastOwnEvent(queueId: number, annotatorId: number): { item_id: number; action: LabelAction } | undefined {
    return this.sql<[number, number], { item_id: number; action: LabelAction }>(
      `SELECT e.item_id, e.action FROM label_events e INDEXED BY label_events_by_annotator CROSS JOIN label_items i ON i.id = e.item_id
       WHERE e.annotator_id = ? AND i.queue_id = ? ORDER BY e.id DESC LIMIT 1`,
    ).get(annotatorId, queueId);
  }

  /**
   * The id of this annotator's `rank`-th latest label event on the queue (1 =
   * the latest), if they wrote that many: a re-serve's gap is the labels after
   * its own.
   */
  ownLabelEventFromEnd(queueId: number, annotatorId: number, rank: number): number | undefined {
    return this.value<[number, number, number], number>(
      `SELECT e.id FROM label_events e INDEXED BY label_events_by_annotator CROSS JOIN label_items i ON i.id = e.item_id
       WHERE e.annotator_id = ? AND i.queue_id = ? AND e.action = 'label' ORDER BY e.id DESC LIMIT 1 OFFSET ?`,
    ).get(annotatorId, queueId, rank - 1);
  }

  /**
   * The pair of this annotator's latest label that still stands (what an undo
   * reopens; undoTarget in shared/labeling.ts): their label events newest
   * first until one is still the standing state of its pair.
   */
  latestStandingLabel(queueId: number, annotatorId: number): number | undefined {
    return this.value<[number, number], number>(
      `SELECT e.item_id FROM label_events e INDEXED BY label_events_by_annotator
       CROSS JOIN label_standing s ON s.queue_id = ? AND s.item_id = e.item_id AND s.annotator_id = e.annotator_id
       WHERE e.annotator_id = ? AND e.action = 'label' AND s.event_id = e.id AND s.label IS NOT NULL
       ORDER BY e.id DESC LIMIT 1`,
    ).get(queueId, annotatorId);
  }

  /** The queue's pair ids (for the seeded re-serve picks, computed once per queue and annotator). */
  itemIds(queueId: number): number[] {
    return this.value<[number], number>('SELECT id FROM label_items WHERE queue_id = ? ORDER BY id').all(queueId);
  }

  /** The newest pair id of the workspace: pairs are only ever added, so a list made from a queue's ids is stale once it moves. */
  lastItemId(): number {
    return this.value<[], number | null>('SELECT max(id) FROM label_items').get() ?? 0;
  }

  /** This annotator's standing labels on some pairs of the queue (the seeded re-serve picks), oldest label first. */
  standingLabelsOn(
    queueId: number,
    annotatorId: number,
    itemIds: readonly number[],
  ): { item_id: number; shown_left: Side; event_id: number }[] {
    return this.sql<[string, number, number], { item_id: number; shown_left: Side; event_id: number }>(
      `SELECT s.item_id, s.shown_left, s.event_id FROM json_each(?) j
       CROSS JOIN label_standing s ON s.queue_id = ? AND s.item_id = j.value AND s.annotator_id = ?
       WHERE s.label IS NOT NULL ORDER BY s.event_id`,
    ).all(JSON.stringify(itemIds), queueId, annotatorId);
  }

  insertEvent(e: NewEvent): LabelEvent {
    const id = this.writeEvent({ ...e, createdAt: Date.now() });
    return toEvent(this.sql<[number], EventRow>('SELECT * FROM label_events WHERE id = ?').get(id)!);
  }

  /** Writes an event with the time it was made (a labels file's own; the live path stamps now) and returns its id. */
  writeEvent(e: NewEvent & { createdAt: number }): number {
    return Number(
      this.sql(
        `INSERT INTO label_events (item_id, annotator_id, action, label, shown_left, rationale, confidence, ms_on_screen, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(e.itemId, e.annotatorId, e.action, e.label, e.shownLeft, e.rationale, e.confidence, e.msOnScreen, e.createdAt).lastInsertRowid,
    );
  }

  /** Labels per hour inputs: time on screen (ms) of an annotator's label events on a queue. */
  msOnScreen(queueId: number, annotatorId: number): number {
    return (
      this.value<[number, number], number>(
        `SELECT coalesce(sum(e.ms_on_screen), 0) FROM label_events e JOIN label_items i ON i.id = e.item_id
         WHERE i.queue_id = ? AND e.annotator_id = ? AND e.action = 'label'`,
      ).get(queueId, annotatorId) ?? 0
    );
  }

  assertDataset(id: number): void {
    if (!this.sql('SELECT 1 FROM datasets WHERE id = ?').get(id)) throw new StudioError('NOT_FOUND', `There is no dataset #${id}.`, { id });
  }

  /** The dataset a finished snapshot froze (NOT_FOUND for a missing or still pending one). */
  snapshotDataset(id: number): number {
    const datasetId = this.value<[number], number>("SELECT dataset_id FROM snapshots WHERE id = ? AND content_hash != 'pending'").get(id);
    if (datasetId === undefined) throw new StudioError('NOT_FOUND', `There is no snapshot #${id}.`, { id });
    return datasetId;
  }

  /** A dataset's records in id order, for making a queue. */
  datasetRecords(datasetId: number): SourceRecord[] {
    return this.sql<
      [number],
      {
        id: number;
        kind: RecordContent['kind'];
        prompt: string;
        chosen: string | null;
        rejected: string | null;
        responses: string | null;
        system: string | null;
      }
    >('SELECT id, kind, prompt, chosen, rejected, responses, system FROM records WHERE dataset_id = ? ORDER BY id')
      .all(datasetId)
      .map((r) => ({
        recordId: r.id,
        content: {
          kind: r.kind,
          prompt: JSON.parse(r.prompt) as RecordContent['prompt'],
          chosen: r.chosen === null ? null : (JSON.parse(r.chosen) as RecordContent['prompt']),
          rejected: r.rejected === null ? null : (JSON.parse(r.rejected) as RecordContent['prompt']),
          responses: r.responses === null ? null : (JSON.parse(r.responses) as NonNullable<RecordContent['responses']>),
          system: r.system,
        },
      }));
  }

  /** A snapshot's frozen records in order (their record ids where the records still exist). */
  snapshotRecords(snapshotId: number): SourceRecord[] {
    return this.sql<[number], { record_id: number | null; content: string; exists_now: number }>(
      `SELECT s.record_id, s.content, (r.id IS NOT NULL) AS exists_now
       FROM snapshot_records s LEFT JOIN records r ON r.id = s.record_id WHERE s.snapshot_id = ? ORDER BY s.ordinal`,
    )
      .all(snapshotId)
      .map((r) => ({ recordId: r.exists_now ? r.record_id : null, content: JSON.parse(r.content) as RecordContent }));
  }
}
