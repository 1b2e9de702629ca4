/**
 * Win rate against a baseline (issue 14 items 4–6), end to end on a fresh
 * demo workspace through the contract: a short MMPO run's checkpoint against
 * the run's starting model, generated and judged in a real eval worker with
 * the demo's rule checker; the generations are stored with their sampling
 * settings and reused (the same checkpoint with another judge generates
 * nothing, and another checkpoint against the same base generates only its
 * own responses); a model judge asks in both orders and reports its
 * inconsistency; a registered model with no baseline skips the item with a
 * reason; and the demo suite carries the item. The workspace's demo is a
 * small one (test/helpers/small-demo.ts): a few dozen held-out prompts say
 * all of this as well as the demo's 274, in a fraction of the generations.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GenerationSampling,
  type EvalItemResult,
  type EvalJobResult,
  type EvalResult,
  type Suite,
  type SuiteItem,
} from '../../shared/evals';
import { DEMO_RUN_DEFAULTS } from '../../shared/demo';
import type { Run } from '../../shared/runs';
import { call, jobSettled } from '../../main/core/client';
import { openDatabase } from '../../main/core/db/open';
import { GenerationStore } from '../../main/core/evals/generation-store';
import { createStudio, type Studio } from '../../main/core/studio';
import { REPO_ROOT, STUDIO_BIN } from '../helpers/serve';
import { smallDemoAssets } from '../helpers/small-demo';
import { tempDir } from '../helpers/tmp';

let studio: Studio;
let demoModelId = 0;
let snapshotId = 0;
/** The (small) demo snapshot's held-out pairs: one distinct prompt each. */
let testCount = 0;
let run: Run;
const t = tempDir();
const dbPath = () => join(t.dir, 'ws', 'studio.db');

beforeAll(async () => {
  studio = createStudio({ workspaceDir: join(t.dir, 'ws'), assetsDir: smallDemoAssets(t.dir) });
  await studio.seedDemo();
  demoModelId = (await studio.demoModel())!.id;
  const snapshot = (await call(studio, 'snapshots.list', {}))[0]!;
  snapshotId = snapshot.id;
  testCount = snapshot.testCount;
  // Enough held-out prompts that a job cancelled after five responses leaves some to generate.
  expect(testCount).toBeGreaterThanOrEqual(30);
  // Four MMPO steps at a high rate, checkpoints at 2 and 4; no evaluation during the run (this file evaluates by hand).
  const config = {
    ...DEMO_RUN_DEFAULTS,
    maxSteps: 4,
    evalEvery: 4,
    checkpointEvery: 2,
    optimizer: { lr: 3e-3, weightDecay: 0 },
    evalSuite: null,
  };
  const created: Run = await call(studio, 'runs.create', { name: 'win-rate', snapshotId, modelId: demoModelId, config });
  await jobSettled(studio, created.jobId);
  run = await call(studio, 'runs.get', { id: created.id });
  expect(run.status).toBe('succeeded');
});

afterAll(async () => {
  await studio?.close();
  t.cleanup();
});

async function evaluate(args: Parameters<typeof call<'evals.start'>>[2]): Promise<{ result: EvalJobResult; logs: string[] }> {
  const started = await call(studio, 'evals.start', args);
  const job = await jobSettled(studio, started.id);
  const logs = (await call(studio, 'jobs.logs', { id: job.id, limit: 5000 })).map((l) => l.message);
  expect(job.status, `${job.error?.message ?? ''}\n${logs.join('\n')}`).toBe('succeeded');
  return { result: job.result as EvalJobResult, logs };
}

type WinRateItem = Extract<SuiteItem, { kind: 'win-rate' }>;
const SAMPLING = { temperature: 0.7, topP: 0.9, topK: 0, maxTokens: 16, seed: 3 };
const rulesItem = (): WinRateItem => ({
  kind: 'win-rate',
  prompts: { snapshotId, split: 'test' },
  judge: { kind: 'rules' },
  sampling: SAMPLING,
});

/** The workspace's generations, read as the eval worker reads them. */
function withGenerations<T>(fn: (store: GenerationStore) => T): T {
  const db = openDatabase(dbPath(), { readonly: true });
  try {
    return fn(new GenerationStore(db));
  } finally {
    db.close();
  }
}

describe('win rate against a baseline', () => {
  let first: EvalJobResult;
  let details: EvalItemResult[];

  it("judges a checkpoint against the run's starting model with the rule checker: a win rate in [0, 1] with its interval", async () => {
    const { result } = await evaluate({
      model: { runId: run.id, step: 4 },
      suite: { items: [rulesItem()] },
    });
    first = result;
    expect(result.skipped).toEqual([]);
    const item = result.items[0]!;
    expect(item.kind).toBe('win-rate');
    expect(item.cached).toBe(false);
    expect(item.label).toContain('starting model');
    const m = item.metrics;
    expect(m['win_rate']).toBeGreaterThanOrEqual(0);
    expect(m['win_rate']).toBeLessThanOrEqual(1);
    expect(m['win_rate_ci_low']).toBeLessThanOrEqual(m['win_rate']!);
    expect(m['win_rate_ci_high']).toBeGreaterThanOrEqual(m['win_rate']!);
    expect(m['lc_win_rate']).toBeGreaterThanOrEqual(0);
    expect(m['lc_win_rate']).toBeLessThanOrEqual(1);
    // The rules judge is no model: no inconsistency to report.
    expect('judge_inconsistency' in m).toBe(false);

    // Every test prompt was generated by both sides (a repeated prompt would be sampled again, with its own seed).
    expect(item.generations).toEqual({ candidate: { generated: testCount, reused: 0 }, baseline: { generated: testCount, reused: 0 } });

    const page = await call(studio, 'evals.get', { id: item.resultId, limit: 1000 });
    details = page.items;
    const stored: EvalResult = page.result;
    expect(stored.summary.scored + stored.summary.invalid).toBe(testCount);
    expect(m['wins']! + m['ties']! + m['losses']!).toBe(stored.summary.scored);
    // win rate = (wins + ties / 2) / n, as evaluation.md defines it (a fraction here; ×100 in AlpacaEval's tables).
    expect(m['win_rate']).toBeCloseTo((m['wins']! + m['ties']! / 2) / stored.summary.scored, 12);
    const counts = { win: 0, tie: 0, loss: 0 };
    for (const d of details) {
      const detail = d.detail as {
        verdict: 'win' | 'tie' | 'loss';
        prompt: string;
        candidate: { generationId: number; text: string; chars: number };
        baseline: { generationId: number; text: string; chars: number };
        rules: { candidate: { pass: boolean }; baseline: { pass: boolean } };
      };
      counts[detail.verdict]++;
      expect(d.correct).toBe(detail.verdict === 'win' ? true : detail.verdict === 'loss' ? false : null);
      expect(detail.prompt.length).toBeGreaterThan(0);
      expect(detail.candidate.generationId).toBeGreaterThan(0);
      expect(detail.baseline.generationId).toBeGreaterThan(0);
      expect(detail.candidate.chars).toBe([...detail.candidate.text].length);
      // The rule checker's verdict: win = candidate passes and baseline fails, loss the reverse, tie otherwise.
      const { candidate, baseline } = detail.rules;
      expect(detail.verdict).toBe(candidate.pass === baseline.pass ? 'tie' : candidate.pass ? 'win' : 'loss');
    }
    expect(counts).toEqual({ win: m['wins'], tie: m['ties'], loss: m['losses'] });
  });

  it('stores the generations with their sampling settings, keyed by model, prompt and settings hash', () => {
    withGenerations((store) => {
      const d = details[0]!.detail as { promptHash: string; candidate: { generationId: number; text: string; tokens: number } };
      const row = store.get(d.candidate.generationId)!;
      expect(row).toMatchObject({
        modelHash: first.modelHash,
        promptHash: d.promptHash,
        text: d.candidate.text,
        tokens: d.candidate.tokens,
      });
      expect(row.settings).toMatchObject({ sampling: SAMPLING, chat: true });
      expect(['stop_token', 'stop_sequence', 'length']).toContain(row.finishReason);
      expect(store.count(first.modelHash, row.settingsHash)).toBe(testCount);
      // Another settings hash (another seed, say) finds nothing for the same model and prompt.
      expect(store.findMany(first.modelHash, 'another', [d.promptHash]).size).toBe(0);
    });
  });

  it('serves the same evaluation from the cache, and another judge of the same responses generates nothing', async () => {
    const again = await evaluate({ model: { runId: run.id, step: 4 }, suite: { items: [rulesItem()] } });
    expect(again.result.items[0]).toMatchObject({ cached: true, resultId: first.items[0]!.resultId });
    expect(again.logs.some((l) => l.startsWith('Worker '))).toBe(false);

    // A model judge (the demo model) on the same checkpoint and baseline: a new result, from the stored responses.
    const judged = await evaluate({
      model: { runId: run.id, step: 4 },
      suite: { items: [{ ...rulesItem(), judge: { kind: 'model', model: { modelId: demoModelId } } }] },
    });
    const item = judged.result.items[0]!;
    expect(item.cached).toBe(false);
    expect(item.generations).toEqual({ candidate: { generated: 0, reused: testCount }, baseline: { generated: 0, reused: testCount } });
    // Asked in both orders: the inconsistency rate is the share of prompts whose verdict flipped, and each flip is a tie.
    const m = item.metrics;
    expect(m['judge_inconsistency']).toBeGreaterThanOrEqual(0);
    expect(m['judge_inconsistency']).toBeLessThanOrEqual(1);
    const page = await call(studio, 'evals.get', { id: item.resultId, limit: 1000 });
    type Order = { logpA: number; logpB: number; verdict: string };
    const rows = page.items.map((i) => i.detail as { verdict: string; consistent: boolean; candidateFirst: Order; candidateSecond: Order });
    expect(rows).toHaveLength(testCount);
    for (const r of rows) {
      expect(Number.isFinite(r.candidateFirst.logpA) && Number.isFinite(r.candidateSecond.logpB)).toBe(true);
      expect(r.consistent).toBe(r.candidateFirst.verdict === r.candidateSecond.verdict);
      expect(r.verdict).toBe(r.consistent ? r.candidateFirst.verdict : 'tie');
    }
    expect(m['judge_inconsistency']).toBeCloseTo(rows.filter((r) => !r.consistent).length / testCount, 12);
  });

  it('reuses the baseline’s responses for every model compared against it', async () => {
    const { result } = await evaluate({ model: { runId: run.id, step: 2 }, suite: { items: [rulesItem()] } });
    expect(result.items[0]!.generations).toEqual({
      candidate: { generated: testCount, reused: 0 },
      baseline: { generated: 0, reused: testCount },
    });
    // Step 0 is the starting model itself: its answers are the baseline's, already stored, and every verdict is a tie.
    const start = await evaluate({ model: { runId: run.id, step: 0 }, suite: { items: [rulesItem()] } });
    expect(start.result.items[0]!.generations).toEqual({
      candidate: { generated: 0, reused: testCount },
      baseline: { generated: 0, reused: testCount },
    });
    expect(start.result.items[0]!.metrics).toMatchObject({ win_rate: 0.5, wins: 0, losses: 0 });
  });

  it('keeps the responses a cancelled job generated, and the next job generates only the rest', async () => {
    const item: WinRateItem = { ...rulesItem(), sampling: { ...SAMPLING, seed: 11 } };
    const job = await call(studio, 'evals.start', { model: { runId: run.id, step: 4 }, suite: { items: [item] } });
    // Cancelled once the worker reports a few of the model's responses done (each was sent to the job as it was made).
    await new Promise<void>((resolve) => {
      const off = studio.events.subscribe((e) => {
        if (e.type !== 'job.updated' || e.job.id !== job.id) return;
        const m = /generating the candidate's responses \((\d+) of/.exec(e.job.progressMessage ?? '');
        if (m && Number(m[1]) >= 5) {
          off();
          resolve();
        }
      });
    });
    await call(studio, 'jobs.cancel', { id: job.id });
    expect((await jobSettled(studio, job.id)).status).toBe('cancelled');
    const { result } = await evaluate({ model: { runId: run.id, step: 4 }, suite: { items: [item] } });
    const { candidate } = result.items[0]!.generations!;
    expect(candidate.reused).toBeGreaterThanOrEqual(5);
    expect(candidate.reused).toBeLessThan(testCount);
    expect(candidate.generated + candidate.reused).toBe(testCount);
  });

  it('skips the item for a registered model with no baseline, saying why, and compares it with a baseline given', async () => {
    const { result, logs } = await evaluate({ model: { modelId: demoModelId }, suite: { items: [rulesItem()] } });
    expect(result.items).toEqual([]);
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0]!.reason).toMatch(/has no base model to compare with: give the win-rate item a baseline/);
    expect(logs.some((l) => l.startsWith('Skipped: '))).toBe(true);

    // The base model against itself, given as the baseline: the same model, data and settings as the run's step 0
    // (the starting model against itself), so that result is served from the cache — every verdict a tie.
    const self = await evaluate({
      model: { modelId: demoModelId },
      suite: { items: [{ ...rulesItem(), baseline: { modelId: demoModelId } }] },
    });
    const item = self.result.items[0]!;
    expect(item.cached).toBe(true);
    expect(item.metrics['win_rate']).toBe(0.5);
    expect(item.metrics['ties']).toBe(item.metrics['wins']! + item.metrics['ties']! + item.metrics['losses']!);
  });

  it('refuses a judge template without its placeholders, naming them', async () => {
    const started = await call(studio, 'evals.start', {
      model: { runId: run.id, step: 4 },
      suite: {
        items: [{ ...rulesItem(), judge: { kind: 'model', model: { modelId: demoModelId }, template: 'Which is better? {response_a}' } }],
      },
    });
    const job = await jobSettled(studio, started.id);
    expect(job.status).toBe('failed');
    expect(job.error?.message).toMatch(/lacks \{instruction\}, \{response_b\}/);
  });

  it('runs from the command line (studio eval --prompts, eval show), and the same seed gives the same answers in another workspace', async () => {
    const workspace = join(t.dir, 'cli-ws');
    const studioCli = (...args: string[]) => {
      const res = spawnSync(process.execPath, [STUDIO_BIN, ...args, '--workspace', workspace], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      });
      return { code: res.status, out: res.stdout, err: res.stderr };
    };
    const prompts = join(t.dir, 'prompts.jsonl');
    writeFileSync(
      prompts,
      [
        JSON.stringify({ prompt: 'Name a tool. Reply in uppercase.', meta: { rule: 'uppercase' } }),
        'not json',
        JSON.stringify({ prompt: 'Ask me about a fruit. End with a question mark.', meta: { rule: 'question' } }),
      ].join('\n'),
    );
    const run = studioCli('eval', '--model', 'demo', '--prompts', prompts, '--baseline', 'demo', '--max-tokens', '12', '--json');
    expect(run.code, run.err).toBe(0);
    const out = JSON.parse(run.out) as EvalJobResult;
    expect(out.items[0]).toMatchObject({ kind: 'win-rate', metrics: { win_rate: 0.5, ties: 2 } });
    const show = studioCli('eval', 'show', String(out.items[0]!.resultId));
    expect(show.code, show.err).toBe(0);
    expect(show.out).toMatch(/win_rate\s+0\.5000\s+95% CI 0\.5000–0\.5000/);
    expect(show.out).toContain('line 2 is not valid JSON');
    expect(show.out).toMatch(/Name a tool\. Reply in uppercase\.\s+tie/);

    // The same model, prompts and sampling (seed 0) in another workspace and another worker process: the same answers.
    const texts = (items: EvalItemResult[]) => items.map((i) => (i.detail as { candidate: { text: string } }).candidate.text);
    const shown = JSON.parse(studioCli('eval', 'show', String(out.items[0]!.resultId), '--json').out) as { items: EvalItemResult[] };
    const here = await evaluate({
      model: { modelId: demoModelId },
      suite: {
        items: [
          {
            kind: 'win-rate',
            prompts: { path: prompts },
            baseline: { modelId: demoModelId },
            judge: { kind: 'rules' },
            sampling: { ...GenerationSampling.parse({}), maxTokens: 12 },
          },
        ],
      },
    });
    expect(here.result.items[0]!.generations!.candidate.generated).toBe(2);
    const page = await call(studio, 'evals.get', { id: here.result.items[0]!.resultId });
    expect(texts(page.items)).toEqual(texts(shown.items));
    expect(texts(page.items).every((x) => x.length > 0)).toBe(true);

    const bad = studioCli('eval', '--model', 'demo', '--prompts', prompts, '--temperature', 'hot');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--temperature takes a number from 0 to 5, not "hot"');
    const stray = studioCli('eval', '--model', 'demo', '--suite', 'demo', '--baseline', 'demo');
    expect(stray.code).toBe(1);
    expect(stray.err).toContain('--baseline applies to a win rate: add --prompts FILE|SNAPSHOT_ID');
  });

  it('is part of the demo suite (v3): the win rate against the base model, rules judge, on the test split', async () => {
    const suites: Suite[] = await call(studio, 'evals.suites', {});
    const demo = suites.find((s) => s.name === 'demo')!;
    expect(demo.version).toBe(3);
    const item = demo.items.find((i) => i.kind === 'win-rate');
    expect(item).toMatchObject({ kind: 'win-rate', prompts: { snapshotId, split: 'test' }, judge: { kind: 'rules' } });
    expect(item).not.toHaveProperty('baseline');
  });
});
