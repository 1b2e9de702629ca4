/**
 * Compare's checkpoint views (issue 15 items 6 and 7) on a fresh demo
 * workspace with real eval workers: side-by-side generations of the base and
 * two checkpoints fill through the eval job's win-rate path and the
 * generations table (a second request generates nothing), typed prompts get
 * columns without a judge's verdict, and the per-pair drill-down classifies
 * two checkpoints' preference results pair by pair, agreeing with their
 * stored per-pair rows, and sends a selection to a relabel queue. The
 * workspace's demo is a small one (test/helpers/small-demo.ts): a few dozen
 * held-out pairs, not the demo's 274.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_RUN_DEFAULTS } from '../../shared/demo';
import type { EvalJobResult, EvalModelRef } from '../../shared/evals';
import { classifyPair, PAIR_CATEGORIES } from '../../shared/pair-drilldown';
import type { Run } from '../../shared/runs';
import type { SideBySideSet } from '../../shared/side-by-side';
import { call, jobSettled } from '../../main/core/client';
import { createStudio, type Studio } from '../../main/core/studio';
import { smallDemoAssets } from '../helpers/small-demo';
import { tempDir } from '../helpers/tmp';

let studio: Studio;
let snapshotId = 0;
/** The (small) demo snapshot's held-out pairs: one distinct prompt each. */
let testCount = 0;
let run: Run;
const t = tempDir();

beforeAll(async () => {
  studio = createStudio({ workspaceDir: join(t.dir, 'ws'), assetsDir: smallDemoAssets(t.dir) });
  await studio.seedDemo();
  const modelId = (await studio.demoModel())!.id;
  const snapshot = (await call(studio, 'snapshots.list', {}))[0]!;
  snapshotId = snapshot.id;
  testCount = snapshot.testCount;
  // Four MMPO steps at a high rate, checkpoints at 2 and 4, no evaluation during the run.
  const config = {
    ...DEMO_RUN_DEFAULTS,
    maxSteps: 4,
    evalEvery: 4,
    checkpointEvery: 2,
    optimizer: { lr: 3e-3, weightDecay: 0 },
    evalSuite: null,
  };
  const created: Run = await call(studio, 'runs.create', { name: 'compare-ckpt', snapshotId, modelId, config });
  await jobSettled(studio, created.jobId);
  run = await call(studio, 'runs.get', { id: created.id });
  expect(run.status).toBe('succeeded');
}, 600_000);

afterAll(async () => {
  await studio?.close();
  t.cleanup();
});

const at = (step: number): EvalModelRef => ({ runId: run.id, step });

async function settleAll(jobs: { id: number }[]): Promise<EvalJobResult[]> {
  const out: EvalJobResult[] = [];
  for (const j of jobs) {
    const job = await jobSettled(studio, j.id);
    expect(job.status, job.error?.message).toBe('succeeded');
    out.push(job.result as EvalJobResult);
  }
  return out;
}

describe('side-by-side generations', () => {
  const set = (): SideBySideSet => ({
    columns: [at(0), at(2), at(4)],
    prompts: { snapshotId, split: 'test' },
    judge: { kind: 'rules' },
    sampling: { temperature: 0.7, topP: 0.9, topK: 0, maxTokens: 8, seed: 5 },
  });

  it('generates the base and two checkpoints through eval jobs, and a second request is served from the cache', async () => {
    const first = await settleAll(await call(studio, 'compare.generate', set()));
    expect(first).toHaveLength(2);
    // The base's answers are generated once (by the first column's job) and reused by the second.
    expect(first[0]!.items[0]!.generations).toEqual({
      candidate: { generated: testCount, reused: 0 },
      baseline: { generated: testCount, reused: 0 },
    });
    expect(first[1]!.items[0]!.generations).toEqual({
      candidate: { generated: testCount, reused: 0 },
      baseline: { generated: 0, reused: testCount },
    });

    const view = await call(studio, 'compare.generations', set());
    expect(view.columns.map((c) => c.generated)).toEqual([testCount, testCount, testCount]);
    expect(view.columns[0]!.name).toMatch(/step 0|starting model/);
    expect(view.rows).toHaveLength(testCount);
    for (const row of view.rows) {
      expect(row.cells).toHaveLength(3);
      for (const cell of row.cells) {
        expect(typeof cell.text).toBe('string');
        // Every demo prompt has a rule: each cell says whether its answer follows it.
        expect(typeof cell.verdict?.pass).toBe('boolean');
      }
      expect(row.cells[0]!.verdict!.vsBase).toBeNull();
      for (const cell of row.cells.slice(1)) expect(['win', 'tie', 'loss']).toContain(cell.verdict!.vsBase);
      // The rules judge's verdict against the base follows from the two passes.
      for (const cell of row.cells.slice(1)) {
        const [c, b] = [cell.verdict!.pass, row.cells[0]!.verdict!.pass];
        expect(cell.verdict!.vsBase).toBe(c === b ? 'tie' : c ? 'win' : 'loss');
      }
    }

    const again = await settleAll(await call(studio, 'compare.generate', set()));
    expect(again.map((r) => [r.scored, r.items[0]!.cached])).toEqual([
      [0, true],
      [0, true],
    ]);
    expect(await call(studio, 'compare.generations', set())).toEqual(view);
  }, 600_000);

  it('lays out typed prompts (no rule, so no verdict) and refuses a set with one column', async () => {
    const typed: SideBySideSet = { ...set(), columns: [at(0), at(4)], prompts: { texts: ['Say hello.', 'Name a colour.'] } };
    const [result] = await settleAll(await call(studio, 'compare.generate', typed));
    // The step-0 answers of other prompts do not cover these: both sides are generated.
    expect(result!.items[0]!.generations!.candidate.generated).toBe(2);
    const view = await call(studio, 'compare.generations', typed);
    expect(view.rows.map((r) => r.prompt)).toEqual(['Say hello.', 'Name a colour.']);
    for (const row of view.rows) for (const cell of row.cells) expect([typeof cell.text, cell.verdict]).toEqual(['string', null]);

    await expect(call(studio, 'compare.generations', { ...typed, columns: [at(0)] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  }, 600_000);
});

describe('per-pair drill-down', () => {
  it('classifies two checkpoints pair by pair as their stored rows say, and sends a selection to a relabel queue', async () => {
    const results = [];
    for (const step of [0, 2, 4]) {
      const [r] = await settleAll([
        await call(studio, 'evals.start', { model: at(step), suite: { items: [{ kind: 'preference', snapshotId }] } }),
      ]);
      results.push(r!.items[0]!.resultId);
    }
    const [base, a, b] = results as [number, number, number];

    const all = await call(studio, 'compare.pairs', { a, b, base, limit: 500 });
    expect(all.snapshotId).toBe(snapshotId);
    expect(all.split).toBe('test');
    expect(all.total).toBe(testCount);
    expect(Object.values(all.counts).reduce((s, n) => s + n, 0)).toBe(testCount);
    // Each pair's category is classifyPair of the three stored rows.
    const rows = async (id: number) =>
      new Map((await call(studio, 'evals.get', { id, limit: 1000 })).items.map((i) => [i.itemId, i.correct]));
    const [ra, rb, rbase] = [await rows(a), await rows(b), await rows(base)];
    for (const p of all.pairs) {
      expect(p.category).toBe(classifyPair(ra.get(p.itemId) ?? null, rb.get(p.itemId) ?? null, rbase.get(p.itemId) ?? null));
      expect(p.a.correct).toBe(ra.get(p.itemId));
      expect(p.a.logpMargin! > 0).toBe(p.a.correct);
      expect(p.recordId).toBeGreaterThan(0);
      expect(p.prompt.length).toBeGreaterThan(0);
      expect(p.chosen).not.toBe(p.rejected);
    }
    // The checkpoints differ: some pair is not right in both.
    expect(all.counts['right-both']).toBeLessThan(testCount);

    for (const category of PAIR_CATEGORIES) {
      const page = await call(studio, 'compare.pairs', { a, b, base, category, limit: 500 });
      expect(page.total).toBe(all.counts[category]);
      expect(page.pairs.every((p) => p.category === category)).toBe(true);
    }
    // Paging keeps A's order.
    const second = await call(studio, 'compare.pairs', { a, b, base, offset: 10, limit: 5 });
    expect(second.pairs.map((p) => p.itemId)).toEqual(all.pairs.slice(10, 15).map((p) => p.itemId));

    const picked = all.pairs.filter((p) => p.category !== 'right-both').slice(0, 3);
    const queue = await call(studio, 'labeling.createQueue', {
      name: 'relabel from drill-down',
      kind: 'relabel',
      snapshotId: all.snapshotId,
      recordIds: picked.map((p) => p.recordId!),
    });
    expect(queue.kind).toBe('relabel');
    expect(queue.total).toBe(picked.length);

    // A result of another kind, or of another split, is refused with which one and why.
    const mc = await call(studio, 'evals.list', {});
    const other = mc.find((r) => r.kind === 'win-rate')!;
    await expect(call(studio, 'compare.pairs', { a, b: other.id })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  }, 600_000);
});
