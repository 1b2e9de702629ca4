// Whole-dataset work runs as jobs in worker processes: duplicate search and
// snapshots report progress, can be cancelled, and a snapshot that does not
// finish (cancelled, killed, or its studio died) leaves nothing behind.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStudio, type Studio } from '../../main/core/studio';
import { createPendingSnapshot, createSnapshot, SnapshotWriter } from '../../main/core/datasets/snapshots';
import { iterateRows } from '../../main/core/datasets/query';
import type { Job } from '../../shared/jobs';
import type { NewRecord } from '../../main/core/datasets/store';
import { call, jobSettled } from '../../main/core/client';
import { tempDir } from '../helpers/tmp';
import { datasetById, openStores, type WorkspaceStores } from '../helpers/workspace';

let studio: Studio | undefined;
const sideConnections: WorkspaceStores[] = [];
let cleanup = () => {};
afterEach(async () => {
  await studio?.close();
  studio = undefined;
  for (const stores of sideConnections.splice(0)) stores.close();
  cleanup();
});

/**
 * A studio on a new (or the given) workspace, and that workspace's stores on
 * a connection of the test's own: for fixtures of thousands of records, and
 * for looking at the rows a job leaves (or must not leave) behind.
 */
function open(dir?: string): { s: Studio; dir: string; db: WorkspaceStores['db']; datasets: WorkspaceStores['datasets'] } {
  let root = dir;
  if (!root) {
    const t = tempDir();
    cleanup = t.cleanup;
    root = t.dir;
  }
  studio = createStudio({ workspaceDir: join(root, 'ws') });
  const stores = openStores(join(root, 'ws'));
  sideConnections.push(stores);
  return { s: studio, dir: root, db: stores.db, datasets: stores.datasets };
}

const WORDS =
  'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega'.split(' ');
const text = (seed: number, n: number) =>
  Array.from({ length: n }, (_, i) => WORDS[(seed * 7 + i * 13 + ((seed >> 3) % 5) * i) % WORDS.length]).join(' ');

function record(i: number): NewRecord {
  return {
    kind: 'preference',
    prompt: [{ role: 'user', content: `Question ${i}: ${text(i, 12)}?` }],
    chosen: [{ role: 'assistant', content: text(i + 1, 30) }],
    rejected: [{ role: 'assistant', content: text(i + 2, 20) }],
    responses: null,
    system: null,
    split: i % 10 === 0 ? 'test' : 'train',
  };
}

/** A dataset of `n` generated records, with records 1 and 2 exact duplicates of record 0. */
function seed({ datasets }: { datasets: WorkspaceStores['datasets'] }, n: number): number {
  const dataset = datasets.createDataset(`d${n}`);
  datasets.insertRecords(dataset.id, null, [record(0), record(0), record(0), ...Array.from({ length: n - 3 }, (_, i) => record(i + 3))]);
  return dataset.id;
}

/** Every state of every job, from the studio's events (filter by job id after). */
function watch(s: Studio): Job[] {
  const seen: Job[] = [];
  s.events.subscribe((e) => {
    if (e.type === 'job.updated') seen.push(e.job);
  });
  return seen;
}

/** Resolves once the job reports progress past `fraction` (it is then mid-way, in its worker). */
function progressPast(s: Studio, id: number, fraction: number): Promise<Job> {
  return new Promise((resolve) => {
    const off = s.events.subscribe((e) => {
      if (e.type === 'job.updated' && e.job.id === id && e.job.status === 'running' && e.job.progress > fraction) {
        off();
        resolve(e.job);
      }
    });
  });
}

const finished = (s: Studio, id: number): Promise<Job> => jobSettled(s, id);

const snapshotRows = (db: WorkspaceStores['db']) => ({
  snapshots: db.prepare('SELECT count(*) FROM snapshots').pluck().get() as number,
  records: db.prepare('SELECT count(*) FROM snapshot_records').pluck().get() as number,
});

describe('duplicate search as a job', () => {
  it('runs in a worker process, reports progress and finds the exact group', async () => {
    const { s, db, ...stores } = open();
    const datasetId = seed(stores, 5000);
    const events = watch(s);
    const job = await call(s, 'datasets.findDuplicates', { datasetId, threshold: 0.9 });
    expect(job.kind).toBe('dataset-dedupe');
    const done = await finished(s, job.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const running = events.filter((j) => j.id === job.id && j.status === 'running' && j.progress > 0 && j.progress < 1);
    expect(running.length).toBeGreaterThan(0);
    expect(running.some((j) => /signatures/.test(j.progressMessage ?? ''))).toBe(true);
    const workerPid = db.prepare('SELECT worker_pid FROM jobs WHERE id = ?').pluck().get(job.id) as number;
    expect(workerPid).toBeGreaterThan(0);
    expect(workerPid).not.toBe(process.pid);

    const view = await call(s, 'datasets.duplicateGroups', { datasetId });
    expect(view.job?.id).toBe(job.id);
    const ids = (await call(s, 'records.query', { datasetId, filter: {}, offset: 0, limit: 3, sort: 'id' })).rows.map((r) => r.id);
    const exact = view.result!.groups.filter((g) => g.kind === 'exact');
    expect(exact.map((g) => g.records.map((r) => r.id))).toEqual([ids]);
    expect(view.result!.exact).toBe(1);

    // Merging keeps one record: the group is gone from the job's view without searching again.
    await call(s, 'records.merge', { keepId: ids[0]!, dropIds: ids.slice(1) });
    const after = await call(s, 'datasets.duplicateGroups', { datasetId });
    expect(after.result!.groups.filter((g) => g.kind === 'exact')).toEqual([]);
  });

  it('keeps its result small: a group of 250 copies carries its size and its first 100 records', async () => {
    const { s, datasets } = open();
    const dataset = datasets.createDataset('copies');
    datasets.insertRecords(dataset.id, null, [...Array.from({ length: 250 }, () => record(1)), record(2), record(3)]);
    const found = await call(s, 'datasets.duplicates', { datasetId: dataset.id, threshold: 0.9 });
    expect(found.exact).toBe(1);
    const group = found.groups.find((g) => g.kind === 'exact')!;
    expect(group.size).toBe(250);
    expect(group.records).toHaveLength(100);
  });

  it('can be cancelled mid-way', async () => {
    const { s, ...stores } = open();
    const datasetId = seed(stores, 30_000);
    const job = await call(s, 'datasets.findDuplicates', { datasetId, threshold: 0.8 });
    await progressPast(s, job.id, 0.35);
    await call(s, 'jobs.cancel', { id: job.id });
    const done = await finished(s, job.id);
    expect(done.status).toBe('cancelled');
    expect((await call(s, 'datasets.duplicateGroups', { datasetId })).result).toBeNull();
  });
});

describe('snapshots as jobs', () => {
  it('freeze the same rows and hash as the synchronous path, reporting progress from a worker', async () => {
    const { s, db, ...stores } = open();
    const datasetId = seed(stores, 3000);
    const events = watch(s);
    const job = await call(s, 'snapshots.start', { datasetId, name: 'job', filter: { splits: ['train'] } });
    const done = await finished(s, job.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(
      events.some(
        (j) => j.id === job.id && j.status === 'running' && j.progress > 0 && j.progress < 1 && /frozen/.test(j.progressMessage ?? ''),
      ),
    ).toBe(true);
    const snapshot = done.result as { id: number; contentHash: string; recordCount: number; trainCount: number; testCount: number };
    const { trainCount } = await datasetById(s, datasetId);
    expect(snapshot).toMatchObject({ recordCount: trainCount, trainCount, testCount: 0 });

    const direct = createSnapshot(db, datasetId, 'direct', { splits: ['train'] });
    expect(direct.contentHash).toBe(snapshot.contentHash);
    const rows = (snapshotId: number) =>
      db.prepare('SELECT ordinal, record_id, split, content FROM snapshot_records WHERE snapshot_id = ? ORDER BY ordinal').all(snapshotId);
    expect(rows(snapshot.id)).toEqual(rows(direct.id));
    expect((await call(s, 'snapshots.list', { datasetId })).map((x) => x.id)).toEqual([direct.id, snapshot.id]);
  });

  it('an empty view fails with the reason and leaves nothing', async () => {
    const { s, db, ...stores } = open();
    const datasetId = seed(stores, 10);
    const before = snapshotRows(db);
    await expect(call(s, 'snapshots.create', { datasetId, filter: { search: 'nowhere-to-be-found' } })).rejects.toThrow(/empty/);
    expect(snapshotRows(db)).toEqual(before);
  });

  it('a cancelled snapshot leaves no snapshot and no rows of it', async () => {
    const { s, db, ...stores } = open();
    const datasetId = seed(stores, 30_000);
    const before = snapshotRows(db);
    const job = await call(s, 'snapshots.start', { datasetId, name: 'cancel me' });
    await progressPast(s, job.id, 0.1);
    // Mid-way: rows are written but the snapshot is pending, so no reader sees it.
    expect(snapshotRows(db).records).toBeGreaterThan(before.records);
    expect(await call(s, 'snapshots.list', { datasetId })).toEqual([]);
    await call(s, 'jobs.cancel', { id: job.id });
    const done = await finished(s, job.id);
    expect(done.status).toBe('cancelled');
    expect(snapshotRows(db)).toEqual(before);
  });

  it('a killed worker leaves nothing either: the job is interrupted and the partial rows removed', async () => {
    const { s, db, ...stores } = open();
    const datasetId = seed(stores, 30_000);
    const before = snapshotRows(db);
    const job = await call(s, 'snapshots.start', { datasetId });
    await progressPast(s, job.id, 0.1);
    const pid = db.prepare('SELECT worker_pid FROM jobs WHERE id = ?').pluck().get(job.id) as number;
    process.kill(pid, 'SIGKILL');
    const done = await finished(s, job.id);
    expect(done.status).toBe('interrupted');
    expect(snapshotRows(db)).toEqual(before);
  });

  it('a snapshot left pending by a studio that died is removed on the next start', async () => {
    const first = open();
    const datasetId = seed(first, 3000);
    const before = snapshotRows(first.db);
    const writer = new SnapshotWriter(first.db, createPendingSnapshot(first.db, datasetId, 'half', null));
    writer.add([...iterateRows(first.db, datasetId)].slice(0, 1000));
    expect(snapshotRows(first.db).records).toBe(before.records + 1000);
    await first.s.close();
    const { db } = open(first.dir);
    expect(snapshotRows(db)).toEqual(before);
  });
});
