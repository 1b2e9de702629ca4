import type { RecordFilter, Snapshot } from '../../../shared/datasets';
import { StudioError } from '../../../shared/result';
import { Store } from '../db/store';

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

/** Snapshots and their frozen records in the workspace database; a snapshot whose hash is 'pending' is invisible to readers. */
export class SnapshotStore extends Store {
  countOfDataset(datasetId: number): number {
    return this.value<[number], number>('SELECT count(*) FROM snapshots WHERE dataset_id = ?').get(datasetId)!;
  }

  /** Adds a snapshot row with content hash 'pending'; returns its id. */
  insertPending(datasetId: number, name: string, filter: RecordFilter | null): number {
    const info = this.sql(
      `INSERT INTO snapshots (dataset_id, name, content_hash, record_count, train_count, test_count, filter, created_at)
       VALUES (?, ?, 'pending', 0, 0, 0, ?, ?)`,
    ).run(datasetId, name, filter ? JSON.stringify(filter) : null, Date.now());
    return Number(info.lastInsertRowid);
  }

  /** Appends records to a snapshot in one transaction. */
  addRecords(snapshotId: number, rows: { ordinal: number; recordId: number; split: 'train' | 'test' | null; content: string }[]): void {
    const insert = this.sql('INSERT INTO snapshot_records (snapshot_id, ordinal, record_id, split, content) VALUES (?, ?, ?, ?, ?)');
    this.transaction(() => {
      for (const r of rows) insert.run(snapshotId, r.ordinal, r.recordId, r.split, r.content);
    });
  }

  /** Sets a pending snapshot's hash and counts; false when it is no longer pending. */
  finishPending(snapshotId: number, hash: string, counts: { records: number; train: number; test: number }): boolean {
    return (
      this.sql(
        `UPDATE snapshots SET content_hash = ?, record_count = ?, train_count = ?, test_count = ? WHERE id = ? AND content_hash = 'pending'`,
      ).run(hash, counts.records, counts.train, counts.test, snapshotId).changes === 1
    );
  }

  /**
   * Deletes up to `chunk` rows of a pending snapshot in one transaction, and
   * the snapshot itself once it has none. Returns whether more remains.
   */
  discardPendingChunk(snapshotId: number, chunk: number): boolean {
    return this.transaction(() => {
      const pending = this.sql(`SELECT 1 FROM snapshots WHERE id = ? AND content_hash = 'pending'`).get(snapshotId);
      if (!pending) return false;
      const deleted = this.sql(
        `DELETE FROM snapshot_records WHERE snapshot_id = ? AND ordinal IN (SELECT ordinal FROM snapshot_records WHERE snapshot_id = ? ORDER BY ordinal DESC LIMIT ?)`,
      ).run(snapshotId, snapshotId, chunk).changes;
      if (deleted > 0) return true;
      this.sql(`DELETE FROM snapshots WHERE id = ? AND content_hash = 'pending'`).run(snapshotId);
      return false;
    });
  }

  /** Whether a snapshot job is running (in any studio process). */
  snapshotJobRunning(): boolean {
    return this.sql(`SELECT 1 FROM jobs WHERE kind = 'dataset-snapshot' AND status = 'running'`).get() !== undefined;
  }

  pendingIds(): number[] {
    return this.value<[], number>(`SELECT id FROM snapshots WHERE content_hash = 'pending'`).all();
  }

  get(id: number): Snapshot {
    const row = this.sql<[number], SnapshotRow>(`SELECT * FROM snapshots WHERE id = ? AND content_hash != 'pending'`).get(id);
    if (!row) throw new StudioError('NOT_FOUND', `There is no snapshot #${id}.`, { id });
    return toSnapshot(row);
  }

  list(datasetId?: number): Snapshot[] {
    const rows =
      datasetId === undefined
        ? this.sql<[], SnapshotRow>(`SELECT * FROM snapshots WHERE content_hash != 'pending' ORDER BY id DESC`).all()
        : this.sql<[number], SnapshotRow>(
            `SELECT * FROM snapshots WHERE dataset_id = ? AND content_hash != 'pending' ORDER BY id DESC`,
          ).all(datasetId);
    return rows.map(toSnapshot);
  }

  /** Up to `limit` of a snapshot's records from ordinal `from` on, in order. */
  contentPage(snapshotId: number, from: number, limit: number): { ordinal: number; split: 'train' | 'test' | null; content: string }[] {
    return this.sql<[number, number, number], { ordinal: number; split: 'train' | 'test' | null; content: string }>(
      'SELECT ordinal, split, content FROM snapshot_records WHERE snapshot_id = ? AND ordinal >= ? ORDER BY ordinal LIMIT ?',
    ).all(snapshotId, from, limit);
  }
}
