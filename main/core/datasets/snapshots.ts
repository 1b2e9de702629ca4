import { createHash } from 'node:crypto';
import type { RecordFilter, Snapshot } from '../../../shared/datasets';
import { StudioError } from '../../../shared/result';
import type { Db } from '../db/open';
import { iterateRows } from './query';
import { rowContent, type RecordRow } from './store';

interface SnapshotRow {
  id: number;
  dataset_id: number;
  name: string;
  content_hash: string;
  record_count: number;
  train_count: number;
  test_count: number;
  filter: string | null;
  created_at: number;
}

const toSnapshot = (r: SnapshotRow): Snapshot => ({
  id: r.id,
  datasetId: r.dataset_id,
  name: r.name,
  contentHash: r.content_hash,
  recordCount: r.record_count,
  trainCount: r.train_count,
  testCount: r.test_count,
  filter: r.filter === null ? null : (JSON.parse(r.filter) as RecordFilter),
  createdAt: r.created_at,
});

/** What a snapshot keeps of each record: everything training and export need. */
export interface SnapshotContent {
  kind: string;
  prompt: unknown;
  chosen: unknown;
  rejected: unknown;
  responses: unknown;
  system: string | null;
  meta: Record<string, unknown>;
  source: { file: string | null; line: number | null; row: number | null };
}

/** A record's row in a snapshot and its line of the snapshot's content hash. */
function snapshotEntry(row: RecordRow): { content: string; hashLine: string } {
  const content: SnapshotContent = {
    ...rowContent(row),
    meta: JSON.parse(row.meta) as Record<string, unknown>,
    source: { file: row.source_file, line: row.source_line, row: row.source_row },
  };
  return { content: JSON.stringify(content), hashLine: `${row.content_hash}:${row.split ?? '-'}\n` };
}

const EMPTY_SNAPSHOT = 'There are no records to freeze: the snapshot would be empty.';

/**
 * Adds a snapshot row with content hash 'pending': invisible to every reader
 * (getSnapshot, listSnapshots) until `finishSnapshot` sets its hash, and
 * removed by `discardPendingSnapshot` if it never gets there.
 */
export function createPendingSnapshot(db: Db, datasetId: number, name: string | undefined, filter: RecordFilter | null): number {
  const count = (db.prepare('SELECT count(*) FROM snapshots WHERE dataset_id = ?').pluck().get(datasetId) as number) + 1;
  const info = db
    .prepare(
      `INSERT INTO snapshots (dataset_id, name, content_hash, record_count, train_count, test_count, filter, created_at)
       VALUES (?, ?, 'pending', 0, 0, 0, ?, ?)`,
    )
    .run(datasetId, name?.trim() || `snapshot ${count}`, filter ? JSON.stringify(filter) : null, Date.now());
  return Number(info.lastInsertRowid);
}

/** Writes a pending snapshot's records, some at a time, and accumulates its content hash. */
export class SnapshotWriter {
  private readonly insert;
  private readonly hash = createHash('sha256');
  private ordinal = 0;
  private train = 0;
  private test = 0;

  constructor(
    private readonly db: Db,
    readonly snapshotId: number,
  ) {
    this.insert = db.prepare('INSERT INTO snapshot_records (snapshot_id, ordinal, record_id, split, content) VALUES (?, ?, ?, ?, ?)');
  }

  get written(): number {
    return this.ordinal;
  }

  /**
   * Appends records in one transaction (the caller sizes it: a short one keeps
   * other writers waiting briefly). Their JSON is built before it opens, so
   * the write lock is held for the inserts alone.
   */
  add(rows: RecordRow[]): void {
    const entries = rows.map((row) => ({ row, ...snapshotEntry(row) }));
    this.db.transaction(() => {
      for (const { row, content } of entries) this.insert.run(this.snapshotId, this.ordinal++, row.id, row.split, content);
    })();
    for (const { row, hashLine } of entries) {
      this.hash.update(hashLine);
      if (row.split === 'train') this.train++;
      if (row.split === 'test') this.test++;
    }
  }

  /** Sets the hash and counts: from here on the snapshot is visible and the triggers freeze it. */
  finish(): Snapshot {
    if (this.ordinal === 0) throw new StudioError('INVALID_ARGUMENT', EMPTY_SNAPSHOT);
    const changed = this.db
      .prepare(`UPDATE snapshots SET content_hash = ?, record_count = ?, train_count = ?, test_count = ? WHERE id = ? AND content_hash = 'pending'`)
      .run(this.hash.digest('hex'), this.ordinal, this.train, this.test, this.snapshotId).changes;
    if (changed !== 1) throw new StudioError('CONFLICT', `Snapshot #${this.snapshotId} is no longer pending; it was finished or discarded elsewhere.`);
    return getSnapshot(this.db, this.snapshotId);
  }
}

/**
 * Freezes the current records of a dataset (or a filtered view of it) into
 * an immutable copy identified by a content hash over every record's content
 * and split, in order. Later edits never change a snapshot; runs reference it.
 * This is the small, synchronous path (the demo dataset); the `dataset-snapshot`
 * job writes the same rows and hash from a worker process.
 */
export function createSnapshot(db: Db, datasetId: number, name: string | undefined, filter: RecordFilter | null): Snapshot {
  return db.transaction(() => {
    const writer = new SnapshotWriter(db, createPendingSnapshot(db, datasetId, name, filter));
    const page: RecordRow[] = [];
    for (const row of iterateRows(db, datasetId, filter ?? undefined)) {
      page.push(row);
      if (page.length === 2000) writer.add(page.splice(0));
    }
    writer.add(page);
    return writer.finish();
  }).immediate();
}

/** Rows deleted per transaction when a pending snapshot is discarded. */
const DISCARD_CHUNK = 2000;

/**
 * Removes a snapshot that was never finished (cancelled, failed, or its
 * studio died), a chunk of rows per transaction so no writer waits long.
 * A finished snapshot is never touched. Returns whether more remains: call
 * it until it returns false (yielding between calls where that matters).
 */
export function discardPendingSnapshotChunk(db: Db, snapshotId: number): boolean {
  return db.transaction(() => {
    const pending = db.prepare(`SELECT 1 FROM snapshots WHERE id = ? AND content_hash = 'pending'`).get(snapshotId);
    if (!pending) return false;
    const deleted = db
      .prepare(
        `DELETE FROM snapshot_records WHERE snapshot_id = ? AND ordinal IN (SELECT ordinal FROM snapshot_records WHERE snapshot_id = ? ORDER BY ordinal DESC LIMIT ?)`,
      )
      .run(snapshotId, snapshotId, DISCARD_CHUNK).changes;
    if (deleted > 0) return true;
    db.prepare(`DELETE FROM snapshots WHERE id = ? AND content_hash = 'pending'`).run(snapshotId);
    return false;
  })();
}

/** Discards a pending snapshot completely, yielding to the event loop between chunks. */
export async function discardPendingSnapshot(db: Db, snapshotId: number): Promise<void> {
  while (discardPendingSnapshotChunk(db, snapshotId)) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * On start: snapshots left pending by a studio that died mid-way are removed,
 * so the database never keeps half a snapshot. While a snapshot job runs in
 * another live studio process (a CLI beside the app), nothing is touched.
 */
export function recoverPendingSnapshots(db: Db): number {
  const busy = db.prepare(`SELECT 1 FROM jobs WHERE kind = 'dataset-snapshot' AND status = 'running'`).get();
  if (busy) return 0;
  const pending = db.prepare(`SELECT id FROM snapshots WHERE content_hash = 'pending'`).pluck().all() as number[];
  for (const id of pending) while (discardPendingSnapshotChunk(db, id));
  return pending.length;
}

export function getSnapshot(db: Db, id: number): Snapshot {
  const row = db.prepare<[number], SnapshotRow>(`SELECT * FROM snapshots WHERE id = ? AND content_hash != 'pending'`).get(id);
  if (!row) throw new StudioError('NOT_FOUND', `There is no snapshot #${id}.`, { id });
  return toSnapshot(row);
}

export function listSnapshots(db: Db, datasetId?: number): Snapshot[] {
  const rows =
    datasetId === undefined
      ? db.prepare<[], SnapshotRow>(`SELECT * FROM snapshots WHERE content_hash != 'pending' ORDER BY id DESC`).all()
      : db.prepare<[number], SnapshotRow>(`SELECT * FROM snapshots WHERE dataset_id = ? AND content_hash != 'pending' ORDER BY id DESC`).all(datasetId);
  return rows.map(toSnapshot);
}

export function* snapshotContents(db: Db, snapshotId: number): Generator<SnapshotContent & { split: 'train' | 'test' | null }> {
  getSnapshot(db, snapshotId);
  const page = db.prepare<[number, number, number], { ordinal: number; split: 'train' | 'test' | null; content: string }>(
    'SELECT ordinal, split, content FROM snapshot_records WHERE snapshot_id = ? AND ordinal >= ? ORDER BY ordinal LIMIT ?',
  );
  for (let from = 0; ; ) {
    const rows = page.all(snapshotId, from, 2000);
    for (const row of rows) yield { ...(JSON.parse(row.content) as SnapshotContent), split: row.split };
    if (rows.length < 2000) return;
    from = rows[rows.length - 1]!.ordinal + 1;
  }
}
