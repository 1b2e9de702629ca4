/**
 * The `dataset-dedupe` and `dataset-snapshot` jobs. Both run their work in a
 * worker process (curation-tasks.ts): a duplicate search over 100k records
 * takes seconds of CPU, and freezing a snapshot writes every record again,
 * either of which would stall the process that serves the UI.
 */
import { z } from 'zod';
import { TERMINAL_STATUSES, type Job } from '../../../shared/jobs';
import { RecordFilter, type DuplicateGroup } from '../../../shared/datasets';
import { ErrorCode, StudioError } from '../../../shared/result';
import type { JobKind, JobSupervisor } from '../jobs/supervisor';
import type { DedupeResult, SnapshotResult } from './curation-tasks';
import { createPendingSnapshot, discardPendingSnapshot, getSnapshot } from './snapshots';
import type { DatasetStore, RecordRow } from './store';

export interface CurationJobDeps {
  store: DatasetStore;
  /** Passed to workers so they open the database with the same native module (Electron's ABI). */
  nativeBinding?: string;
}

export const DedupeParams = z.object({ datasetId: z.number().int().positive(), threshold: z.number().min(0.5).max(1) });
export type DedupeParams = z.infer<typeof DedupeParams>;

export const SnapshotParams = z.object({
  datasetId: z.number().int().positive(),
  name: z.string().max(200).optional(),
  filter: RecordFilter.nullable().default(null),
});
export type SnapshotParams = z.infer<typeof SnapshotParams>;

const database = (deps: CurationJobDeps) => ({ dbPath: deps.store.db.name, ...(deps.nativeBinding ? { nativeBinding: deps.nativeBinding } : {}) });

export function dedupeJobKind(deps: CurationJobDeps): JobKind<DedupeParams> {
  return {
    kind: 'dataset-dedupe',
    lane: 'io',
    params: DedupeParams,
    title: (p) => `Find duplicates in ${datasetName(deps.store, p.datasetId)} (≥ ${p.threshold.toFixed(2)})`,
    async run(ctx) {
      deps.store.assertDataset(ctx.params.datasetId);
      return ctx.runWorker('dataset-dedupe', { ...database(deps), ...ctx.params });
    },
  };
}

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
  if (state.snapshotWriters === 1) db.pragma('wal_autocheckpoint = 0');
  return () => {
    state.snapshotWriters = (state.snapshotWriters ?? 1) - 1;
    if (state.snapshotWriters === 0) db.pragma('wal_autocheckpoint = 1000');
  };
}

export function snapshotJobKind(deps: CurationJobDeps): JobKind<SnapshotParams> {
  const db = deps.store.db;
  return {
    kind: 'dataset-snapshot',
    lane: 'io',
    params: SnapshotParams,
    title: (p) => `Freeze a snapshot of ${datasetName(deps.store, p.datasetId)}${p.name?.trim() ? ` (${p.name.trim()})` : ''}`,
    async run(ctx) {
      const { datasetId, name, filter } = ctx.params;
      deps.store.assertDataset(datasetId);
      const snapshotId = createPendingSnapshot(db, datasetId, name, filter);
      const restoreCheckpoints = leaveCheckpointsToWorkers(db);
      // Once the worker writes, SQLite throws this connection's page cache away at its next
      // statement (another process changed the file) — with a warm 64 MiB cache, measured at
      // 30–75 ms on the thread serving the UI. Released now, it costs a few milliseconds.
      db.pragma('shrink_memory');
      try {
        const result = (await ctx.runWorker('dataset-snapshot', { ...database(deps), snapshotId, datasetId, filter })) as SnapshotResult;
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
  };
}

function datasetName(store: DatasetStore, id: number): string {
  try {
    return `"${store.getDataset(id).name}"`;
  } catch {
    return `dataset #${id}`;
  }
}

/** Resolves when the job has finished (succeeded, failed, cancelled or interrupted), however long it queued. */
export async function jobOutcome(jobs: JobSupervisor, id: number): Promise<Job> {
  for (;;) {
    const job = await jobs.settled(id);
    if (TERMINAL_STATUSES.includes(job.status)) return job;
    // Still queued behind its lane: look again shortly.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A finished job's result, or its failure as the error it ended with. */
export function succeeded<T>(job: Job): T {
  if (job.status === 'succeeded') return job.result as T;
  const error = job.error ?? { code: 'JOB_FAILED', message: `Job #${job.id} ${job.status}.` };
  const code = ErrorCode.safeParse(error.code);
  throw new StudioError(code.success ? code.data : 'JOB_FAILED', error.message, { jobId: job.id, code: error.code });
}

export type DuplicatesView = { threshold: number; exact: number; near: number; groups: DuplicateGroup[] };

/**
 * A dedupe job's groups as the UI shows them: each record's summary as it is
 * now. Records deleted since (a merge kept another) are left out, and a group
 * left with one record is no longer a group.
 */
export function duplicatesView(store: DatasetStore, result: DedupeResult): DuplicatesView {
  const ids = [...new Set(result.groups.flatMap((g) => g.ids))];
  const rows = new Map<number, RecordRow>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    for (const row of store.db.prepare<number[], RecordRow>(`SELECT * FROM records WHERE id IN (${chunk.map(() => '?').join(',')})`).all(...chunk)) rows.set(row.id, row);
  }
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
  const id = store.db
    .prepare(`SELECT id FROM jobs WHERE kind = 'dataset-dedupe' AND json_extract(params, '$.datasetId') = ? ORDER BY id DESC LIMIT 1`)
    .pluck()
    .get(datasetId) as number | undefined;
  return id === undefined ? null : jobs.get(id);
}

