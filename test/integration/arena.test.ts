/**
 * The arena across N checkpoints (issue 15 item 8) on a fresh demo workspace
 * with real eval workers: three models (a run's starting model and two of its
 * checkpoints) answer the demo test split through compare.generate; one blind
 * arena queue pairs them evenly; a person's votes with a known order (step 4
 * beats both others, the other two tie) put step 4 first on the
 * Bradley–Terry leaderboard; the rules judge votes as its own annotator
 * (judge:rules) in the same arena, once, and so does a model judge (the demo
 * model, through eval jobs per matchup); and the decisive votes build a
 * dataset. The workspace's demo is a small one (test/helpers/small-demo.ts):
 * a few dozen held-out prompts, so each model answers a few dozen times, not
 * the demo's 274.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_RUN_DEFAULTS } from '../../shared/demo';
import type { EvalModelRef } from '../../shared/evals';
import type { ItemSources } from '../../shared/labeling';
import type { Run } from '../../shared/runs';
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
const SAMPLING = { temperature: 0.7, topP: 0.9, topK: 0, maxTokens: 8, seed: 11 };

beforeAll(async () => {
  studio = createStudio({ workspaceDir: join(t.dir, 'ws'), assetsDir: smallDemoAssets(t.dir) });
  await studio.seedDemo();
  const modelId = (await studio.demoModel())!.id;
  const snapshot = (await call(studio, 'snapshots.list', {}))[0]!;
  snapshotId = snapshot.id;
  testCount = snapshot.testCount;
  const config = {
    ...DEMO_RUN_DEFAULTS,
    maxSteps: 4,
    evalEvery: 4,
    checkpointEvery: 2,
    optimizer: { lr: 3e-3, weightDecay: 0 },
    evalSuite: null,
  };
  const created: Run = await call(studio, 'runs.create', { name: 'arena', snapshotId, modelId, config });
  await jobSettled(studio, created.jobId);
  run = await call(studio, 'runs.get', { id: created.id });
  expect(run.status).toBe('succeeded');
}, 600_000);

afterAll(async () => {
  await studio?.close();
  t.cleanup();
});

const at = (step: number): EvalModelRef => ({ runId: run.id, step });

describe('arena across three checkpoints', () => {
  it('refuses to build the queue before the models have answered, naming the model', async () => {
    await expect(
      call(studio, 'arena.create', { name: 'too early', models: [at(0), at(2)], snapshotId, sampling: { ...SAMPLING, seed: 99 } }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/has answered 0 of the \d+ prompts/) as unknown });
    // Nothing is left behind.
    expect((await call(studio, 'labeling.queues', {})).map((q) => q.name)).not.toContain('too early');
  });

  it('pairs the models evenly and blind, ranks them by votes with intervals, takes the rules judge as an annotator, and builds a dataset', async () => {
    const models = [at(0), at(2), at(4)];
    const set = { columns: models, prompts: { snapshotId, split: 'test' as const }, judge: { kind: 'rules' as const }, sampling: SAMPLING };
    for (const job of await call(studio, 'compare.generate', set)) expect((await jobSettled(studio, job.id)).status).toBe('succeeded');
    const sbs = await call(studio, 'compare.generations', set);
    const [h0, h2, h4] = sbs.columns.map((c) => c.modelHash) as [string, string, string];

    const created = await call(studio, 'arena.create', { name: 'three-way', models, snapshotId, sampling: SAMPLING, seed: 4 });
    const queue = (await call(studio, 'labeling.queues', {})).find((q) => q.id === created.queueId)!;
    expect(queue.kind).toBe('arena');
    expect(queue.total).toBe(created.pairs);
    // One pair per test prompt, the three matchups in turn: a third each (rounded) before identical answers are left out.
    expect(created.pairs + created.identical).toBe(testCount);
    const [most, least] = [Math.ceil(testCount / 3), Math.floor(testCount / 3)];
    expect(Object.values(created.perMatchup).every((n) => n <= most && n >= least - created.identical)).toBe(true);
    expect(Object.keys(created.perMatchup)).toHaveLength(3);

    // Blind: sources name the models (never shown to labelers); both slots see every model, so sides are mixed.
    const sources: ItemSources[] = (await call(studio, 'labeling.itemSources', { queueId: created.queueId, limit: 1000 })).items;
    const modelOf = (s: ItemSources['a']) => (s.kind === 'model' ? s.modelHash : '');
    expect(new Set(sources.map((s) => modelOf(s.a)))).toEqual(new Set([h0, h2, h4]));
    expect(new Set(sources.map((s) => modelOf(s.b)))).toEqual(new Set([h0, h2, h4]));
    const byItem = new Map(sources.map((s) => [s.itemId, s]));

    // A person whose preference is known: step 4 beats both others; step 2 and step 0 tie.
    const alice = await call(studio, 'labeling.createAnnotator', { name: 'alice' });
    // A repeated prompt's k-th occurrence is its k-th sample: the answers of the row for that occurrence.
    const textOf = new Map<string, Map<string, string | null>[]>();
    for (const r of sbs.rows)
      textOf.set(r.prompt, [...(textOf.get(r.prompt) ?? []), new Map(r.cells.map((c, i) => [sbs.columns[i]!.modelHash, c.text]))]);
    let item = await call(studio, 'labeling.next', { queueId: created.queueId, annotatorId: alice.id });
    // Re-serves (swap consistency) come back as the same item: count the distinct pairs.
    const labeled = new Set<number>();
    while (item) {
      const src = byItem.get(item.id)!;
      const [ha, hb] = [modelOf(src.a), modelOf(src.b)];
      const sample = src.a.kind === 'model' ? src.a.sample : 0;
      const texts = textOf.get(item.prompt.map((m) => m.content).join('\n\n'))![sample]!;
      const leftHash = texts.get(ha) === item.left[0]!.content ? ha : hb;
      const choice = ha !== h4 && hb !== h4 ? 'tie' : leftHash === h4 ? 'left' : 'right';
      labeled.add(item.id);
      item = (
        await call(studio, 'labeling.record', { queueId: created.queueId, annotatorId: alice.id, action: 'label', itemId: item.id, choice })
      ).next;
    }
    expect(labeled.size).toBe(created.pairs);

    const people = await call(studio, 'arena.leaderboard', { queueId: created.queueId });
    expect(people.votes).toBe(created.pairs);
    expect(people.byAnnotator).toEqual({ alice: created.pairs });
    expect(people.models.map((m) => m.modelHash)[0]).toBe(h4);
    const top = people.models[0]!;
    expect(top.losses).toBe(0);
    for (const m of people.models) {
      expect(m.low! <= m.high!).toBe(true);
      if (m !== top) expect(top.low!).toBeGreaterThan(m.rating!);
    }
    // Wins and losses balance; every vote is counted on both of its models.
    const sum = (k: 'wins' | 'losses' | 'ties') => people.models.reduce((s, m) => s + m[k], 0);
    expect(sum('wins')).toBe(sum('losses'));
    expect(sum('wins') + sum('ties') / 2).toBe(created.pairs);

    const judged = await call(studio, 'arena.judge', { queueId: created.queueId });
    expect(judged).toEqual({ annotator: 'judge:rules', voted: created.pairs, already: 0, unjudged: 0, jobs: [] });
    expect(await call(studio, 'arena.judge', { queueId: created.queueId })).toMatchObject({ voted: 0, already: created.pairs });
    const both = await call(studio, 'arena.leaderboard', { queueId: created.queueId });
    expect(both.votes).toBe(2 * created.pairs);
    expect(both.byAnnotator).toEqual({ alice: created.pairs, 'judge:rules': created.pairs });
    expect(both.models).toHaveLength(3);

    // A model judge votes too: first its verdicts per matchup (an eval job each, both orders; the answers are cached), then the votes.
    const demo = (await studio.demoModel())!;
    const judge = { kind: 'model' as const, model: { modelId: demo.id } };
    const asked = await call(studio, 'arena.judge', { queueId: created.queueId, judge });
    expect([asked.voted, asked.jobs.length]).toEqual([0, 3]);
    for (const id of asked.jobs) expect((await jobSettled(studio, id)).status).toBe('succeeded');
    const modelVotes = await call(studio, 'arena.judge', { queueId: created.queueId, judge });
    expect(modelVotes).toMatchObject({ annotator: `judge:${demo.name}`, voted: created.pairs, unjudged: 0, jobs: [] });
    const three = await call(studio, 'arena.leaderboard', { queueId: created.queueId });
    expect(three.votes).toBe(3 * created.pairs);
    expect(three.byAnnotator[`judge:${demo.name}`]).toBe(created.pairs);

    // Every decisive, agreed vote becomes a preference pair (disagreements wait in the conflict queue).
    const built = await call(studio, 'labeling.build', { queueId: created.queueId, datasetName: 'from the arena' });
    const { ties, bothBad, unlabeled, conflicts } = built.excluded;
    expect(built.records).toBeGreaterThan(0);
    expect(built.records + ties + bothBad + unlabeled + conflicts).toBe(created.pairs);
  }, 600_000);
});
