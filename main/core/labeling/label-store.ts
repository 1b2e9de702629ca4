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

  insertEvent(e: NewEvent): LabelEvent {
    const id = Number(
      this.sql(
        `INSERT INTO label_events (item_id, annotator_id, action, label, shown_left, rationale, confidence, ms_on_screen, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(e.itemId, e.annotatorId, e.action, e.label, e.shownLeft, e.rationale, e.confidence, e.msOnScreen, Date.now()).lastInsertRowid,
    );
    return toEvent(this.sql<[number], EventRow>('SELECT * FROM label_events WHERE id = ?').get(id)!);
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
