/**
 * Worker tasks for whole-dataset curation: duplicate search and snapshot
 * writing. They run in a job's worker process (never in the process that
 * serves the UI), open the workspace database themselves, report progress,
 * and stop at the next batch when the job is cancelled.
 */
import { setPriority } from 'node:os';
import { z } from 'zod';
import { RecordFilter } from '../../../shared/datasets';
import type { WorkerIo } from '../jobs/protocol';
import { checkpointPassive, openDatabase, type Db } from '../db/open';
import { CurationStore } from './curation-store';
import { searchDuplicates, type DedupeItem, type FoundGroup } from './dedupe';
import { filterSql, iterateRows } from './query';
import { SnapshotWriter } from './snapshots';

const Database = z.object({ dbPath: z.string().min(1), nativeBinding: z.string().optional() });

export const DedupePayload = Database.extend({
  datasetId: z.number().int().positive(),
  threshold: z.number().min(0).max(1),
});
export type DedupePayload = z.infer<typeof DedupePayload>;

export const SnapshotPayload = Database.extend({
  snapshotId: z.number().int().positive(),
  datasetId: z.number().int().positive(),
  filter: RecordFilter.nullable(),
});
export type SnapshotPayload = z.infer<typeof SnapshotPayload>;

/**
 * A job's result travels with every job list and event, so it keeps the
 * first groups only — at most this many, with at most so many records each
 * and in all; the counts and each group's size cover everything found.
 */
export const KEPT_GROUPS = 500;
const KEPT_PER_GROUP = 100;
const KEPT_RECORDS = 5000;

/** A group as a job's result keeps it: its first records' ids and how many it has. */
export const KeptGroup = z.object({
  kind: z.enum(['exact', 'near']),
  similarity: z.number(),
  ids: z.array(z.number().int()),
  size: z.number().int(),
});
export type KeptGroup = z.infer<typeof KeptGroup>;

function keptGroups(groups: FoundGroup[]): KeptGroup[] {
  const kept: KeptGroup[] = [];
  let records = 0;
  for (const g of groups) {
    if (kept.length === KEPT_GROUPS || records >= KEPT_RECORDS) break;
    const ids = g.ids.slice(0, KEPT_PER_GROUP);
    kept.push({ ...g, ids, size: g.ids.length });
    records += ids.length;
  }
  return kept;
}

export const DedupeResult = z.object({
  datasetId: z.number().int(),
  threshold: z.number(),
  records: z.number().int(),
  exact: z.number().int(),
  near: z.number().int(),
  groups: z.array(KeptGroup),
});
export type DedupeResult = z.infer<typeof DedupeResult>;

export const SnapshotResult = z.object({ snapshotId: z.number().int(), recordCount: z.number().int() });
export type SnapshotResult = z.infer<typeof SnapshotResult>;

/** Records read per batch, then a chance to cancel. */
const BATCH = 500;
/**
 * Records a snapshot writes per transaction. The studio's own writes (job
 * progress, heartbeats, edits) wait while one is open, so it is kept to a
 * millisecond or two.
 */
const WRITE_BATCH = 100;

/** Lets the worker's message loop run, so a cancel sent by the supervisor is seen. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

function open(payload: z.infer<typeof Database>, readonly: boolean): Db {
  return openDatabase(payload.dbPath, { readonly, ...(payload.nativeBinding ? { nativeBinding: payload.nativeBinding } : {}) });
}

/**
 * Curation is background work: its worker asks the OS to run it after the
 * process serving the UI, which on a two-core machine it would otherwise
 * compete with for every time slice. Where that is not allowed it runs as is.
 */
function yieldCpuToTheStudio(): void {
  try {
    setPriority(process.pid, 10);
  } catch {
    // Not permitted here: the work just runs at normal priority.
  }
}

function throwIfCancelled(io: WorkerIo): void {
  if (io.signal.aborted) throw io.signal.reason instanceof Error ? io.signal.reason : new Error('cancelled');
}

/** Finds exact and near-duplicate groups of a dataset (reading 0–30 %, signatures 30–95 %, grouping to 100 %). */
export async function dedupeTask(payload: DedupePayload, io: WorkerIo): Promise<DedupeResult> {
  yieldCpuToTheStudio();
  const db = open(payload, true);
  const items: DedupeItem[] = [];
  try {
    const store = new CurationStore(db);
    // One read transaction: the count and every page come from the same state of the dataset.
    store.begin();
    const total = store.recordCount(payload.datasetId);
    for (let after = 0; ;) {
      throwIfCancelled(io);
      const rows = store.dedupePage(payload.datasetId, after, BATCH * 4);
      for (const r of rows)
        items.push({ id: r.id, contentHash: r.content_hash, text: `${r.prompt_text}\n${r.chosen_text}\n${r.rejected_text}` });
      io.progress(
        total ? 0.3 * (items.length / total) : 0.3,
        `read ${items.length.toLocaleString('en')} of ${total.toLocaleString('en')} records`,
      );
      if (rows.length < BATCH * 4) break;
      after = rows[rows.length - 1]!.id;
      await breathe();
    }
    store.commit();
  } finally {
    db.close();
  }
  const search = searchDuplicates(items, payload.threshold);
  let step = search.next();
  while (!step.done) {
    throwIfCancelled(io);
    const { done, total } = step.value;
    io.progress(
      0.3 + 0.65 * (total ? done / total : 1),
      `signatures for ${done.toLocaleString('en')} of ${total.toLocaleString('en')} records`,
    );
    await breathe();
    step = search.next();
  }
  const groups = step.value;
  const exact = groups.filter((g) => g.kind === 'exact').length;
  io.log(
    'info',
    `${items.length} records: ${exact} exact and ${groups.length - exact} near-duplicate groups at similarity ≥ ${payload.threshold}.`,
  );
  return {
    datasetId: payload.datasetId,
    threshold: payload.threshold,
    records: items.length,
    exact,
    near: groups.length - exact,
    groups: keptGroups(groups),
  };
}

/**
 * Fills a pending snapshot (created by the job) with the records of its
 * dataset or filtered view, then sets its hash. Records are read in one read
 * transaction, so the snapshot is the dataset at one moment however long it
 * takes; they are written a batch per transaction from a second connection,
 * so the studio's own writes (job progress, edits) never wait long. If it
 * stops before the end, the job discards the pending rows.
 */
export async function snapshotTask(payload: SnapshotPayload, io: WorkerIo): Promise<SnapshotResult> {
  // No lower priority here: this worker holds the write lock for moments, and descheduled
  // while holding it, it would keep the studio waiting (priority inversion).
  const reader = open(payload, true);
  const writerDb = open(payload, false);
  try {
    const filter = payload.filter ?? undefined;
    // Fold what earlier writes left in the write-ahead log into the database now, here: otherwise
    // the studio's next small write would do it, in the process serving the UI.
    checkpointPassive(writerDb);
    const store = new CurationStore(reader);
    store.begin();
    const { from, where, params } = filterSql(payload.datasetId, filter);
    const total = store.countFiltered(from, where, params);
    const writer = new SnapshotWriter(writerDb, payload.snapshotId);
    let batch = [];
    for (const row of iterateRows(reader, payload.datasetId, filter, BATCH)) {
      batch.push(row);
      if (batch.length < WRITE_BATCH) continue;
      throwIfCancelled(io);
      writer.add(batch);
      batch = [];
      io.progress(
        total ? writer.written / total : 0,
        `${writer.written.toLocaleString('en')} of ${total.toLocaleString('en')} records frozen`,
      );
      await breathe();
    }
    throwIfCancelled(io);
    writer.add(batch);
    store.commit();
    // The read transaction kept every row written here in the log; fold them in now, from this
    // worker, before the studio's next small write finds them and does it on its own thread.
    checkpointPassive(writerDb);
    const snapshot = writer.finish();
    io.log('info', `Snapshot "${snapshot.name}": ${snapshot.recordCount} records, sha256 ${snapshot.contentHash}.`);
    return { snapshotId: snapshot.id, recordCount: snapshot.recordCount };
  } finally {
    reader.close();
    writerDb.close();
  }
}
