import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LoadedModel } from '../../../main/engine/hf/folder';
import { scoreBatch } from '../../../main/engine/score';

interface GoldenSequence {
  ids: number[];
  responseStart: number;
  logits: number[][];
  logProbs: { sum: number; mean: number; count: number; meanLogit: number; tokenLogProbs: number[] };
}

const FIXTURES = path.resolve(__dirname, '../../fixtures/models');
const MODELS = ['tiny-llama', 'tiny-qwen2', 'tiny-gpt2'];

function maxAbsDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(MODELS)('golden outputs of %s (reference forward in PyTorch)', (name) => {
  const dir = path.join(FIXTURES, name);
  const golden = JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8')) as { sequences: GoldenSequence[] };
  let loaded: LoadedModel;

  beforeAll(async () => {
    loaded = await loadModel(dir);
  });

  it('matches the reference logits of each sequence within 1e-4, alone and in a right-padded batch', () => {
    const seqs = golden.sequences;
    const T = Math.max(...seqs.map((s) => s.ids.length));
    const ids = seqs.flatMap((s) => [...s.ids, ...Array<number>(T - s.ids.length).fill(0)]);
    const mask = seqs.flatMap((s) => s.ids.map(() => 1).concat(Array<number>(T - s.ids.length).fill(0)));
    const batched = loaded.model.forward(tf.tensor2d(ids, [seqs.length, T], 'int32'), tf.tensor2d(mask, [seqs.length, T]));
    const batchedRows = batched.arraySync();
    batched.dispose();
    seqs.forEach((s, i) => {
      const alone = loaded.model.forward(tf.tensor2d([s.ids], [1, s.ids.length], 'int32'));
      const aloneRows = alone.arraySync()[0]!;
      alone.dispose();
      expect(maxAbsDiff(aloneRows.flat(), s.logits.flat())).toBeLessThanOrEqual(1e-4);
      expect(maxAbsDiff(batchedRows[i]!.slice(0, s.ids.length).flat(), s.logits.flat())).toBeLessThanOrEqual(1e-4);
    });
  });

  it('matches the reference response log-probs within 1e-4', async () => {
    const examples = golden.sequences.map((s) => ({ inputIds: s.ids, lossMask: s.ids.map((_, t) => (t >= s.responseStart ? 1 : 0)) }));
    const before = tf.memory().numTensors;
    const scores = await scoreBatch(loaded.model, examples);
    expect(tf.memory().numTensors).toBe(before);
    scores.forEach((got, i) => {
      const want = golden.sequences[i]!.logProbs;
      expect(got.tokenCount).toBe(want.count);
      expect(Math.abs(got.sumLogProb - want.sum)).toBeLessThanOrEqual(1e-4);
      expect(Math.abs(got.meanLogProb - want.mean)).toBeLessThanOrEqual(1e-4);
      expect(Math.abs(got.meanLogit - want.meanLogit)).toBeLessThanOrEqual(1e-4);
    });
  });

  it('loads every tensor it needs and reports none as unknown', () => {
    expect(loaded.ignoredTensors).toEqual([]);
    expect(loaded.tokenizer).not.toBeNull();
    expect(loaded.generationConfig).toMatchObject({ do_sample: false });
  });
});
