/**
 * Evaluation during training (issue 14 items 7 and 11) on a fresh demo
 * workspace with real workers: a run whose `evalSuite` is "demo" gets an
 * `eval` job for its starting model (step 0) and for each scheduled
 * checkpoint, queued behind it on the device lane and linked to the run and
 * step; a full fine-tune's checkpoint evaluations on the demo test split give
 * the held-out log-prob accuracy the trainer logged at those steps; a paused
 * and resumed run is evaluated at the same steps, each once; an unknown suite
 * is refused before launch. Both workspaces hold a small demo
 * (test/helpers/small-demo.ts, 80 pairs): the suite is the demo suite, on its
 * 18 held-out pairs and prompts (and, in the studio here, 50 questions and 50
 * sentences), so each of the file's evaluations takes seconds.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalResult } from '../../shared/evals';
import type { MetricSeries, Run, RunEvalPoint } from '../../shared/runs';
import { call, jobSettled } from '../../main/core/client';
import { createStudio, type Studio } from '../../main/core/studio';
import { REPO_ROOT, STUDIO_BIN } from '../helpers/serve';
import { seedSmallDemo, smallDemoAssets } from '../helpers/small-demo';
import { tempDir } from '../helpers/tmp';

let studio: Studio;
let modelId = 0;
let snapshotId = 0;
const t = tempDir();
/** The demo, small: its suite's every item, on less data. */
let assetsDir = '';

beforeAll(async () => {
  assetsDir = smallDemoAssets(t.dir, { pairs: 80, questions: 50, sentences: 50 });
  studio = createStudio({ workspaceDir: join(t.dir, 'ws'), assetsDir });
  await studio.seedDemo();
  modelId = (await studio.demoModel())!.id;
  snapshotId = (await call(studio, 'snapshots.list', {}))[0]!.id;
});

afterAll(async () => {
  await studio?.close();
  t.cleanup();
});

/** Six steps of the demo's MMPO run (full fine-tuning), a checkpoint and a held-out evaluation every three, the demo suite on. */
const CONFIG = {
  maxSteps: 6,
  evalEvery: 3,
  checkpointEvery: 3,
  checkpointEachEpoch: false,
  keepCheckpoints: 5,
  microBatchSize: 8,
  maxLength: 128,
  maxPromptLength: 96,
  evalSuite: 'demo',
};

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 540_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The run's evaluation points once the run has ended and every eval job it queued has ended too. */
async function settledEvals(run: Run, steps: number): Promise<RunEvalPoint[]> {
  await jobSettled(studio, run.jobId);
  const points = await waitFor('the run to queue its evaluations', async () => {
    const p = await call(studio, 'runs.evals', { id: run.id });
    return p.length >= steps ? p : undefined;
  });
  for (const p of points) await jobSettled(studio, p.jobId);
  return call(studio, 'runs.evals', { id: run.id });
}

/** Training plus the (small) demo suite (preference, questions, perplexity, win rate) three times, on a shared two-core machine. */
const SLOW = 600_000;

const byKind = (results: EvalResult[], kind: string) => results.find((r) => r.kind === kind)!;

describe('a run with an eval suite', () => {
  let first: Run;

  it(
    'evaluates its starting model and each checkpoint on the suite, linked to the run and step',
    async () => {
      first = await call(studio, 'runs.create', { name: 'with evals', snapshotId, modelId, config: CONFIG });
      expect(first.config.evalSuite).toBe('demo');
      const points = await settledEvals(first, 3);
      const run = await call(studio, 'runs.get', { id: first.id });
      expect(run.status).toBe('succeeded');

      expect(points.map((p) => [p.step, p.suite, p.status])).toEqual([
        [0, 'demo', 'succeeded'],
        [3, 'demo', 'succeeded'],
        [6, 'demo', 'succeeded'],
      ]);
      for (const p of points) {
        expect(
          p.results.map((r) => r.kind),
          `step ${p.step}`,
        ).toEqual(expect.arrayContaining(['multiple-choice', 'perplexity', 'preference']));
        // Scored for this run at this step: the stored results say so.
        for (const r of p.results) expect([r.runId, r.runStep, r.jobId]).toEqual([run.id, p.step, p.jobId]);
        expect(byKind(p.results, 'multiple-choice').metrics['acc']).toBeGreaterThan(0);
        expect(byKind(p.results, 'perplexity').metrics['perplexity']).toBeGreaterThan(1);
      }
      // Step 0 is the starting model with no reference (every reward would be 0); checkpoints have rewards/* against it.
      expect(Object.keys(byKind(points[0]!.results, 'preference').metrics).some((k) => k.startsWith('rewards/'))).toBe(false);
      expect(byKind(points[1]!.results, 'preference').metrics['rewards/accuracies']).toBeTypeOf('number');

      // The eval jobs queued behind the run: none started before training ended.
      const jobs = await Promise.all(points.map((p) => call(studio, 'jobs.get', { id: p.jobId })));
      const trainJob = await call(studio, 'jobs.get', { id: run.jobId });
      for (const job of jobs) expect(job.startedAt!).toBeGreaterThanOrEqual(trainJob.finishedAt!);
      const log = (await call(studio, 'jobs.logs', { id: run.jobId, limit: 5000 })).map((l) => l.message);
      expect(log.filter((l) => l.startsWith('Queued evaluation of step '))).toHaveLength(3);
    },
    SLOW,
  );

  it("gives, for a full fine-tune's checkpoints, the held-out log-prob accuracy the trainer logged at those steps (item 11)", async () => {
    const points = await call(studio, 'runs.evals', { id: first.id });
    const series: MetricSeries = await call(studio, 'runs.metrics', { id: first.id });
    const logged = series['eval/logp_accuracy']!;
    expect(first.config.lora).toBeNull();
    for (const step of [3, 6]) {
      const pref = byKind(points.find((p) => p.step === step)!.results, 'preference');
      expect(pref.label).toContain('(test)');
      expect(pref.metrics['logps/accuracies'], `step ${step}`).toBeCloseTo(logged.values[logged.steps.indexOf(step)]!, 10);
    }
    // Training moved the model: the checkpoints' numbers are not the starting model's.
    const start = byKind(points[0]!.results, 'perplexity').metrics['perplexity'];
    expect(byKind(points[2]!.results, 'perplexity').metrics['perplexity']).not.toBe(start);
  });

  it(
    'evaluates a paused and resumed run at the same steps, each once, and serves its unchanged step 0 from the cache',
    async () => {
      const run: Run = await call(studio, 'runs.create', { name: 'paused', snapshotId, modelId, config: CONFIG });
      await waitFor('the first step', async () => ((await call(studio, 'runs.get', { id: run.id })).step >= 1 ? true : undefined));
      await call(studio, 'runs.pause', { id: run.id });
      const paused = await jobSettled(studio, run.jobId);
      expect(paused.status).toBe('paused');
      const pausedAt = (await call(studio, 'runs.get', { id: run.id })).step;
      // While the run is paused the device is free: its queued evaluations run then.
      await call(studio, 'runs.resume', { id: run.id });
      const points = await settledEvals(run, 3);
      expect((await call(studio, 'runs.get', { id: run.id })).status).toBe('succeeded');
      // The resumed run reported its checkpoints again (and the pause wrote one at step pausedAt): still one eval per scheduled step.
      expect(points.map((p) => p.step)).toEqual([0, 3, 6]);
      expect(points.every((p) => p.status === 'succeeded')).toBe(true);
      expect(pausedAt).toBeLessThan(6);
      // Step 0 is the same model, data and settings as the first run's: every item from the cache, stored under that run.
      const step0 = await call(studio, 'jobs.get', { id: points[0]!.jobId });
      expect((step0.result as { scored: number }).scored).toBe(0);
      expect(points[0]!.results.length).toBeGreaterThanOrEqual(3);
      expect(points[0]!.results.every((r) => r.runId === first.id)).toBe(true);
    },
    SLOW,
  );

  it(
    'queues an evaluation that a closed studio interrupted again at the next start',
    async () => {
      // Another tokenization than the runs above, so step 0 is scored (not served from the cache) and can be caught running.
      const config = { ...CONFIG, maxSteps: 3, maxLength: 120 };
      const run: Run = await call(studio, 'runs.create', { name: 'restarted', snapshotId, modelId, config });
      const running = await waitFor('an evaluation to run', async () =>
        (await call(studio, 'runs.evals', { id: run.id })).find((p) => p.status === 'running'),
      );
      await studio.close();
      studio = createStudio({ workspaceDir: join(t.dir, 'ws'), assetsDir });
      const points = await settledEvals(run, 2);
      expect(points.map((p) => [p.step, p.status])).toEqual([
        [0, 'succeeded'],
        [3, 'succeeded'],
      ]);
      const job = await call(studio, 'jobs.get', { id: running.jobId });
      expect(job.attempt).toBe(2);
      const log = (await call(studio, 'jobs.logs', { id: run.jobId, limit: 5000 })).map((l) => l.message);
      expect(log).toContain(`Queued the evaluation job #${running.jobId} again: the studio had stopped while it ran.`);
    },
    SLOW,
  );

  it('refuses a suite that does not exist before the run starts, naming the field', async () => {
    const estimate = await call(studio, 'runs.estimate', { snapshotId, modelId, config: { ...CONFIG, evalSuite: 'nope' } });
    expect(estimate.issues).toContainEqual({ path: 'evalSuite', message: 'There is no suite "nope" (known: "demo").' });
    await expect(call(studio, 'runs.create', { snapshotId, modelId, config: { ...CONFIG, evalSuite: 'nope' } })).rejects.toThrow(
      /evalSuite: There is no suite "nope"/,
    );
  });

  it(
    'studio train on the demo model waits for its evaluations and prints them (the demo defaults evaluate on "demo")',
    async () => {
      await seedSmallDemo(join(t.dir, 'cli-ws'), { pairs: 80 });
      const file = join(t.dir, 'run.json');
      writeFileSync(
        file,
        JSON.stringify({ dataset: 'Demo: rule following', model: 'demo', config: { maxSteps: 2, evalEvery: 2, checkpointEvery: 2 } }),
      );
      const child = spawn(process.execPath, [STUDIO_BIN, 'train', '--config', file, '--json', '--workspace', join(t.dir, 'cli-ws')], {
        cwd: REPO_ROOT,
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code, err).toBe(0);
      const lines = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; step?: number; status?: string; results?: EvalResult[] });
      const evals = lines.filter((l) => l.type === 'eval');
      expect(evals.map((e) => [e.step, e.status])).toEqual([
        [0, 'succeeded'],
        [2, 'succeeded'],
      ]);
      expect(evals.every((e) => e.results!.some((r) => r.kind === 'multiple-choice' && typeof r.metrics['acc'] === 'number'))).toBe(true);
      // The finished run comes last, after its evaluations.
      expect(lines.at(-1)!.type).toBe('run');
    },
    SLOW,
  );
});
