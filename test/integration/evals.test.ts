/**
 * Evaluation end to end on a fresh demo workspace, through the contract: the
 * `eval` job scores the demo suite (preference accuracy on the demo test
 * split, the demo MC task, general.jsonl perplexity) in a real worker
 * process; the same evaluation again is served from the cache without a
 * worker; a task file with bad rows evaluates the good ones and lists the
 * bad; the eval of a trained model on the demo test split equals what the
 * trainer logged at its last step (its exported model, and its checkpoint
 * with the run's base model as the reference for rewards/*); and `studio
 * eval` does the same as a real process. The workspace's demo dataset is a
 * small one (test/helpers/small-demo.ts: a few dozen held-out pairs) beside
 * the demo's own multiple-choice task and text, which the first test checks.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalItemResult, EvalJobResult, EvalResult, Suite } from '../../shared/evals';
import type { Job } from '../../shared/jobs';
import type { MetricSeries, ModelEntry, Run } from '../../shared/runs';
import { PRESETS } from '../../shared/objectives';
import { call, jobSettled } from '../../main/core/client';
import { createStudio, type Studio } from '../../main/core/studio';
import { REPO_ROOT, STUDIO_BIN } from '../helpers/serve';
import { smallDemoAssets } from '../helpers/small-demo';
import { tempDir } from '../helpers/tmp';

let studio: Studio;
let demoModelId = 0;
const t = tempDir();

beforeAll(async () => {
  studio = createStudio({ workspaceDir: join(t.dir, 'ws'), assetsDir: smallDemoAssets(t.dir) });
  await studio.seedDemo();
  demoModelId = (await studio.demoModel())!.id;
});

afterAll(async () => {
  await studio?.close();
  t.cleanup();
});

async function evaluate(args: Parameters<typeof call<'evals.start'>>[2]): Promise<{ job: Job; result: EvalJobResult; logs: string[] }> {
  const started = await call(studio, 'evals.start', args);
  const job = await jobSettled(studio, started.id);
  const logs = (await call(studio, 'jobs.logs', { id: job.id, limit: 5000 })).map((l) => l.message);
  expect(job.status, `${job.error?.message ?? ''}\n${logs.join('\n')}`).toBe('succeeded');
  return { job, result: job.result as EvalJobResult, logs };
}

const metricsOf = (result: EvalJobResult, kind: string) => result.items.find((i) => i.kind === kind)!.metrics;
const inUnit = (x: number | null | undefined) => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 1;

describe('evaluation', () => {
  let first: EvalJobResult;

  it('lists the demo suite and evaluates the demo model on it in a worker', async () => {
    const suites: Suite[] = await call(studio, 'evals.suites', {});
    expect(suites.map((s) => `${s.name} v${s.version}`)).toEqual(['demo v3']);
    expect(suites[0]!.items.map((i) => i.kind)).toEqual(['preference', 'multiple-choice', 'perplexity', 'win-rate']);

    const { result, logs } = await evaluate({ model: { modelId: demoModelId }, suite: 'demo' });
    first = result;
    expect(result.scored).toBe(3);
    // The win rate against the base model needs a base: a registered model skips it, saying why (evals-win-rate.test.ts).
    expect(result.skipped.map((s) => s.kind)).toEqual(['win-rate']);
    expect(result.items.every((i) => !i.cached)).toBe(true);
    expect(logs.some((l) => l.startsWith('Worker '))).toBe(true);

    const mc = metricsOf(result, 'multiple-choice');
    for (const k of ['acc', 'acc_norm', 'acc_stderr', 'acc_norm_stderr']) expect(inUnit(mc[k]), k).toBe(true);
    // The demo model knows its topics (0.69 for the shipped model; random is 0.25–0.30).
    expect(mc['acc']).toBeGreaterThan(0.4);
    // evaluation.md's stderr: sqrt(p(1−p)/n) over the 200 questions.
    expect(mc['acc_stderr']).toBeCloseTo(Math.sqrt((mc['acc']! * (1 - mc['acc']!)) / 200), 10);

    const ppl = metricsOf(result, 'perplexity');
    for (const k of ['perplexity', 'word_perplexity', 'byte_perplexity', 'bits_per_byte']) {
      expect(Number.isFinite(ppl[k]), k).toBe(true);
      expect(ppl[k]).toBeGreaterThan(0);
    }
    expect(ppl['perplexity']).toBeGreaterThan(1);
    expect(ppl['bits_per_byte']).toBeCloseTo(Math.log2(ppl['byte_perplexity']!), 10);

    const pref = metricsOf(result, 'preference');
    expect(inUnit(pref['logps/accuracies'])).toBe(true);
    // A plain model has no reference: no rewards/*.
    expect(Object.keys(pref).some((k) => k.startsWith('rewards/'))).toBe(false);

    // Stored, listed by model, with per-item rows for drill-down.
    const listed: EvalResult[] = await call(studio, 'evals.list', { modelId: demoModelId });
    expect(listed.map((r) => r.id).sort()).toEqual(result.items.map((i) => i.resultId).sort());
    const mcId = result.items.find((i) => i.kind === 'multiple-choice')!.resultId;
    const page: { result: EvalResult; items: EvalItemResult[]; total: number } = await call(studio, 'evals.get', {
      id: mcId,
      limit: 10,
    });
    expect(page.total).toBe(200);
    expect(page.items).toHaveLength(10);
    expect(page.items[0]).toMatchObject({ seq: 0, itemId: 'demo-mc-001' });
    const correct = (await call(studio, 'evals.get', { id: mcId, limit: 1000 })).items.filter((i) => i.correct).length;
    expect(correct / 200).toBeCloseTo(mc['acc']!, 10);
  });

  it('serves the same evaluation again from the cache, scoring nothing', async () => {
    const { job, result, logs } = await evaluate({ model: { modelId: demoModelId }, suite: 'demo' });
    expect(result.scored).toBe(0);
    expect(result.items.every((i) => i.cached)).toBe(true);
    expect(result.items).toEqual(first.items.map((i) => ({ ...i, cached: true })));
    // No worker was started: no worker line, no scoring line, one cache line per item.
    expect(logs.some((l) => l.startsWith('Worker ') || l.startsWith('Scored '))).toBe(false);
    expect(logs.filter((l) => l.startsWith('Cached: '))).toHaveLength(3);
    expect(job.id).toBeGreaterThan(0);
  });

  it('keeps the items a cancelled job finished, and the next job scores only the rest', async () => {
    const fixture = join(REPO_ROOT, 'test', 'fixtures', 'models', 'tiny-llama');
    const modelId = (await call(studio, 'models.register', { path: fixture })).id;
    const job = await call(studio, 'evals.start', { model: { modelId }, suite: 'demo' });
    // Cancelled once the first item is scored (and stored: its results come before its log line).
    const scoredOne = new Promise<void>((resolve) => {
      const off = studio.events.subscribe((e) => {
        if (e.type === 'job.log' && e.line.jobId === job.id && e.line.message.startsWith('Scored ')) {
          off();
          resolve();
        }
      });
    });
    await scoredOne;
    await call(studio, 'jobs.cancel', { id: job.id });
    const ended = await jobSettled(studio, job.id);
    const kept = await call(studio, 'evals.list', { modelId });
    expect(ended.status).toBe('cancelled');
    // The worker reads the cancel between batches (main/evaluation/batches.ts yields): the multiple-choice item never finished.
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(kept.length).toBeLessThan(3);
    const { result } = await evaluate({ model: { modelId }, suite: 'demo' });
    expect(
      result.items
        .filter((i) => i.cached)
        .map((i) => i.resultId)
        .sort(),
    ).toEqual(kept.map((r) => r.id).sort());
    expect(result.scored).toBe(3 - kept.length);
  });

  it('evaluates the good questions of a bad task file and lists the bad ones by line', async () => {
    const file = join(t.dir, 'bad.jsonl');
    const good = (id: string, gold: number) => JSON.stringify({ id, context: 'There is a market in', choices: ['Cairo.', 'brown.'], gold });
    writeFileSync(
      file,
      [
        good('q1', 0),
        JSON.stringify({ id: 'q2', context: 'No choices here' }),
        good('q3', 1),
        JSON.stringify({ id: 'q4', context: 'Gold out of range', choices: ['a', 'b'], gold: 5 }),
        good('q5', 0),
      ].join('\n') + '\n',
    );
    const { result } = await evaluate({ model: { modelId: demoModelId }, suite: { items: [{ kind: 'multiple-choice', taskPath: file }] } });
    expect(result.items).toHaveLength(1);
    const stored = (await call(studio, 'evals.get', { id: result.items[0]!.resultId })).result;
    expect(stored.summary.scored).toBe(3);
    const lines = stored.summary.problems.filter((p) => p.severity === 'error').map((p) => p.line);
    expect(lines).toEqual([2, 4]);
    expect(inUnit(result.items[0]!.metrics['acc'])).toBe(true);
  });

  it('equals what a DPO run logged at its last step: eval/logp_accuracy for its exported model, and eval/reward_* for its checkpoint with the base as reference', async () => {
    const snapshotId = (await call(studio, 'snapshots.list', {}))[0]!.id;
    const config = {
      objective: PRESETS.dpo,
      maxSteps: 4,
      evalEvery: 2,
      checkpointEvery: 4,
      microBatchSize: 4,
      gradAccumulation: 1,
      maxLength: 64,
      maxPromptLength: 48,
    };
    const created: Run = await call(studio, 'runs.create', { name: 'short', snapshotId, modelId: demoModelId, config });
    await jobSettled(studio, created.jobId);
    const run = await call(studio, 'runs.get', { id: created.id });
    expect(run.status).toBe('succeeded');
    const series: MetricSeries = await call(studio, 'runs.metrics', { id: run.id });
    const logged = series['eval/logp_accuracy']!;
    expect(logged.steps.at(-1)).toBe(4);
    // The exported model is registered as the job ends.
    let exported: ModelEntry | undefined;
    for (let i = 0; i < 200 && !exported; i++) {
      exported = (await call(studio, 'models.list', {})).find((m) => m.origin === 'run' && m.path === join(run.dir, 'model'));
      if (!exported) await new Promise((r) => setTimeout(r, 50));
    }
    expect(exported).toBeDefined();
    const { result } = await evaluate({
      model: { modelId: exported!.id },
      suite: { items: [{ kind: 'preference', snapshotId, split: 'test' }] },
      settings: { chatTemplate: run.config.chatTemplate, maxLength: config.maxLength, maxPromptLength: config.maxPromptLength },
    });
    expect(result.items[0]!.metrics['logps/accuracies']).toBeCloseTo(logged.values.at(-1)!, 10);

    // The run's checkpoint at that step, with the run's base model as the reference: rewards/* as the trainer logged them.
    const fromCheckpoint = await evaluate({
      model: { runId: run.id, step: 4 },
      suite: { items: [{ kind: 'preference', snapshotId, split: 'test' }] },
    });
    const m = fromCheckpoint.result.items[0]!.metrics;
    expect(m['logps/accuracies']).toBeCloseTo(logged.values.at(-1)!, 10);
    expect(inUnit(m['rewards/accuracies'])).toBe(true);
    // DPO's implicit reward, β·(log π − log π_ref), is what the evaluation computes: a DPO run logs the same.
    expect(m['rewards/accuracies']).toBeCloseTo(series['eval/reward_accuracy']!.values.at(-1)!, 10);
    expect(m['rewards/margins']).toBeCloseTo(series['eval/reward_margin']!.values.at(-1)!, 4);
  });

  it("evaluates a LoRA run's checkpoint (the adapter over the base model) as the trainer logged it", async () => {
    const snapshotId = (await call(studio, 'snapshots.list', {}))[0]!.id;
    const config = {
      objective: PRESETS.dpo,
      lora: { rank: 4, alpha: 8 },
      maxSteps: 2,
      evalEvery: 2,
      checkpointEvery: 2,
      microBatchSize: 4,
      gradAccumulation: 1,
      maxLength: 64,
      maxPromptLength: 48,
      optimizer: { lr: 1e-2 },
    };
    const created: Run = await call(studio, 'runs.create', { name: 'lora', snapshotId, modelId: demoModelId, config });
    await jobSettled(studio, created.jobId);
    const run = await call(studio, 'runs.get', { id: created.id });
    expect(run.status).toBe('succeeded');
    const series: MetricSeries = await call(studio, 'runs.metrics', { id: run.id });
    const { result, logs } = await evaluate({
      model: { runId: run.id, step: 2 },
      suite: { items: [{ kind: 'preference', snapshotId, split: 'test' }] },
    });
    expect(logs.some((l) => l.startsWith('LoRA adapter: '))).toBe(true);
    const m = result.items[0]!.metrics;
    expect(m['logps/accuracies']).toBeCloseTo(series['eval/logp_accuracy']!.values.at(-1)!, 10);
    expect(m['rewards/accuracies']).toBeCloseTo(series['eval/reward_accuracy']!.values.at(-1)!, 10);
    expect(m['rewards/margins']).toBeCloseTo(series['eval/reward_margin']!.values.at(-1)!, 4);
    // The adapter is attached: without it the policy is its own reference and every reward is 0.
    expect(Math.abs(m['rewards/margins']!)).toBeGreaterThan(1e-3);
  });

  it('studio eval runs a task file from the command line, prints JSON, lists and shows results, and exits 3 on a bad model folder', () => {
    const workspace = join(t.dir, 'cli-ws');
    const studioCli = (...args: string[]) => {
      const res = spawnSync(process.execPath, [STUDIO_BIN, ...args, '--workspace', workspace], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      });
      return { code: res.status, out: res.stdout, err: res.stderr };
    };
    const task = join(t.dir, 'cli.jsonl');
    writeFileSync(
      task,
      [0, 1, 0].map((gold, i) => JSON.stringify({ id: `c${i}`, context: 'It is warm in', choices: ['Berlin.', 'red.'], gold })).join('\n'),
    );
    const run = studioCli('eval', '--model', 'demo', '--task', task, '--json');
    expect(run.code, run.err).toBe(0);
    const out = JSON.parse(run.out) as EvalJobResult & { jobId: number };
    expect(out.items).toHaveLength(1);
    expect(out.items[0]).toMatchObject({ kind: 'multiple-choice', cached: false });
    expect(inUnit(out.items[0]!.metrics['acc'])).toBe(true);

    const again = studioCli('eval', '--model', 'demo', '--task', task);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/acc_norm\s+\d\.\d{4}\s+\d\.\d{4}/);
    expect(again.out).toContain('0 scored, 1 from the cache');

    const list = studioCli('eval', 'list', '--json');
    expect(list.code, list.err).toBe(0);
    expect((JSON.parse(list.out) as EvalResult[]).map((r) => r.id)).toEqual([out.items[0]!.resultId]);
    const show = studioCli('eval', 'show', String(out.items[0]!.resultId), '--json');
    expect(show.code, show.err).toBe(0);
    expect((JSON.parse(show.out) as { total: number }).total).toBe(3);

    const bad = studioCli('eval', '--model', t.dir, '--task', task);
    expect(bad.code).toBe(3);
    expect(bad.err).toMatch(/not a model folder/);
  });
});
