/**
 * The paper in miniature (issue 19) end to end, with real workers on a fresh
 * demo workspace: `studio sweep --quick` as a real process runs the quick
 * grid (MMPO and DPO × β 0.01 and 0.5 × one seed; cut to 2 steps a run for
 * CI through the sweep file's shared config) with the demo suite at step 0
 * and the checkpoint (on a workspace seeded with a small demo, 80 pairs of
 * which 18 are held out: test/helpers/small-demo.ts), and writes the table, the
 * figure and the results; and
 * an experiment paused as a whole holds its queued run, stops its running
 * one at a checkpoint, resumes and cancels as one.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SWEEP } from '../../shared/experiments';
import type { Experiment } from '../../shared/experiments';
import type { ExperimentResults } from '../../shared/experiment-report';
import { call, jobSettled } from '../../main/core/client';
import { createStudio, type Studio } from '../../main/core/studio';
import { REPO_ROOT, STUDIO_BIN, waitFor } from '../helpers/serve';
import { seedSmallDemo, smallDemoAssets } from '../helpers/small-demo';
import { tempDir } from '../helpers/tmp';

const run = promisify(execFile);
const t = tempDir();
afterAll(() => t.cleanup());

/** Two steps, one checkpoint (evaluated with step 0): the least that still draws a track per run. */
const TINY = { maxSteps: 2, evalEvery: 2, checkpointEvery: 2, checkpointEachEpoch: false, keepCheckpoints: 1, evalSuite: 'demo' };

/** Four runs and eight evaluations of the demo suite on a shared two-core machine. */
const SLOW = 900_000;

describe('studio sweep --quick', () => {
  it(
    'runs the quick grid end to end and writes the table, the figure and the numbers per run and checkpoint',
    async () => {
      await seedSmallDemo(join(t.dir, 'cli-ws'), { pairs: 80 });
      const file = join(t.dir, 'sweep.json');
      writeFileSync(file, JSON.stringify({ ...DEMO_SWEEP, config: { ...DEMO_SWEEP.config, ...TINY } }));
      const out = join(t.dir, 'report');
      const res = await run(
        process.execPath,
        [STUDIO_BIN, 'sweep', '--config', file, '--quick', '--out', out, '--json', '--workspace', join(t.dir, 'cli-ws')],
        { cwd: REPO_ROOT, encoding: 'utf8', timeout: SLOW, maxBuffer: 64 * 1024 * 1024 },
      );
      const lines = res.stdout
        .trim()
        .split('\n')
        .map(
          (l) => JSON.parse(l) as { type: string; experiment?: Experiment; results?: ExperimentResults; files?: Record<string, string> },
        );
      expect(lines.filter((l) => l.type === 'progress').length).toBeGreaterThan(0);
      const last = lines.at(-1)!;
      expect(last.type).toBe('experiment');
      const e = last.experiment!;
      expect(e).toMatchObject({ status: 'succeeded', progress: 1, runs: 4, stepsDone: 8, stepsTotal: 8, evalsDone: 8, evalsPlanned: 8 });
      expect(e.cells.map((c) => c.label)).toEqual(['mmpo β=0.01 seed=1', 'mmpo β=0.5 seed=1', 'dpo β=0.01 seed=1', 'dpo β=0.5 seed=1']);
      expect(e.varying).toEqual(expect.arrayContaining(['objective.objective', 'objective.beta']));
      expect(e.shared).toMatchObject({ seed: 1, maxSteps: 2, evalSuite: 'demo' });

      // The numbers per run and checkpoint, read from the stored evaluations.
      const results = last.results!;
      expect(results.runs.map((r) => [r.objective, r.beta, r.seed, r.status, r.maxSteps])).toEqual([
        ['mmpo', 0.01, 1, 'succeeded', 2],
        ['mmpo', 0.5, 1, 'succeeded', 2],
        ['dpo', 0.01, 1, 'succeeded', 2],
        ['dpo', 0.5, 1, 'succeeded', 2],
      ]);
      for (const r of results.runs) {
        expect(r.checkpoints.map((c) => c.step).sort()).toEqual([0, 2]);
        for (const c of r.checkpoints) {
          for (const m of [c.winRate, c.preferenceAccuracy, c.mcAccuracy]) {
            expect(m?.value).toBeGreaterThanOrEqual(0);
            expect(m?.value).toBeLessThanOrEqual(1);
            expect(m?.low).toBeLessThanOrEqual(m!.value);
            expect(m?.high).toBeGreaterThanOrEqual(m!.value);
            expect(m?.n).toBeGreaterThan(0);
          }
          expect(c.perplexity?.value).toBeGreaterThan(1);
        }
        // Against itself the starting model ties every prompt.
        expect(r.checkpoints.find((c) => c.step === 0)!.winRate!.value).toBe(0.5);
      }
      expect(results.base.measures.mcAccuracy?.n).toBe(results.runs[0]!.checkpoints.find((c) => c.step === 0)!.mcAccuracy!.n);

      // The files: the table with a row per (objective, β), the verdicts, and the figure with a track per run.
      const files = last.files!;
      for (const path of Object.values(files)) expect(existsSync(path), path).toBe(true);
      const md = readFileSync(files['markdown']!, 'utf8');
      for (const row of ['| MMPO | 0.01 |', '| MMPO | 0.5 |', '| DPO | 0.01 |', '| DPO | 0.5 |']) expect(md).toContain(row);
      expect(md).toContain('### Verdicts');
      const svg = readFileSync(files['svg']!, 'utf8');
      expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(svg.match(/class="experiment-legend"/g)).toHaveLength(4);
      const json = JSON.parse(readFileSync(files['json']!, 'utf8')) as { results: ExperimentResults };
      expect(json.results).toEqual(results);
    },
    SLOW,
  );

  it(
    "counts an evaluation started by hand on one of the grid's runs apart, and leaves it out of the report",
    async () => {
      const studio = createStudio({ workspaceDir: join(t.dir, 'cli-ws') });
      try {
        const id = (await call(studio, 'experiments.list', {}))[0]!.id;
        const before = await call(studio, 'experiments.results', { id });
        const first = (await call(studio, 'experiments.get', { id })).cells[0]!;
        const textPath = join(t.dir, 'another-text.txt');
        writeFileSync(textPath, 'Another text entirely, scored on a suite of its own.\n');
        const job = await call(studio, 'evals.start', {
          model: { runId: first.runId, step: 2 },
          suite: { name: 'by hand', items: [{ kind: 'perplexity', textPath }] },
        });
        expect((await jobSettled(studio, job.id)).status).toBe('succeeded');
        // Not 9 / 8: the experiment planned step 0 and step 2 on the demo suite for each run.
        const after = await call(studio, 'experiments.get', { id });
        expect(after).toMatchObject({ status: 'succeeded', evalsDone: 8, evalsPlanned: 8, evalsByHand: 1 });
        expect(after.cells[0]).toMatchObject({ evalsDone: 2, evalsPlanned: 2, evalsByHand: 1 });
        expect(await call(studio, 'experiments.results', { id })).toEqual(before);
      } finally {
        await studio.close();
      }
    },
    SLOW,
  );
});

describe('an experiment as a whole', () => {
  let studio: Studio;
  let snapshotId = 0;
  let modelId = 0;

  beforeAll(async () => {
    // A small demo: the first run computes its reference log-probs on 160 pairs, not 1000, before its first step.
    studio = createStudio({ workspaceDir: join(t.dir, 'ws'), assetsDir: smallDemoAssets(t.dir) });
    await studio.seedDemo();
    modelId = (await studio.demoModel())!.id;
    snapshotId = (await call(studio, 'snapshots.list', {}))[0]!.id;
  });
  afterAll(async () => {
    await studio?.close();
  });

  it('refuses a bad grid before any run exists, naming the setting', async () => {
    await expect(
      call(studio, 'experiments.create', { snapshotId, modelId, vary: { objective: ['dpo', 'sft'], 'objective.beta': [0.1] } }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('vary.objective.beta: objective "sft" has no setting "beta"') as unknown,
    });
    await expect(
      call(studio, 'experiments.create', { snapshotId, modelId, config: { maxLength: 100_000 }, vary: { seed: [1] } }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/^Run 1 of the grid \(seed=1\) cannot start: maxLength: /) as unknown,
    });
    expect(await call(studio, 'runs.list', {})).toEqual([]);
    expect(await call(studio, 'experiments.list', {})).toEqual([]);
  });

  it(
    'pauses (the running run checkpoints, the queued one is held), resumes and cancels every run at once',
    async () => {
      const created = await call(studio, 'experiments.create', {
        name: 'pause test',
        snapshotId,
        modelId,
        // Long enough to be running when paused; no suite, so nothing else queues.
        config: { maxSteps: 200, evalEvery: 0, checkpointEvery: 0, checkpointEachEpoch: false, evalSuite: null },
        vary: { seed: [1, 2] },
      });
      expect(created.cells.map((c) => c.label)).toEqual(['seed=1', 'seed=2']);
      const [first, second] = created.cells.map((c) => c.runId) as [number, number];
      // One cell at a time: the second run is queued, waiting its turn, wherever it is shown — and has no Resume of its own.
      const turn = `Waiting its turn in experiment #${created.id}: it trains one run at a time, each followed by its evaluations, and run #${first} (1 of 2) goes first.`;
      expect(created.cells[1]).toMatchObject({ status: 'queued', queueReason: turn });
      expect(await call(studio, 'runs.get', { id: second })).toMatchObject({ status: 'queued', startedAt: null, queueReason: turn });
      const listed = await run(process.execPath, [STUDIO_BIN, 'runs', '--json', '--workspace', join(t.dir, 'ws')], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      });
      expect((JSON.parse(listed.stdout) as { id: number; status: string }[]).find((r) => r.id === second)?.status).toBe('queued');
      await expect(call(studio, 'runs.resume', { id: second })).rejects.toMatchObject({
        code: 'CONFLICT',
        message: `Run #${second} is queued (${turn.slice(0, -1)}); only a paused, interrupted or failed run can be resumed.`,
      });
      await waitFor(async () => ((await call(studio, 'runs.get', { id: first })).step >= 1 ? true : undefined), SLOW, 'the first step');

      const paused = await call(studio, 'experiments.pause', { id: created.id });
      expect(paused.status).toBe('pausing');
      // The run that had not started stays queued, held for the experiment (no Resume of its own either).
      const held = `Held: experiment #${created.id} is paused; resuming it continues the grid.`;
      expect(await call(studio, 'runs.get', { id: second })).toMatchObject({ status: 'queued', startedAt: null, queueReason: held });
      await jobSettled(studio, (await call(studio, 'runs.get', { id: first })).jobId);
      const stopped = await call(studio, 'experiments.get', { id: created.id });
      expect(stopped.status).toBe('paused');
      expect(stopped.cells.map((c) => [c.status, c.queueReason])).toEqual([
        ['paused', null],
        ['queued', held],
      ]);
      // Time left is priced from the steps measured so far (or says it is still measuring).
      expect(stopped.estimate === null ? stopped.estimateNote : stopped.estimate.basis).toMatch(/step/);

      // An evaluation started by hand on a run (here its pause checkpoint, on a text of its own) runs while the
      // experiment is paused and is counted apart: the experiment planned none (no suite), so 0 / 0, not 1 / 0.
      const textPath = join(t.dir, 'by-hand.txt');
      writeFileSync(textPath, 'The quick brown fox jumps over the lazy dog.\n');
      const step = (await call(studio, 'runs.checkpoints', { id: first }))[0]!.step;
      const byHand = await call(studio, 'evals.start', {
        model: { runId: first, step },
        suite: { items: [{ kind: 'perplexity', textPath }] },
      });
      expect((await jobSettled(studio, byHand.id)).status).toBe('succeeded');
      const counted = await call(studio, 'experiments.get', { id: created.id });
      expect(counted).toMatchObject({ status: 'paused', evalsDone: 0, evalsPlanned: 0, evalsByHand: 1 });
      expect(counted.cells[0]).toMatchObject({ evalsDone: 0, evalsPlanned: 0, evalsByHand: 1 });

      const resumed = await call(studio, 'experiments.resume', { id: created.id });
      expect(['queued', 'running']).toContain(resumed.status);
      // Resumed, the second run waits its turn again behind the first.
      expect(resumed.cells[1]).toMatchObject({ status: 'queued', queueReason: turn });
      const cancelled = await call(studio, 'experiments.cancel', { id: created.id });
      for (const c of cancelled.cells) await jobSettled(studio, (await call(studio, 'runs.get', { id: c.runId })).jobId);
      const end = await call(studio, 'experiments.get', { id: created.id });
      expect(end.status).toBe('cancelled');
      expect(end.cells.map((c) => c.status)).toEqual(['cancelled', 'cancelled']);
      await expect(call(studio, 'experiments.resume', { id: created.id })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await call(studio, 'experiments.list', {})).map((e) => [e.id, e.status])).toEqual([[created.id, 'cancelled']]);
    },
    SLOW,
  );
});
