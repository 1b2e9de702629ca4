import { createHash } from 'node:crypto';
import type { RecordFilter, Snapshot } from '../../../shared/datasets';
import { StudioError } from '../../../shared/result';
import type { Db } from '../db/open';
import { iterateRows } from './query';
import { rowContent } from './store';

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
  filter: r.filter === null ? null : JSON.parse(r.filter),
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

/**
 * Freezes the current records of a dataset (or a filtered view of it) into
 * an immutable copy identified by a content hash over every record's content
 * and split, in order. Later edits never change a snapshot; runs reference it.
 */
export function createSnapshot(db: Db, datasetId: number, name: string | undefined, filter: RecordFilter | null): Snapshot {
  return db.transaction(() => {
    const count = (db.prepare('SELECT count(*) FROM snapshots WHERE dataset_id = ?').pluck().get(datasetId) as number) + 1;
    const now = Date.now();
    const info = db
      .prepare(
        `INSERT INTO snapshots (dataset_id, name, content_hash, record_count, train_count, test_count, filter, created_at)
         VALUES (?, ?, 'pending', 0, 0, 0, ?, ?)`,
      )
      .run(datasetId, name?.trim() || `snapshot ${count}`, filter ? JSON.stringify(filter) : null, now);
    const id = Number(info.lastInsertRowid);
    const insert = db.prepare('INSERT INTO snapshot_records (snapshot_id, ordinal, record_id, split, content) VALUES (?, ?, ?, ?, ?)');
    const hash = createHash('sha256');
    let ordinal = 0;
    let train = 0;
    let test = 0;
    for (const row of iterateRows(db, datasetId, filter ?? undefined)) {
      const content: SnapshotContent = {
        ...rowContent(row),
        meta: JSON.parse(row.meta),
        source: { file: row.source_file, line: row.source_line, row: row.source_row },
      };
      insert.run(id, ordinal++, row.id, row.split, JSON.stringify(content));
      hash.update(`${row.content_hash}:${row.split ?? '-'}\n`);
      if (row.split === 'train') train++;
      if (row.split === 'test') test++;
    }
    if (ordinal === 0) throw new StudioError('INVALID_ARGUMENT', 'There are no records to freeze: the snapshot would be empty.');
    // The hash is set once, here; triggers refuse any later change.
    db.prepare(`UPDATE snapshots SET content_hash = ?, record_count = ?, train_count = ?, test_count = ? WHERE id = ? AND content_hash = 'pending'`).run(
      hash.digest('hex'),
      ordinal,
      train,
      test,
      id,
    );
    return getSnapshot(db, id);
  }).immediate();
}

export function getSnapshot(db: Db, id: number): Snapshot {
  const row = db.prepare<[number], SnapshotRow>('SELECT * FROM snapshots WHERE id = ?').get(id);
  if (!row) throw new StudioError('NOT_FOUND', `There is no snapshot #${id}.`, { id });
  return toSnapshot(row);
}

export function listSnapshots(db: Db, datasetId?: number): Snapshot[] {
  const rows =
    datasetId === undefined
      ? db.prepare<[], SnapshotRow>('SELECT * FROM snapshots ORDER BY id DESC').all()
      : db.prepare<[number], SnapshotRow>('SELECT * FROM snapshots WHERE dataset_id = ? ORDER BY id DESC').all(datasetId);
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
