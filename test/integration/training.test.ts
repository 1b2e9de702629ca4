/**
 * Training runs end to end on a real workspace: the studio's supervisor
 * forks a real worker process that loads a real HF folder (the tiny Llama
 * fixture), reads the demo snapshot from the SQLite file and trains. A clean
 * run is the yardstick; a run whose worker is killed with SIGKILL (and whose
 * newest checkpoint is then corrupted) and a paused run must, once resumed,
 * record the same curve: every step once, the same values. Those runs read a
 * small demo's snapshot (test/helpers/small-demo.ts: its reference log-probs
 * and held-out evaluations cover 160 and ~40 pairs, not 1000 and 274); the
 * demo run with the launcher's defaults, whose point is the demo's numbers,
 * runs on a workspace of its own with the whole demo.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricSeries, Run } from '../../shared/runs';
import { createStudio, type Studio } from '../../main/core/studio';
import { jobSettled } from '../../main/core/client';
import { withStores } from '../helpers/workspace';
import { ETA_WARMUP_STEPS, runSchedule, stepsPerEpoch, timeLeft } from '../../shared/training';
import { REPO_ROOT, STUDIO_BIN } from '../helpers/serve';
import { smallDemoAssets } from '../helpers/small-demo';
import { tempDir } from '../helpers/tmp';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'models', 'tiny-llama');
const STEPS = 20;
const CONFIG = {
  maxSteps: STEPS,
  microBatchSize: 4,
  gradAccumulation: 1,
  maxLength: 64,
  maxPromptLength: 48,
  evalEvery: 10,
  checkpointEvery: 5,
  keepCheckpoints: 5,
  optimizer: { lr: 5e-3 },
};

let studio: Studio;
let workspaceDir = '';
/** The small demo's assets of the first workspace; undefined for the second (the app's own). */
let assetsDir: string | undefined;
let cleanup = () => {};
let modelId = 0;
let snapshotId = 0;

async function call<T>(method: string, args: unknown): Promise<T> {
  const res = await studio.dispatch(method, args);
  if (!res.ok) throw new Error(`${method}: ${res.error.message}`);
  return res.value as T;
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

const getRun = (id: number) => call<Run>('runs.get', { id });
const settle = async (run: Run) => {
  await jobSettled(studio, run.jobId);
  return getRun(run.id);
};
const logsOf = async (run: Run) => (await call<{ message: string }[]>('jobs.logs', { id: run.jobId, limit: 5000 })).map((l) => l.message);
/** The worker process of a run's job, from its row (no contract method reports it). */
const workerPid = (run: Run) =>
  withStores(workspaceDir, ({ db }) => db.prepare('SELECT worker_pid FROM jobs WHERE id = ?').pluck().get(run.jobId) as number | null);

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  workspaceDir = join(t.dir, 'ws');
  assetsDir = smallDemoAssets(t.dir);
  studio = createStudio({ workspaceDir, assetsDir });
  await studio.seedDemo();
  modelId = (await call<{ id: number }>('models.register', { path: FIXTURE })).id;
  snapshotId = (await call<{ id: number }[]>('snapshots.list', {}))[0]!.id;
});

afterAll(async () => {
  await studio?.close();
  cleanup();
});

describe('training runs in a real worker process', () => {
  let clean: Run;
  let cleanSeries: MetricSeries;

  it('trains, records every step, evaluates, checkpoints, exports and caches the reference log-probs', async () => {
    const estimate = await call<{ issues: unknown[]; totalSteps: number; needsReference: boolean; referenceCached: boolean }>(
      'runs.estimate',
      {
        snapshotId,
        modelId,
        config: CONFIG,
      },
    );
    expect(estimate).toMatchObject({ issues: [], totalSteps: STEPS, needsReference: true, referenceCached: false });

    clean = await settle(await call<Run>('runs.create', { name: 'clean', snapshotId, modelId, config: CONFIG }));
    expect(clean.status).toBe('succeeded');
    expect(clean.step).toBe(STEPS);
    expect(clean.modelHash).toMatch(/^[0-9a-f]{64}$/);
    expect(clean.backend).toMatch(/^(wasm|cpu|node|node-gpu)$/);

    cleanSeries = await call<MetricSeries>('runs.metrics', { id: clean.id });
    const loss = cleanSeries['loss']!;
    expect(loss.steps).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // The synthetic task is learnable: the loss falls.
    expect(mean(loss.values.slice(-5))).toBeLessThan(mean(loss.values.slice(0, 5)));
    for (const name of [
      'rewards/chosen',
      'rewards/rejected',
      'rewards/margins',
      'rewards/accuracies',
      'logps/chosen',
      'mmpo/weight_chosen',
      'grad_norm',
      'learning_rate',
    ]) {
      expect(cleanSeries[name]?.steps.length, name).toBe(STEPS);
    }
    expect(cleanSeries['eval/logp_accuracy']?.steps).toEqual([10, 20]);
    expect(cleanSeries['eval/reward_accuracy']?.steps).toEqual([10, 20]);

    const weights = await call<{ step: number; weights: number[] }>('runs.weights', { id: clean.id });
    expect(weights.step).toBe(STEPS);
    expect(weights.weights).toHaveLength(4);

    const checkpoints = await call<{ step: number; bytes: number }[]>('runs.checkpoints', { id: clean.id });
    expect(checkpoints.map((c) => c.step)).toEqual([20, 15, 10, 5]);
    expect(checkpoints.every((c) => c.bytes > 0)).toBe(true);

    const models = await call<{ origin: string; path: string }[]>('models.list', {});
    expect(models.some((m) => m.origin === 'run' && m.path === join(clean.dir, 'model'))).toBe(true);
    expect((await fs.stat(join(clean.dir, 'model', 'model.safetensors'))).size).toBeGreaterThan(100_000);

    const again = await call<{ referenceCached: boolean }>('runs.estimate', { snapshotId, modelId, config: CONFIG });
    expect(again.referenceCached).toBe(true);
  });

  it('resumes after kill -9 from the last valid checkpoint, skipping a corrupted one, with a continuous curve', async () => {
    const run = await call<Run>('runs.rerun', { id: clean.id });
    expect(run.rerunOf).toBe(clean.id);
    // Killed after the checkpoint at step 10 and at least one more step.
    await waitFor('step 11 after the checkpoint at 10', async () => {
      const r = await getRun(run.id);
      const cps = await call<{ step: number }[]>('runs.checkpoints', { id: run.id });
      return r.step >= 11 && r.step < STEPS && cps.some((c) => c.step === 10) ? true : undefined;
    });
    const pid = workerPid(run);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    const interrupted = await settle(run);
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.error?.code).toBe('WORKER_CRASHED');

    // Damage the newest checkpoint: its manifest no longer matches.
    const newest = join(run.dir, 'checkpoint-00000010', 'optimizer.bin');
    const bytes = await fs.readFile(newest);
    bytes[0] = bytes[0]! ^ 0xff;
    await fs.writeFile(newest, bytes);
    // What the worker leaves when killed in the middle of writing a checkpoint; a live writer's temp folder stays.
    const halfWritten = join(run.dir, `checkpoint-00000015.tmp-${pid}-${Date.now()}`);
    const liveWriter = join(run.dir, `checkpoint-00000016.tmp-${process.pid}-${Date.now()}`);
    for (const dir of [halfWritten, liveWriter]) {
      await fs.mkdir(join(dir, 'model'), { recursive: true });
      await fs.writeFile(join(dir, 'model', 'model.safetensors'), 'half');
    }

    await call<Run>('runs.resume', { id: run.id });
    const done = await settle(run);
    expect(done.status).toBe('succeeded');
    const logs = await logsOf(run);
    expect(logs.some((l) => /Reusing cached reference log-probs/.test(l))).toBe(true);
    expect(logs.some((l) => /Skipping checkpoint .*checkpoint-00000010/.test(l))).toBe(true);
    expect(logs.some((l) => /Resumed from .*checkpoint-00000005 at step 5/.test(l))).toBe(true);
    expect(await fs.stat(halfWritten).catch(() => null), "the dead worker's half-written checkpoint").toBeNull();
    expect(logs.some((l) => l.includes(`Removed ${basename(halfWritten)}`))).toBe(true);
    expect((await fs.stat(liveWriter)).isDirectory()).toBe(true);

    const series = await call<MetricSeries>('runs.metrics', { id: run.id });
    expect(series['loss']!.steps).toEqual(cleanSeries['loss']!.steps);
    series['loss']!.values.forEach((v, i) => expect(v).toBeCloseTo(cleanSeries['loss']!.values[i]!, 3));
    expect(series['eval/logp_accuracy']!.values).toEqual(cleanSeries['eval/logp_accuracy']!.values);
  });

  it('pauses at a checkpoint and continues the same curve on resume', async () => {
    const run = await call<Run>('runs.create', { name: 'paused', snapshotId, modelId, config: CONFIG });
    await waitFor('a few steps', async () => ((await getRun(run.id)).step >= 3 ? true : undefined));
    // One training run at a time on the device: a second one waits and says why.
    const waiting = await call<Run>('runs.create', { name: 'waiting', snapshotId, modelId, config: CONFIG });
    expect(waiting.status).toBe('queued');
    expect(waiting.queueReason).toMatch(/device lane runs 1 job at a time/);
    expect((await call<Run>('runs.cancel', { id: waiting.id })).status).toBe('cancelled');
    await call<Run>('runs.pause', { id: run.id });
    const paused = await settle(run);
    expect(paused.status).toBe('paused');
    expect(paused.step).toBeLessThan(STEPS);
    const checkpoints = await call<{ step: number }[]>('runs.checkpoints', { id: run.id });
    expect(checkpoints[0]!.step).toBe(paused.step);

    const resumed = await call<Run>('runs.resume', { id: run.id });
    expect(['queued', 'running']).toContain(resumed.status);
    const done = await settle(run);
    expect(done.status).toBe('succeeded');
    const series = await call<MetricSeries>('runs.metrics', { id: run.id });
    expect(series['loss']!.steps).toEqual(cleanSeries['loss']!.steps);
    series['loss']!.values.forEach((v, i) => expect(v).toBeCloseTo(cleanSeries['loss']!.values[i]!, 3));
  });

  it('pauses a running run at a checkpoint when the studio closes, so quitting loses no steps', async () => {
    const run = await call<Run>('runs.create', { name: 'quit', snapshotId, modelId, config: CONFIG });
    await waitFor('a step', async () => ((await getRun(run.id)).step >= 2 ? true : undefined));
    await studio.close({ pauseGraceMs: 30_000 });
    studio = createStudio({ workspaceDir, assetsDir });
    const after = await getRun(run.id);
    expect(after.status).toBe('paused');
    const checkpoints = await call<{ step: number }[]>('runs.checkpoints', { id: run.id });
    expect(checkpoints[0]!.step).toBe(after.step);
    expect((await call<Run>('runs.cancel', { id: run.id })).status).toBe('cancelled');
  });

  it('refuses an invalid run before launching, naming the field', async () => {
    const estimate = await call<{ issues: { path: string }[] }>('runs.estimate', {
      snapshotId,
      modelId,
      config: { ...CONFIG, maxLength: 32, maxPromptLength: 40 },
    });
    expect(estimate.issues.map((i) => i.path)).toContain('maxPromptLength');
    const res = await studio.dispatch('runs.create', { snapshotId, modelId, config: { ...CONFIG, maxPromptLength: 64 } });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.message).toMatch(/maxPromptLength/);
  });
});

describe("the demo run with the launcher's defaults", () => {
  // The whole demo (1000 pairs, 274 held out), on a workspace of its own beside the first.
  beforeAll(async () => {
    await studio.close();
    workspaceDir = join(workspaceDir, '..', 'ws-demo');
    assetsDir = undefined;
    studio = createStudio({ workspaceDir });
    await studio.seedDemo();
    snapshotId = (await call<{ id: number }[]>('snapshots.list', {}))[0]!.id;
  });

  // Wall-clock estimates meet the machine's load: on CI's two cores another test file runs beside this one, and a
  // swing in load between the estimate (a quarter in) and the end moved the ratio to 1.8× once. A retry tells such a
  // swing from a bad estimator, which fails every attempt (the old tokens/s basis was 2–3× off on every run).
  it(
    'lifts held-out accuracy from ~0.6 to ~0.77 in its 32 steps without the held-out loss rising, and its time left, once warmed up, is within 1.5× of the time it took',
    { retry: 2 },
    async () => {
      const demo = (await studio.demoModel())!;
      const defaults = await call<Record<string, unknown>>('runs.defaults', { modelId: demo.id });
      expect(defaults).toMatchObject({ epochs: 1, maxSteps: 32 });

      // When each step's metrics reached the studio, and the progress lines the run page shows.
      const arrived = new Map<number, number>();
      const progress: string[] = [];
      let finishedAt = 0;
      const off = studio.events.subscribe((e) => {
        if (e.type === 'run.metrics' && e.points.some((p) => p.name === 'loss')) arrived.set(e.points[0]!.step, performance.now());
        if (e.type === 'job.updated' && e.job.kind === 'train' && e.job.progressMessage) progress.push(e.job.progressMessage);
        if (e.type === 'job.updated' && e.job.kind === 'train' && e.job.status === 'succeeded') finishedAt ||= performance.now();
      });
      let run: Run;
      try {
        // Without the defaults' suite: its evaluations queue behind the run (run-evals.test.ts) and are not what is
        // measured here, but they would take the device from a retry's run and the CPU from the CLI export below.
        const config = { ...defaults, evalSuite: null };
        run = await settle(await call<Run>('runs.create', { name: 'demo defaults', snapshotId, modelId: demo.id, config }));
      } finally {
        off();
      }
      expect(run.status).toBe('succeeded');
      const total = run.totalSteps;
      expect(total).toBe(32);
      expect(total).toBeLessThan(Math.ceil(run.trainPairs / 8));

      // Item 15 (re-tuned for issue 19's 1000-pair demo): a third of an epoch is enough (the shipped model starts at
      // 0.60 on the 274 test pairs; measured 0.77 here, where accuracy levels off), and it does not overfit.
      const series = await call<MetricSeries>('runs.metrics', { id: run.id });
      expect(series['eval/logp_accuracy']!.values.at(-1)).toBeGreaterThanOrEqual(0.72);
      const diagnostics = await call<{ code: string }[]>('runs.diagnostics', { id: run.id });
      expect(diagnostics.map((d) => d.code)).not.toContain('eval_loss_rising');

      // Item 14: the estimate the worker reports after warm-up and the first evaluation (a third of the run), against the
      // time the rest took (the remaining steps, evaluations, checkpoints and the export, to the job's end). An
      // evaluation of the demo's 274 test pairs costs about three steps, and is priced as one step until one is measured
      // (step 9 carries the one after step 8): at a quarter of the 32 steps the estimate was 0.70× of the time taken.
      const stepSeconds = series['step_seconds']!;
      expect(stepSeconds.steps).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      const at = Math.max(ETA_WARMUP_STEPS + 3, Math.round(total / 3));
      const schedule = runSchedule(run.config, {
        totalSteps: total,
        stepsPerEpoch: stepsPerEpoch(run.trainPairs, run.config),
        testPairs: run.testPairs,
      });
      const left = timeLeft(stepSeconds.values.slice(0, at), 1, schedule)!;
      const actual = (finishedAt - arrived.get(at)!) / 1000;
      expect(
        left.seconds / actual,
        `estimated ${left.seconds.toFixed(1)} s left at step ${at}, took ${actual.toFixed(1)} s`,
      ).toBeGreaterThan(1 / 1.5);
      expect(left.seconds / actual).toBeLessThan(1.5);
      expect(
        progress.some((m) => new RegExp(`^Step \\d+ of ${total} · .*about \\d+ s left \\(\\d+ s–\\d+ s\\)$`).test(m)),
        progress.slice(-3).join(' | '),
      ).toBe(true);

      // The launcher's next estimate for the same run uses that measured pace: within 1.5× of an epoch's wall-clock time
      // at it (the run is a third of an epoch: its seconds per step times the steps of one).
      const estimate = await call<{ secondsPerEpoch: number; secondsPerEpochRange: [number, number]; timeBasis: string }>('runs.estimate', {
        snapshotId,
        modelId: demo.id,
        config: defaults,
      });
      const epochSeconds = (stepSeconds.values.reduce((a, b) => a + b, 0) / total) * stepsPerEpoch(run.trainPairs, run.config);
      expect(estimate.timeBasis).toMatch(/^measured/);
      expect(
        estimate.secondsPerEpoch / epochSeconds,
        `estimated ${estimate.secondsPerEpoch.toFixed(1)} s per epoch, took ${epochSeconds.toFixed(1)} s`,
      ).toBeGreaterThan(1 / 1.5);
      expect(estimate.secondsPerEpoch / epochSeconds).toBeLessThan(1.5);
      // Item 25: its metrics exported under TRL's names, by the contract (the run page's button) and by the CLI.
      const csv = await call<{ path: string; rows: number; downloadName: string }>('runs.exportMetrics', { id: run.id, format: 'csv' });
      expect(csv.rows).toBe(total);
      expect(csv.downloadName).toMatch(/^run-\d+-demo-defaults-metrics\.csv$/);
      const header = (await fs.readFile(csv.path, 'utf8')).split('\n')[0]!.split(',');
      for (const name of [
        'step',
        'epoch',
        'loss',
        'rewards/accuracies',
        'rewards/margins',
        'logps/chosen',
        'mmpo/weight_chosen',
        'eval_loss',
        'eval_rewards/accuracies',
        'eval_logps/accuracies',
      ])
        expect(header).toContain(name);
      expect(header.some((c) => c.startsWith('eval/'))).toBe(false);
      const cli = spawnSync(
        process.execPath,
        [STUDIO_BIN, 'runs', 'export', String(run.id), '--format', 'json', '--workspace', workspaceDir],
        { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 },
      );
      expect(cli.status, cli.stderr).toBe(0);
      const state = JSON.parse(cli.stdout) as { max_steps: number; log_history: Record<string, number>[] };
      expect(state.max_steps).toBe(total);
      expect(state.log_history.filter((e) => 'loss' in e)).toHaveLength(total);
      const lastEval = state.log_history.findLast((e) => 'eval_rewards/accuracies' in e)!;
      expect(lastEval).toMatchObject({ step: total, eval_loss: series['eval/loss']!.values.at(-1) });

      console.log(
        `demo run: ${total} steps; at step ${at} ${left.seconds.toFixed(1)} s left estimated (${left.low.toFixed(1)}–${left.high.toFixed(1)}), ${actual.toFixed(1)} s taken; launcher ${estimate.secondsPerEpoch.toFixed(1)} s/epoch vs ${epochSeconds.toFixed(1)} s`,
      );
    },
  );
});
