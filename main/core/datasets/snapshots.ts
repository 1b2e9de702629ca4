import { createHash } from 'node:crypto';
import type { RecordFilter, Snapshot } from '../../../shared/datasets';
import { StudioError } from '../../../shared/result';
import type { Db } from '../db/open';
import { iterateRows } from './query';
import { SnapshotStore } from './snapshot-store';
import { rowContent, type RecordRow } from './store';

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
  const snapshots = new SnapshotStore(db);
  const count = snapshots.countOfDataset(datasetId) + 1;
  return snapshots.insertPending(datasetId, name?.trim() || `snapshot ${count}`, filter);
}

/** Writes a pending snapshot's records, some at a time, and accumulates its content hash. */
export class SnapshotWriter {
  private readonly snapshots;
  private readonly hash = createHash('sha256');
  private ordinal = 0;
  private train = 0;
  private test = 0;

  constructor(
    db: Db,
    readonly snapshotId: number,
  ) {
    this.snapshots = new SnapshotStore(db);
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
    this.snapshots.addRecords(
      this.snapshotId,
      entries.map(({ row, content }, i) => ({ ordinal: this.ordinal + i, recordId: row.id, split: row.split, content })),
    );
    this.ordinal += entries.length;
    for (const { row, hashLine } of entries) {
      this.hash.update(hashLine);
      if (row.split === 'train') this.train++;
      if (row.split === 'test') this.test++;
    }
  }

  /** Sets the hash and counts: from here on the snapshot is visible and the triggers freeze it. */
  finish(): Snapshot {
    if (this.ordinal === 0) throw new StudioError('INVALID_ARGUMENT', EMPTY_SNAPSHOT);
    const finished = this.snapshots.finishPending(this.snapshotId, this.hash.digest('hex'), {
      records: this.ordinal,
      train: this.train,
      test: this.test,
    });
    if (!finished)
      throw new StudioError('CONFLICT', `Snapshot #${this.snapshotId} is no longer pending; it was finished or discarded elsewhere.`);
    return this.snapshots.get(this.snapshotId);
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
  return new SnapshotStore(db).transaction(() => {
    const writer = new SnapshotWriter(db, createPendingSnapshot(db, datasetId, name, filter));
    const page: RecordRow[] = [];
    for (const row of iterateRows(db, datasetId, filter ?? undefined)) {
      page.push(row);
      if (page.length === 2000) writer.add(page.splice(0));
    }
    writer.add(page);
    return writer.finish();
  }, 'immediate');
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
  return new SnapshotStore(db).discardPendingChunk(snapshotId, DISCARD_CHUNK);
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
  const snapshots = new SnapshotStore(db);
  if (snapshots.snapshotJobRunning()) return 0;
  const pending = snapshots.pendingIds();
  for (const id of pending) while (snapshots.discardPendingChunk(id, DISCARD_CHUNK));
  return pending.length;
}

export function getSnapshot(db: Db, id: number): Snapshot {
  return new SnapshotStore(db).get(id);
}

export function listSnapshots(db: Db, datasetId?: number): Snapshot[] {
  return new SnapshotStore(db).list(datasetId);
}

export function* snapshotContents(db: Db, snapshotId: number): Generator<SnapshotContent & { split: 'train' | 'test' | null }> {
  const snapshots = new SnapshotStore(db);
  snapshots.get(snapshotId);
  for (let from = 0; ;) {
    const rows = snapshots.contentPage(snapshotId, from, 2000);
    for (const row of rows) yield { ...(JSON.parse(row.content) as SnapshotContent), split: row.split };
    if (rows.length < 2000) return;
    from = rows[rows.length - 1]!.ordinal + 1;
  }
}
