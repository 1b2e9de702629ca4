// "What changed" between two runs' snapshots (issue 15 item 3): compare.snapshotDiff
// hashes both snapshots in a snapshot-diff job's worker process and counts the
// records added, removed and changed, by content hash.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call } from '../../main/core/client';
import type { NewRecord } from '../../main/core/datasets/store';
import { createStudio, type Studio } from '../../main/core/studio';
import { tempDir } from '../helpers/tmp';
import { openStores, type WorkspaceStores } from '../helpers/workspace';

let studio: Studio | undefined;
let stores: WorkspaceStores | undefined;
let cleanup = () => {};
afterEach(async () => {
  await studio?.close();
  stores?.close();
  studio = undefined;
  stores = undefined;
  cleanup();
});

function open(): { s: Studio; datasets: WorkspaceStores['datasets'] } {
  const t = tempDir();
  cleanup = t.cleanup;
  studio = createStudio({ workspaceDir: join(t.dir, 'ws') });
  stores = openStores(join(t.dir, 'ws'));
  return { s: studio, datasets: stores.datasets };
}

const pair = (i: number, rejected = `no ${i}`): NewRecord => ({
  kind: 'preference',
  prompt: [{ role: 'user', content: `Say ${i} in capitals.` }],
  chosen: [{ role: 'assistant', content: `NUMBER ${i}` }],
  rejected: [{ role: 'assistant', content: rejected }],
  responses: null,
  system: null,
  split: i % 5 === 0 ? 'test' : 'train',
});

const snapshotDiffJobs = async (s: Studio) => (await call(s, 'jobs.list', {})).filter((j) => j.kind === 'snapshot-diff');

describe('compare.snapshotDiff', () => {
  it('counts records added, removed and changed between two snapshots of a dataset, with samples', async () => {
    const { s, datasets } = open();
    const dataset = datasets.createDataset('pairs');
    datasets.insertRecords(
      dataset.id,
      null,
      Array.from({ length: 10 }, (_, i) => pair(i)),
    );
    const a = await call(s, 'snapshots.create', { datasetId: dataset.id, name: 'v1' });
    const ids = (await call(s, 'records.query', { datasetId: dataset.id, limit: 100 })).rows.map((r) => r.id);
    // One edited (its chosen answer), one deleted, two new.
    await call(s, 'records.update', { id: ids[2]!, content: { chosen: [{ role: 'assistant', content: 'NUMBER TWO' }] } });
    await call(s, 'records.delete', { datasetId: dataset.id, ids: [ids[3]!] });
    datasets.insertRecords(dataset.id, null, [pair(10), pair(11)]);
    const b = await call(s, 'snapshots.create', { datasetId: dataset.id, name: 'v2' });

    const diff = await call(s, 'compare.snapshotDiff', { a: a.id, b: b.id });
    expect(diff).toMatchObject({
      a: { id: a.id, name: 'v1', records: 10, contentHash: a.contentHash },
      b: { id: b.id, name: 'v2', records: 11, contentHash: b.contentHash },
      identical: false,
      unchanged: 8,
      added: 2,
      removed: 1,
      changed: 1,
    });
    expect(diff.samples.changed).toHaveLength(1);
    expect(diff.samples.changed[0]).toMatchObject({ a: { recordId: ids[2], prompt: 'Say 2 in capitals.' }, fields: ['chosen'] });
    expect(diff.samples.changed[0]!.a.contentHash).not.toBe(diff.samples.changed[0]!.b.contentHash);
    expect(diff.samples.removed.map((r) => r.recordId)).toEqual([ids[3]]);
    expect(diff.samples.added.map((r) => r.prompt)).toEqual(['Say 10 in capitals.', 'Say 11 in capitals.']);
    // The content hash is the records table's: the same record in the dataset has it.
    const current = await call(s, 'records.get', { id: ids[2]! });
    expect(diff.samples.changed[0]!.b.recordId).toBe(current.id);

    // Backwards, added and removed swap.
    const back = await call(s, 'compare.snapshotDiff', { a: b.id, b: a.id });
    expect(back).toMatchObject({ unchanged: 8, added: 1, removed: 2, changed: 1 });
    expect(await snapshotDiffJobs(s)).toHaveLength(2);
    // Snapshots never change: asking again reads the earlier job's result instead of starting another.
    expect(await call(s, 'compare.snapshotDiff', { a: a.id, b: b.id })).toEqual(diff);
    expect(await snapshotDiffJobs(s)).toHaveLength(2);
  });

  it('pairs records of two datasets by prompt: a changed rejected answer and a moved split are changes, not add + remove', async () => {
    const { s, datasets } = open();
    const first = datasets.createDataset('first');
    const second = datasets.createDataset('second');
    datasets.insertRecords(
      first.id,
      null,
      Array.from({ length: 6 }, (_, i) => pair(i)),
    );
    datasets.insertRecords(second.id, null, [
      pair(0),
      pair(1),
      pair(2, 'a different wrong answer'),
      { ...pair(3), split: 'test' },
      pair(4),
      pair(5),
    ]);
    const a = await call(s, 'snapshots.create', { datasetId: first.id });
    const b = await call(s, 'snapshots.create', { datasetId: second.id });
    const diff = await call(s, 'compare.snapshotDiff', { a: a.id, b: b.id });
    expect(diff).toMatchObject({ unchanged: 4, added: 0, removed: 0, changed: 2 });
    expect(diff.samples.changed.map((c) => [c.a.prompt, c.fields])).toEqual([
      ['Say 2 in capitals.', ['rejected']],
      ['Say 3 in capitals.', ['split']],
    ]);
  });

  it('answers identical snapshots at once, and names a snapshot that does not exist', async () => {
    const { s, datasets } = open();
    const dataset = datasets.createDataset('pairs');
    datasets.insertRecords(dataset.id, null, [pair(1), pair(2)]);
    const a = await call(s, 'snapshots.create', { datasetId: dataset.id });
    const b = await call(s, 'snapshots.create', { datasetId: dataset.id });
    expect(await call(s, 'compare.snapshotDiff', { a: a.id, b: b.id })).toMatchObject({
      identical: true,
      unchanged: 2,
      added: 0,
      removed: 0,
      changed: 0,
    });
    expect(await snapshotDiffJobs(s)).toHaveLength(0);
    await expect(call(s, 'compare.snapshotDiff', { a: a.id, b: 999 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'There is no snapshot #999.',
    });
  });
});
