/**
 * The train task's database reads, in the GPU worker page: the page has no
 * SQLite, so the runner asks the host for the snapshot's rows first
 * (GpuBridge.snapshot) and these stand-ins for `openDatabase`, `getSnapshot`
 * and `snapshotContents` answer from them — the task's code is unchanged.
 */
import type { SnapshotRows } from '../../../main/gpu-host/protocol';

const loaded = new Map<number, SnapshotRows>();

export function provideSnapshot(snapshotId: number, rows: SnapshotRows): void {
  loaded.set(snapshotId, rows);
}

function rowsOf(snapshotId: number): SnapshotRows {
  const rows = loaded.get(snapshotId);
  if (!rows) throw new Error(`The GPU worker page was not given snapshot ${snapshotId}'s rows.`);
  return rows;
}

export function openDatabase() {
  return { close() {} };
}

export function getSnapshot(_db: unknown, snapshotId: number) {
  return { id: snapshotId, contentHash: rowsOf(snapshotId).contentHash };
}

export function* snapshotContents(_db: unknown, snapshotId: number) {
  yield* rowsOf(snapshotId).rows;
}
