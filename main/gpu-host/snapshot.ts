/**
 * The job's snapshot rows, read by the host for the GPU worker page (which
 * has no database): the same read-only reads as the Node worker's, a page of
 * 2,000 rows at a time with a yield between pages, so the app's main process
 * never holds its event loop for a whole snapshot.
 */
import { setImmediate as nextTick } from 'node:timers/promises';
import { getSnapshot, snapshotContents } from '../core/datasets/snapshots';
import { openDatabase } from '../core/db/open';
import type { SnapshotRows } from './protocol';

export async function readSnapshotRows(dbPath: string, snapshotId: number, nativeBinding?: string): Promise<SnapshotRows> {
  const db = openDatabase(dbPath, { readonly: true, ...(nativeBinding ? { nativeBinding } : {}) });
  try {
    const { contentHash } = getSnapshot(db, snapshotId);
    const rows: SnapshotRows['rows'] = [];
    for (const row of snapshotContents(db, snapshotId)) {
      rows.push(row);
      if (rows.length % 2000 === 0) await nextTick();
    }
    return { contentHash, rows };
  } finally {
    db.close();
  }
}
