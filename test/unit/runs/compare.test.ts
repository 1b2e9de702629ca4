// The Compare page's reads (issue 15): several runs' metric columns by name in one call (packed), and
// each run's final and best held-out numbers, from a real workspace database.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call } from '../../../main/core/client';
import { openDatabase } from '../../../main/core/db/open';
import { CompareStore } from '../../../main/core/runs/compare-store';
import { RunStore } from '../../../main/core/runs/store';
import { createStudio, type Studio } from '../../../main/core/studio';
import { createApiClient } from '../../../renderer/src/api/client';
import { batchedRunColumn } from '../../../renderer/src/lib/compare-metrics';
import type { StudioTransport } from '../../../shared/api';
import { decodeRunMetrics, packSteps } from '../../../shared/compare';
import { RunConfig } from '../../../shared/training';
import { tempDir } from '../../helpers/tmp';
import { onePairSnapshot, openStores, type WorkspaceStores } from '../../helpers/workspace';

let studio: Studio | undefined;
let stores: WorkspaceStores | undefined;
let cleanup = () => {};
afterEach(async () => {
  await studio?.close();
  stores?.close();
  studio = stores = undefined;
  cleanup();
});

/** A studio whose workspace holds two runs with recorded metrics (written through the run store, as the train job does). */
function withRuns(): { s: Studio; runs: RunStore; ids: [number, number] } {
  const t = tempDir();
  cleanup = t.cleanup;
  studio = createStudio({ workspaceDir: join(t.dir, 'ws'), superviseJobs: false });
  stores = openStores(join(t.dir, 'ws'));
  const snapshot = onePairSnapshot(stores);
  const runs = new RunStore(stores.db, stores.jobs);
  const create = (name: string) =>
    runs.createRun({
      name,
      jobId: null,
      config: RunConfig.parse({ model: { kind: 'folder', path: '/m' } }),
      modelId: null,
      modelName: 'm',
      snapshotId: snapshot.id,
      trainPairs: 1,
      testPairs: 1,
      totalSteps: 3,
      appVersion: 'test',
      dir: '',
      rerunOf: null,
    });
  return { s: studio, runs, ids: [create('one'), create('two')] };
}

describe('compare.runMetrics', () => {
  it('returns only the metrics named, for each run asked for in that order, packed', async () => {
    const { s, runs, ids } = withRuns();
    const [one, two] = ids;
    for (const step of [1, 2, 3]) {
      runs.recordMetrics(one, step, { loss: 1 / step, grad_norm: step, epoch: step / 3 });
      runs.recordMetrics(two, step, { loss: 2 / step, grad_norm: 2 * step });
    }
    runs.recordMetrics(one, 3, { 'eval/loss': 0.5 });
    const packed = await call(s, 'compare.runMetrics', { ids: [two, one], names: ['loss', 'eval/loss', 'epoch'] });
    expect(packed.map((p) => p.runId)).toEqual([two, one]);
    // Values travel as Float32: exact to 7 significant digits.
    const f = (xs: number[]) => xs.map(Math.fround);
    const first = decodeRunMetrics(packed[1]!);
    expect(first).toEqual({
      loss: { steps: [1, 2, 3], values: f([1, 1 / 2, 1 / 3]) },
      'eval/loss': { steps: [3], values: [0.5] },
      epoch: { steps: [1, 2, 3], values: f([1 / 3, 2 / 3, 1]) },
    });
    // Columns logged at every step share one steps array; a held-out column carries its own.
    expect(packed[1]!.columns['loss']!.steps).toBeUndefined();
    expect(packed[1]!.columns['eval/loss']!.steps).toBeDefined();
    expect(first['loss']!.steps).toBe(first['epoch']!.steps);
    expect(decodeRunMetrics(packed[0]!)).toEqual({ loss: { steps: [1, 2, 3], values: f([2, 1, 2 / 3]) } });
  });

  it('packs a large run in a fraction of the JSON its numbers would be', async () => {
    const { s, runs, ids } = withRuns();
    runs.transaction(() => {
      for (let step = 1; step <= 2000; step++) runs.recordMetrics(ids[0], step, { loss: Math.exp(-step / 700) + 0.01 * Math.sin(step) });
    });
    const [packed] = await call(s, 'compare.runMetrics', { ids: [ids[0]], names: ['loss'] });
    const decoded = decodeRunMetrics(packed!);
    expect(decoded['loss']!.steps).toHaveLength(2000);
    expect(decoded['loss']!.values[999]).toBeCloseTo(Math.exp(-1000 / 700) + 0.01 * Math.sin(1000), 6);
    const asJson = JSON.stringify(await call(s, 'runs.metrics', { id: ids[0] }));
    expect(JSON.stringify(packed).length).toBeLessThan(asJson.length / 2);
  });

  it('sends evenly spaced steps as their range, and any others as a list', async () => {
    const { s, runs, ids } = withRuns();
    for (const step of [2, 4, 6, 8]) runs.recordMetrics(ids[0], step, { loss: step, 'eval/loss': step / 2 });
    for (const step of [1, 2, 5]) runs.recordMetrics(ids[1], step, { loss: step });
    const [strided, irregular] = await call(s, 'compare.runMetrics', { ids, names: ['loss'] });
    expect(strided!.steps).toEqual({ first: 2, stride: 2, count: 4 });
    expect(decodeRunMetrics(strided!)['loss']!.steps).toEqual([2, 4, 6, 8]);
    expect(typeof irregular!.steps).toBe('string');
    expect(decodeRunMetrics(irregular!)['loss']!.steps).toEqual([1, 2, 5]);
    // A single step and no step at all are ranges too.
    expect(packSteps([7], () => 'list')).toEqual({ first: 7, stride: 1, count: 1 });
    expect(packSteps([], () => 'list')).toEqual({ first: 0, stride: 1, count: 0 });
    // Decreasing or repeated steps are not a range.
    expect(packSteps([3, 2, 1], () => 'list')).toBe('list');
    expect(packSteps([1, 1], () => 'list')).toBe('list');
  });

  it('names the runs that do not exist', async () => {
    const { s, ids } = withRuns();
    await expect(call(s, 'compare.runMetrics', { ids: [ids[0], 77, 78], names: ['loss'] })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'No run #77, #78.',
    });
  });
});

describe('packed metric columns (run_metric_columns)', () => {
  const copies = (runId: number) =>
    stores!.db.prepare('SELECT name FROM run_metric_columns WHERE run_id = ? ORDER BY name').pluck().all(runId) as string[];
  const loss = async (s: Studio, id: number) =>
    decodeRunMetrics((await call(s, 'compare.runMetrics', { ids: [id], names: ['loss'] }))[0]!)['loss'];

  it('reads a finished run’s column from its copy, which any write to the column discards, so reads always equal the rows', async () => {
    const { s, runs, ids } = withRuns();
    const [one] = ids;
    for (const step of [1, 2, 3]) runs.recordMetrics(one, step, { loss: step, grad_norm: step });
    expect(copies(one)).toEqual([]);
    const rows = await call(s, 'compare.runMetrics', { ids: [one], names: ['loss', 'grad_norm'] });
    expect(copies(one)).toEqual(['grad_norm', 'loss']);
    // From the copies: the same answer, byte for byte.
    expect(await call(s, 'compare.runMetrics', { ids: [one], names: ['loss', 'grad_norm'] })).toEqual(rows);
    // A new step (a resumed run, a TRL re-import) discards that column's copy only; the next read has the step.
    runs.recordMetrics(one, 4, { loss: 4 });
    expect(copies(one)).toEqual(['grad_norm']);
    expect(await loss(s, one)).toEqual({ steps: [1, 2, 3, 4], values: [1, 2, 3, 4] });
    expect(copies(one)).toEqual(['grad_norm', 'loss']);
    // A step logged again (a resume from an earlier checkpoint replaces the rows after it) is read again too.
    runs.recordMetrics(one, 2, { loss: 9 });
    expect(await loss(s, one)).toEqual({ steps: [1, 2, 3, 4], values: [1, 9, 3, 4] });
    // Rows deleted (with their run, or by hand) take the copy with them.
    stores!.db.prepare("DELETE FROM run_metrics WHERE run_id = ? AND name = 'loss' AND step = 4").run(one);
    expect(copies(one)).toEqual(['grad_norm']);
    expect(await loss(s, one)).toEqual({ steps: [1, 2, 3], values: [1, 9, 3] });
  });

  it('makes no copy of a training run’s columns, nor on a read-only connection, nor while another connection writes — and still answers at once', async () => {
    const { s, runs, ids } = withRuns();
    const [one, two] = ids;
    for (const id of ids) for (const step of [1, 2]) runs.recordMetrics(id, step, { loss: step });
    // Run one is training: its job is running.
    const job = stores!.jobs.create({ kind: 'train', title: 'train one', lane: 'gpu', params: null });
    stores!.jobs.transition(job.id, 'running');
    stores!.db.prepare('UPDATE runs SET job_id = ? WHERE id = ?').run(job.id, one);
    expect(await loss(s, one)).toEqual({ steps: [1, 2], values: [1, 2] });
    expect(copies(one)).toEqual([]);
    // A read-only connection (a job's worker) reads the rows and writes nothing.
    const readonly = openDatabase(stores!.db.name, { readonly: true });
    try {
      expect(new CompareStore(readonly).series(two, ['loss'])).toEqual({ loss: { steps: [1, 2], values: [1, 2] } });
    } finally {
      readonly.close();
    }
    expect(copies(two)).toEqual([]);
    // Another connection holds the write lock: the read answers without waiting for it, and copies later.
    stores!.db.prepare('BEGIN IMMEDIATE').run();
    try {
      const started = performance.now();
      expect(await loss(s, two)).toEqual({ steps: [1, 2], values: [1, 2] });
      expect(performance.now() - started).toBeLessThan(2000); // the connection's busy timeout is 5 s
    } finally {
      stores!.db.prepare('COMMIT').run();
    }
    expect(copies(two)).toEqual([]);
    await loss(s, two);
    expect(copies(two)).toEqual(['loss']);
  });
});

describe('the Compare page’s batched metric reads', () => {
  it('sends the columns asked for in the same turn as one call per metric, in the order first asked; a run the workspace lacks costs only itself', async () => {
    const { s, runs, ids } = withRuns();
    for (const step of [1, 2]) {
      runs.recordMetrics(ids[0], step, { loss: step / 4, 'eval/loss': step });
      runs.recordMetrics(ids[1], step, { loss: step / 2 });
    }
    const calls: unknown[] = [];
    const transport: StudioTransport = {
      kind: 'http',
      call: (method, args) => {
        calls.push(args);
        return s.dispatch(method, args) as never;
      },
      onEvent: () => () => {},
      fileToPath: () => Promise.reject(new Error('no files here')),
      downloadUrl: () => null,
    };
    const api = createApiClient(transport);
    const [evalOne, one, two, none, evalTwo] = await Promise.all([
      batchedRunColumn(api, ids[0], 'eval/loss'),
      batchedRunColumn(api, ids[0], 'loss'),
      batchedRunColumn(api, ids[1], 'loss'),
      batchedRunColumn(api, 99, 'loss'),
      batchedRunColumn(api, ids[1], 'eval/loss'),
    ]);
    expect(one).toEqual({ steps: [1, 2], values: [0.25, 0.5] });
    expect(two).toEqual({ steps: [1, 2], values: [0.5, 1] });
    expect(none).toBeNull();
    expect(evalOne).toEqual({ steps: [1, 2], values: [1, 2] });
    // A run that has not logged the metric has no column.
    expect(evalTwo).toBeNull();
    // One call per metric, eval/loss first (asked first); the missing run named in loss's answer, the other two asked again.
    expect(calls).toEqual([
      { ids: [ids[0], ids[1]], names: ['eval/loss'] },
      { ids: [ids[0], ids[1], 99], names: ['loss'] },
      { ids: [ids[0], ids[1]], names: ['loss'] },
    ]);
    // The next turn is a new batch.
    await batchedRunColumn(api, ids[1], 'loss');
    expect(calls.at(-1)).toEqual({ ids: [ids[1]], names: ['loss'] });
  });
});

describe('compare.evalSummary', () => {
  it('gives each held-out metric its final value and its best: highest for accuracies, lowest for a loss, at the first step reached', async () => {
    const { s, runs, ids } = withRuns();
    const [one, two] = ids;
    const evals: [number, number, number][] = [
      // step, accuracy, loss
      [5, 0.6, 0.7],
      [10, 0.8, 0.5],
      [15, 0.8, 0.55],
      [20, 0.7, 0.6],
    ];
    for (const [step, acc, loss] of evals) runs.recordMetrics(one, step, { 'eval/logp_accuracy': acc, 'eval/loss': loss, loss: 9 });
    const summary = await call(s, 'compare.evalSummary', {});
    expect(summary).toEqual([
      {
        runId: one,
        metrics: {
          'eval/logp_accuracy': { final: 0.7, finalStep: 20, best: 0.8, bestStep: 10 },
          'eval/loss': { final: 0.6, finalStep: 20, best: 0.5, bestStep: 10 },
        },
      },
    ]);
    // A run with no evaluation yet has no entry (its table cells stay empty).
    expect(summary.some((r) => r.runId === two)).toBe(false);
  });
});
