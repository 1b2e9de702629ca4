/**
 * The `dataset-dedupe` and `dataset-snapshot` jobs. Both run their work in a
 * worker process (curation-tasks.ts): a duplicate search over 100k records
 * takes seconds of CPU, and freezing a snapshot writes every record again,
 * either of which would stall the process that serves the UI.
 */
import { z } from 'zod';
import type { Job } from '../../../shared/jobs';
import { RecordFilter, Snapshot, type DuplicateGroup } from '../../../shared/datasets';
import { setAutoCheckpoint, shrinkMemory } from '../db/open';
import { defineJobKind, type JobServices } from '../jobs/kind';
import { DedupePayload, DedupeResult, SnapshotPayload, SnapshotResult, dedupeTask, snapshotTask } from './curation-tasks';
import { createPendingSnapshot, discardPendingSnapshot, getSnapshot } from './snapshots';
import type { DatasetStore, RecordRow } from './store';

export const DedupeParams = z.object({ datasetId: z.number().int().positive(), threshold: z.number().min(0.5).max(1) });
export type DedupeParams = z.infer<typeof DedupeParams>;

export const SnapshotParams = z.object({
  datasetId: z.number().int().positive(),
  name: z.string().max(200).optional(),
  filter: RecordFilter.nullable().default(null),
});
export type SnapshotParams = z.infer<typeof SnapshotParams>;

/** Where workers open the database, with the same native module as this process (Electron's ABI). */
const database = (services: JobServices) => ({
  dbPath: services.dbPath,
  ...(services.nativeBinding ? { nativeBinding: services.nativeBinding } : {}),
});

export const dedupeJob = defineJobKind({
  kind: 'dataset-dedupe',
  lane: 'io',
  params: DedupeParams,
  result: DedupeResult,
  title: (p, { datasets }) => `Find duplicates in ${datasetName(datasets, p.datasetId)} (≥ ${p.threshold.toFixed(2)})`,
  worker: { payload: DedupePayload, result: DedupeResult, load: () => Promise.resolve(dedupeTask) },
  async run(ctx) {
    ctx.services.datasets.assertDataset(ctx.params.datasetId);
    return ctx.runWorker({ ...database(ctx.services), ...ctx.params });
  },
});

/**
 * While snapshot workers write, this process leaves checkpoints (folding the
 * write-ahead log into the database) to them: SQLite runs one on whichever
 * connection commits once the log is long, and a snapshot makes it long, so
 * a job-progress update here could otherwise spend a hundred milliseconds
 * copying the worker's pages on the thread that serves the UI. The worker
 * checkpoints as it goes and when it ends.
 */
function leaveCheckpointsToWorkers(db: DatasetStore['db']): () => void {
  const state = db as unknown as { snapshotWriters?: number };
  state.snapshotWriters = (state.snapshotWriters ?? 0) + 1;
  if (state.snapshotWriters === 1) setAutoCheckpoint(db, 0);
  return () => {
    state.snapshotWriters = (state.snapshotWriters ?? 1) - 1;
    if (state.snapshotWriters === 0) setAutoCheckpoint(db, 1000);
  };
}

export const snapshotJob = defineJobKind({
  kind: 'dataset-snapshot',
  lane: 'io',
  params: SnapshotParams,
  result: Snapshot,
  title: (p, { datasets }) => `Freeze a snapshot of ${datasetName(datasets, p.datasetId)}${p.name?.trim() ? ` (${p.name.trim()})` : ''}`,
  worker: { payload: SnapshotPayload, result: SnapshotResult, load: () => Promise.resolve(snapshotTask) },
  async run(ctx) {
    const { datasetId, name, filter } = ctx.params;
    const store = ctx.services.datasets;
    const db = store.db;
    store.assertDataset(datasetId);
    const snapshotId = createPendingSnapshot(db, datasetId, name, filter);
    const restoreCheckpoints = leaveCheckpointsToWorkers(db);
    // Once the worker writes, SQLite throws this connection's page cache away at its next
    // statement (another process changed the file) — with a warm 64 MiB cache, measured at
    // 30–75 ms on the thread serving the UI. Released now, it costs a few milliseconds.
    shrinkMemory(db);
    try {
      const result = await ctx.runWorker({ ...database(ctx.services), snapshotId, datasetId, filter });
      return getSnapshot(db, result.snapshotId);
    } catch (err) {
      // Cancelled, failed or crashed: whatever the worker wrote goes, so no half snapshot is ever kept.
      await discardPendingSnapshot(db, snapshotId);
      ctx.log('info', `Snapshot #${snapshotId} was not finished; its partial rows were removed.`);
      throw err;
    } finally {
      restoreCheckpoints();
    }
  },
});

function datasetName(store: DatasetStore, id: number): string {
  try {
    return `"${store.getDataset(id).name}"`;
  } catch {
    return `dataset #${id}`;
  }
}

export type DuplicatesView = { threshold: number; exact: number; near: number; groups: DuplicateGroup[] };

/**
 * A dedupe job's groups as the UI shows them: each record's summary as it is
 * now. Records deleted since (a merge kept another) are left out, and a group
 * left with one record is no longer a group.
 */
export function duplicatesView(store: DatasetStore, result: DedupeResult): DuplicatesView {
  const ids = [...new Set(result.groups.flatMap((g) => g.ids))];
  const rows = new Map<number, RecordRow>(store.rowsByIds(ids).map((row) => [row.id, row]));
  const groups: DuplicateGroup[] = [];
  for (const g of result.groups) {
    const present = g.ids.map((id) => rows.get(id)).filter((r): r is RecordRow => r !== undefined);
    const size = g.size - (g.ids.length - present.length);
    if (size >= 2) groups.push({ kind: g.kind, similarity: g.similarity, size, records: store.summaries(present) });
  }
  return { threshold: result.threshold, exact: result.exact, near: result.near, groups };
}

/** The newest duplicate search of a dataset (any status), if there has been one. */
export function latestDedupeJob(store: DatasetStore, jobs: { get(id: number): Job }, datasetId: number): Job | null {
  const id = store.latestDedupeJobId(datasetId);
  return id === undefined ? null : jobs.get(id);
}
