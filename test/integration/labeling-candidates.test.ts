/**
 * Queue kinds beyond pairs, candidates from any model and the uncertainty
 * order (issue 18 items 1, 7, 9), end to end on a fresh demo workspace
 * through the contract: generation and scoring run in real worker processes
 * on the shipped demo model and the tiny-llama fixture (a real HF folder).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, jobSettled } from '../../main/core/client';
import { createStudio, type Studio } from '../../main/core/studio';
import { main } from '../../main/cli/index';
import { loadModel, scorePairs } from '../../main/engine';
import { DEMO_RUN_DEFAULTS } from '../../shared/demo';
import type { Job } from '../../shared/jobs';
import { PRESETS } from '../../shared/objectives';
import type {
  ArenaResults,
  GenerateCandidatesResult,
  ItemSources,
  LabelItem,
  PairLabel,
  ResponseSource,
  UncertaintyResult,
} from '../../shared/labeling';
import { screenChoiceOf, shownLeftFor } from '../../shared/labeling';
import { REPO_ROOT } from '../helpers/serve';
import { smallDemoAssets } from '../helpers/small-demo';
import { tempDir } from '../helpers/tmp';

const t = tempDir();
let studio: Studio;
let ws = '';
/**
 * A small demo (test/helpers/small-demo.ts): the LoRA run below computes its reference log-probs on 160 pairs, not
 * 1000, and evaluates on a few dozen held-out pairs, not 274 (its test took 25 s of this file's 60).
 */
let assetsDir = '';
let demoModelId = 0;
let demoPath = '';
let tinyModelId = 0;
let promptsDataset = 0;
let promptRecordIds: number[] = [];
const PROMPTS = Array.from({ length: 16 }, (_, i) => `Write a short line about topic number ${i + 1}.`);
/** Small generations keep the jobs quick on two shared cores. */
const SAMPLING = { maxTokens: 12, seed: 7, temperature: 0.9 };

beforeAll(async () => {
  ws = join(t.dir, 'ws');
  assetsDir = smallDemoAssets(t.dir);
  studio = createStudio({ workspaceDir: ws, assetsDir });
  await studio.seedDemo();
  const demo = (await studio.demoModel())!;
  demoModelId = demo.id;
  demoPath = demo.path;
  tinyModelId = (await call(studio, 'models.register', { path: join(REPO_ROOT, 'test', 'fixtures', 'models', 'tiny-llama') })).id;
  // Prompt-only records (the last repeats the first: a queue keeps it once).
  const file = join(t.dir, 'prompts.jsonl');
  writeFileSync(file, [...PROMPTS, PROMPTS[0]!].map((prompt) => JSON.stringify({ prompt })).join('\n') + '\n');
  const imported = await jobSettled(studio, (await call(studio, 'datasets.import', { path: file, datasetName: 'prompts' })).id);
  expect(imported.status, imported.error?.message).toBe('succeeded');
  promptsDataset = (await call(studio, 'datasets.list', {})).find((d) => d.name === 'prompts')!.id;
  const page = await call(studio, 'records.query', { datasetId: promptsDataset, limit: 100 });
  promptRecordIds = page.rows.map((r) => r.id);
  expect(page.rows.every((r) => r.kind === 'prompt-only')).toBe(true);
}, 120_000);

afterAll(async () => {
  await studio?.close();
  t.cleanup();
});

async function settled(job: Job): Promise<{ job: Job; logs: string[] }> {
  const done = await jobSettled(studio, job.id);
  const logs = (await call(studio, 'jobs.logs', { id: job.id, limit: 5000 })).map((l) => l.message);
  return { job: done, logs };
}

async function succeeded<R>(job: Job): Promise<{ result: R; logs: string[] }> {
  const { job: done, logs } = await settled(job);
  expect(done.status, `${done.error?.message ?? ''}\n${logs.join('\n')}`).toBe('succeeded');
  return { result: done.result as R, logs };
}

async function sourcesOf(queueId: number): Promise<ItemSources[]> {
  const page = await call(studio, 'labeling.itemSources', { queueId, limit: 1000 });
  expect(page.items).toHaveLength(page.total);
  return page.items;
}

const modelSource = (s: ResponseSource) => {
  expect(s.kind).toBe('model');
  return s as Extract<ResponseSource, { kind: 'model' }>;
};

describe('label queues of generated candidates', () => {
  let firstHashes: string[] = [];

  it('fills a prompts queue from prompt-only records with pairs that record their source and are labelable', async () => {
    const queue = await call(studio, 'labeling.createQueue', { name: 'gen', kind: 'prompts', datasetId: promptsDataset, recheckShare: 0 });
    expect(queue).toMatchObject({ kind: 'prompts', total: 0, prompts: { total: PROMPTS.length, filled: 0 }, skipped: 1 });
    expect(queue.notes.join(' ')).toMatch(/1 record\(s\) left out: their prompt is already in the queue/);

    const job = await call(studio, 'labeling.generateCandidates', {
      queueId: queue.id,
      models: [{ modelId: demoModelId }],
      sampling: SAMPLING,
    });
    const { result, logs } = await succeeded<GenerateCandidatesResult>(job);
    expect(logs.some((l) => l.startsWith('Worker '))).toBe(true);
    // n = 2 by default: each prompt gives one pair, or none when its two samples are identical.
    expect(result.prompts).toBe(PROMPTS.length);
    expect(result.pairs + result.identical).toBe(PROMPTS.length);
    expect(result.pairs).toBeGreaterThan(PROMPTS.length / 2);

    const after = (await call(studio, 'labeling.queues', {})).find((q) => q.id === queue.id)!;
    expect(after).toMatchObject({ total: result.pairs, prompts: { total: PROMPTS.length, filled: PROMPTS.length } });
    expect(after.candidates).toMatchObject({ n: 2, sampling: { ...SAMPLING, topP: 0.95, topK: 0 } });
    const modelHash = after.candidates!.models[0]!.modelHash;
    expect(modelHash).toMatch(/^[0-9a-f]{64}$/);

    const sources = await sourcesOf(queue.id);
    for (const item of sources) {
      const [a, b] = [modelSource(item.a), modelSource(item.b)];
      for (const s of [a, b]) {
        expect(s).toMatchObject({ slot: 'A', modelId: demoModelId, modelHash, runId: null, step: null });
        expect(s.sampling).toEqual(after.candidates!.sampling);
        expect(s.tokens).toBeLessThanOrEqual(SAMPLING.maxTokens);
      }
      expect([a.sample, b.sample]).toEqual([0, 1]);
    }
    firstHashes = sources.map((s) => s.contentHash).sort();
    expect(new Set(firstHashes).size).toBe(firstHashes.length);

    // Labelable: next serves the first pair (no source in what the labeler gets), record answers the next one.
    const ann = await call(studio, 'labeling.createAnnotator', { name: 'gen-labeler' });
    const item = (await call(studio, 'labeling.next', { queueId: queue.id, annotatorId: ann.id }))!;
    expect(item.position).toBe(0);
    expect(JSON.stringify(item)).not.toContain(modelHash);
    expect(item.left[0]!.role).toBe('assistant');
    expect(PROMPTS).toContain(item.prompt[0]!.content);
    const { event, next } = await call(studio, 'labeling.record', {
      queueId: queue.id,
      annotatorId: ann.id,
      action: 'label',
      itemId: item.id,
      choice: 'left',
    });
    expect(event.label).toBe(event.shownLeft);
    expect(next?.position).toBe(1);
  }, 180_000);

  it('gives the same texts for the same seed, and a cancelled then retried job finishes without duplicating pairs', async () => {
    const queue = await call(studio, 'labeling.createQueue', { name: 'gen again', kind: 'prompts', datasetId: promptsDataset });
    const job = await call(studio, 'labeling.generateCandidates', {
      queueId: queue.id,
      models: [{ modelId: demoModelId }],
      sampling: SAMPLING,
    });
    // Cancelled once the first prompt is stored (its pairs are written before its log line).
    await new Promise<void>((resolve) => {
      const off = studio.events.subscribe((e) => {
        if (e.type === 'job.log' && e.line.jobId === job.id && e.line.message.startsWith('Generated ')) {
          off();
          resolve();
        }
      });
    });
    await call(studio, 'jobs.cancel', { id: job.id });
    const cancelled = await jobSettled(studio, job.id);
    expect(cancelled.status).toBe('cancelled');
    const partial = (await call(studio, 'labeling.queues', {})).find((q) => q.id === queue.id)!;
    expect(partial.prompts!.filled).toBeGreaterThanOrEqual(1);
    expect(partial.prompts!.filled).toBeLessThan(PROMPTS.length);

    await call(studio, 'jobs.retry', { id: job.id });
    const { result } = await succeeded<GenerateCandidatesResult>(job);
    expect(result.alreadyFilled).toBe(partial.prompts!.filled);
    expect(result.prompts).toBe(PROMPTS.length - partial.prompts!.filled);
    // The same pairs as the uninterrupted queue (same seed, same prompts), each once.
    const hashes = (await sourcesOf(queue.id)).map((s) => s.contentHash).sort();
    expect(hashes).toEqual(firstHashes);

    // Another seed gives other texts.
    const other = await call(studio, 'labeling.createQueue', { name: 'gen seed 8', kind: 'prompts', datasetId: promptsDataset });
    await succeeded(
      await call(studio, 'labeling.generateCandidates', {
        queueId: other.id,
        models: [{ modelId: demoModelId }],
        sampling: { ...SAMPLING, seed: 8 },
      }),
    );
    const otherHashes = (await sourcesOf(other.id)).map((s) => s.contentHash);
    expect(otherHashes.filter((h) => firstHashes.includes(h)).length).toBeLessThan(otherHashes.length);

    // A queue keeps one generation setting.
    await expect(
      call(studio, 'labeling.generateCandidates', {
        queueId: queue.id,
        models: [{ modelId: demoModelId }],
        sampling: { ...SAMPLING, seed: 9 },
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  }, 240_000);

  it('fills an arena queue blind with two models, and arenaResults counts its labels as votes', async () => {
    const ids = promptRecordIds.slice(0, 8);
    // Two annotators per pair, no swap re-serves: every pair served is labeled once per annotator.
    const queue = await call(studio, 'labeling.createQueue', {
      name: 'arena',
      kind: 'arena',
      datasetId: promptsDataset,
      recordIds: ids,
      overlap: 2,
      recheckShare: 0,
    });
    expect(queue.prompts).toEqual({ total: 8, filled: 0 });
    await expect(
      call(studio, 'labeling.generateCandidates', { queueId: queue.id, models: [{ modelId: demoModelId }], sampling: SAMPLING }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/compares two models/) as unknown });
    const { result } = await succeeded<GenerateCandidatesResult>(
      await call(studio, 'labeling.generateCandidates', {
        queueId: queue.id,
        models: [{ modelId: demoModelId }, { modelId: tinyModelId }],
        sampling: SAMPLING,
      }),
    );
    expect(result.pairs).toBe(8);
    const sources = await sourcesOf(queue.id);
    const slotOfA = new Map(sources.map((s) => [s.itemId, modelSource(s.a).slot]));
    for (const s of sources) expect(new Set([modelSource(s.a).slot, modelSource(s.b).slot])).toEqual(new Set(['A', 'B']));
    // Blind in its own order too: model A is not always response a.
    expect(new Set(slotOfA.values())).toEqual(new Set(['A', 'B']));

    // Two annotators label; each standing label is a vote. Hand count from the pair-order labels and the sources.
    const plan: Record<string, PairLabel[]> = {
      ann1: ['a', 'b', 'a', 'tie', 'a', 'both_bad', 'b', 'a'],
      ann2: ['b', 'b', 'a', 'a'],
    };
    const hand = { A: { wins: 0, losses: 0, ties: 0, bothBad: 0 }, B: { wins: 0, losses: 0, ties: 0, bothBad: 0 } };
    for (const [name, labels] of Object.entries(plan)) {
      const ann = await call(studio, 'labeling.createAnnotator', { name });
      let item: LabelItem | null = await call(studio, 'labeling.next', { queueId: queue.id, annotatorId: ann.id });
      for (const label of labels) {
        expect(JSON.stringify(item)).not.toMatch(/modelHash|"slot"|"sample"/);
        const { event, next } = await call(studio, 'labeling.record', {
          queueId: queue.id,
          annotatorId: ann.id,
          action: 'label',
          itemId: item!.id,
          choice: screenChoiceOf(label, shownLeftFor(queue.seed, item!.id, ann.id)),
        });
        expect(event.label).toBe(label);
        if (label === 'tie' || label === 'both_bad') {
          hand.A.ties += 1;
          hand.B.ties += 1;
          if (label === 'both_bad') {
            hand.A.bothBad += 1;
            hand.B.bothBad += 1;
          }
        } else {
          const winner = label === 'a' ? slotOfA.get(item!.id)! : slotOfA.get(item!.id) === 'A' ? 'B' : 'A';
          hand[winner].wins += 1;
          hand[winner === 'A' ? 'B' : 'A'].losses += 1;
        }
        item = next;
      }
    }
    const arena: ArenaResults = await call(studio, 'labeling.arenaResults', { queueId: queue.id });
    expect(arena.votes).toBe(12);
    expect(arena.models.map((m) => m.slot)).toEqual(['A', 'B']);
    expect(arena.models[0]).toMatchObject(hand.A);
    expect(arena.models[1]).toMatchObject(hand.B);
    expect(arena.winRateA).toBeCloseTo((100 * (hand.A.wins + hand.A.ties / 2)) / 12, 10);
    expect(arena.low!).toBeLessThanOrEqual(arena.winRateA!);
    expect(arena.high!).toBeGreaterThanOrEqual(arena.winRateA!);
    // Bradley–Terry: the model with more wins rates higher.
    const [ra, rb] = [arena.models[0]!.rating!, arena.models[1]!.rating!];
    expect(Math.sign(ra - rb)).toBe(Math.sign(hand.A.wins - hand.B.wins));
  }, 180_000);

  it("generates from a run's checkpoint (a LoRA adapter over its base) against its base model, recording run and step", async () => {
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
    const created = await call(studio, 'runs.create', { name: 'lora for candidates', snapshotId, modelId: demoModelId, config });
    await jobSettled(studio, created.jobId);
    expect((await call(studio, 'runs.get', { id: created.id })).status).toBe('succeeded');

    const queue = await call(studio, 'labeling.createQueue', {
      name: 'base vs checkpoint',
      kind: 'arena',
      datasetId: promptsDataset,
      recordIds: promptRecordIds.slice(0, 4),
    });
    const { result } = await succeeded<GenerateCandidatesResult>(
      await call(studio, 'labeling.generateCandidates', {
        queueId: queue.id,
        models: [{ modelId: demoModelId }, { runId: created.id, step: 2 }],
        sampling: SAMPLING,
      }),
    );
    expect(result.pairs + result.identical).toBe(4);
    const settings = (await call(studio, 'labeling.queues', {})).find((q) => q.id === queue.id)!.candidates!;
    const [base, checkpoint] = settings.models;
    expect(checkpoint).toMatchObject({
      slot: 'B',
      ref: { runId: created.id, step: 2 },
      name: `lora for candidates (run #${created.id}, step 2)`,
    });
    expect(checkpoint!.modelHash).not.toBe(base!.modelHash);
    for (const item of await sourcesOf(queue.id)) {
      const fromCheckpoint = [modelSource(item.a), modelSource(item.b)].find((s) => s.slot === 'B')!;
      expect(fromCheckpoint).toMatchObject({ runId: created.id, step: 2, modelId: null, modelHash: checkpoint!.modelHash });
    }
  }, 240_000);

  it('makes a relabel queue from record ids or a filter, and refuses ids not in the source', async () => {
    const demo = (await call(studio, 'datasets.list', {})).find((d) => d.name.startsWith('Demo'))!;
    const rows = (await call(studio, 'records.query', { datasetId: demo.id, limit: 5 })).rows;
    const ids = [rows[4]!.id, rows[1]!.id, rows[2]!.id];
    const queue = await call(studio, 'labeling.createQueue', { name: 'flipped', kind: 'relabel', datasetId: demo.id, recordIds: ids });
    expect(queue).toMatchObject({ kind: 'relabel', total: 3 });
    const sources = await sourcesOf(queue.id);
    expect(sources.every((s) => s.a.kind === 'dataset' && s.b.kind === 'dataset')).toBe(true);
    const ann = await call(studio, 'labeling.createAnnotator', { name: 'relabeler' });
    const served: number[] = [];
    for (let item = await call(studio, 'labeling.next', { queueId: queue.id, annotatorId: ann.id }); item;) {
      served.push(item.recordId!);
      item = (await call(studio, 'labeling.record', { queueId: queue.id, annotatorId: ann.id, action: 'skip', itemId: item.id })).next;
      if (served.length === 3) break;
    }
    expect(served.sort()).toEqual([...ids].sort());

    const test = await call(studio, 'labeling.createQueue', {
      name: 'held out',
      kind: 'relabel',
      datasetId: demo.id,
      filter: { splits: ['test'] },
    });
    expect(test.total).toBe(demo.testCount);
    await expect(
      call(studio, 'labeling.createQueue', {
        name: 'bad ids',
        kind: 'relabel',
        datasetId: demo.id,
        recordIds: [ids[0]!, promptRecordIds[0]!],
      }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`#${promptRecordIds[0]}`) as unknown });
    await expect(call(studio, 'labeling.createQueue', { name: 'no ids', kind: 'relabel', datasetId: demo.id })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect((await call(studio, 'labeling.queues', {})).some((q) => q.name === 'bad ids' || q.name === 'no ids')).toBe(false);
  });

  it('orders a queue by the model’s per-token margin, smallest first, and a second call hits the cache', async () => {
    const demo = (await call(studio, 'datasets.list', {})).find((d) => d.name.startsWith('Demo'))!;
    const rows = (await call(studio, 'records.query', { datasetId: demo.id, limit: 12 })).rows;
    const queue = await call(studio, 'labeling.createQueue', {
      name: 'uncertain',
      kind: 'relabel',
      datasetId: demo.id,
      recordIds: rows.map((r) => r.id),
    });
    const { result } = await succeeded<UncertaintyResult>(
      await call(studio, 'labeling.orderByUncertainty', { queueId: queue.id, model: { modelId: demoModelId } }),
    );
    expect(result).toMatchObject({ scored: 12, cached: 0, unscored: 0 });
    const ordered = (await call(studio, 'labeling.queues', {})).find((q) => q.id === queue.id)!;
    expect(ordered.order).toBe('uncertain');
    expect(ordered.orderedBy).toEqual({ modelHash: result.modelHash, modelName: result.modelName });

    const sources = await sourcesOf(queue.id);
    const margins = sources.map((s) => s.margin!);
    expect(margins.every((m) => Number.isFinite(m) && m >= 0)).toBe(true);
    expect([...margins].sort((x, y) => x - y)).toEqual(margins);
    expect(sources.map((s) => s.position)).toEqual(sources.map((_, i) => i));

    // The same margins computed here with the engine directly: mean log-prob of a minus b, as training tokenizes.
    const { model, tokenizer } = await loadModel(demoPath);
    try {
      for (const s of sources) {
        const record = await call(studio, 'records.get', { id: s.recordId! });
        const scores = await scorePairs(
          model,
          tokenizer!,
          [record.chosen!, record.rejected!].map((side) => ({ prompt: record.prompt[0]!.content, response: side[0]!.content })),
          {
            chat: DEMO_RUN_DEFAULTS.chatTemplate,
            maxLength: DEMO_RUN_DEFAULTS.maxLength,
            maxPromptLength: DEMO_RUN_DEFAULTS.maxPromptLength,
          },
        );
        const expected = Math.abs(scores[0]!.sumLogProb / scores[0]!.tokenCount - scores[1]!.sumLogProb / scores[1]!.tokenCount);
        expect(s.margin).toBeCloseTo(expected, 4);
      }
    } finally {
      model.dispose();
    }

    // labeling.next serves the smallest margin first.
    const ann = await call(studio, 'labeling.createAnnotator', { name: 'uncertain-labeler' });
    expect((await call(studio, 'labeling.next', { queueId: queue.id, annotatorId: ann.id }))!.id).toBe(sources[0]!.itemId);

    const again = await succeeded<UncertaintyResult>(
      await call(studio, 'labeling.orderByUncertainty', { queueId: queue.id, model: { modelId: demoModelId } }),
    );
    expect(again.result).toMatchObject({ scored: 0, cached: 12, modelHash: result.modelHash });
    // The worker loaded neither the engine nor the model.
    expect(again.logs.some((l) => l.startsWith('Worker ') || l.startsWith('Loading'))).toBe(false);
    expect(again.logs).toContain(`12 of 12 pair margins are cached for ${result.modelName}; scoring 0.`);
    expect((await sourcesOf(queue.id)).map((s) => s.itemId)).toEqual(sources.map((s) => s.itemId));
  }, 180_000);

  it('studio generate-candidates and studio label create --kind prompts use the same contract', async () => {
    const out: string[] = [];
    const io = { out: (text: string) => out.push(text), err: (text: string) => out.push(text) };
    const run = async (...args: string[]) => {
      out.length = 0;
      const code = await main([...args, '--workspace', ws], io);
      return { code, text: out.join('\n') };
    };
    // The CLI opens the workspace itself: the test's studio steps aside.
    await studio.close();
    try {
      const made = await run(
        'label',
        'create',
        '--dataset',
        'prompts',
        '--name',
        'cli gen',
        '--kind',
        'prompts',
        '--order',
        'random',
        '--seed',
        '3',
      );
      expect(made.code, made.text).toBe(0);
      expect(made.text).toMatch(/"cli gen": 16 prompts waiting for candidates/);
      const gen = await run('generate-candidates', 'cli gen', '--model', 'demo', '--n', '3', '--max-tokens', '6', '--seed', '5', '--json');
      expect(gen.code, gen.text).toBe(0);
      const parsed = JSON.parse(gen.text.split('\n').at(-1)!) as GenerateCandidatesResult & { queue: { total: number } };
      expect(parsed.prompts).toBe(16);
      // Three samples: up to two neighbour pairs per prompt, one fewer per identical sample.
      expect(parsed.pairs + parsed.identical).toBe(32);
      expect(parsed.queue.total).toBe(parsed.pairs);
      const relabel = await run(
        'label',
        'create',
        '--dataset',
        'prompts',
        '--name',
        'cli relabel',
        '--kind',
        'relabel',
        '--records',
        '1,2',
      );
      expect(relabel.code).toBe(1);
      expect(relabel.text).toMatch(/2 record id\(s\) are not records of dataset #\d+: #1, #2\./);
      const prompts = await run(
        'label',
        'create',
        '--dataset',
        'prompts',
        '--name',
        'cli two',
        '--kind',
        'prompts',
        '--records',
        promptRecordIds.slice(0, 2).join(','),
        '--json',
      );
      expect(prompts.code, prompts.text).toBe(0);
      expect((JSON.parse(prompts.text) as { prompts: { total: number } }).prompts.total).toBe(2);
      const bad = await run('generate-candidates', 'cli gen', '--model', 'demo', '--n', '1');
      expect(bad.code).toBe(1);
      expect(bad.text).toMatch(/n must be at least 2/);
    } finally {
      studio = createStudio({ workspaceDir: ws, assetsDir });
    }
  }, 180_000);
});
