import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LoadedModel } from '../../../main/engine/hf/folder';
import { padBatch, scoreBatch, scoreTensors } from '../../../main/engine/score';

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

  it('gives the same scores, in input order, when split into length-sorted batches', async () => {
    const examples = [...golden.sequences, ...golden.sequences.slice(0, 1)].map((s, k) => ({
      inputIds: s.ids.slice(0, s.ids.length - k),
      lossMask: s.ids.slice(0, s.ids.length - k).map((_, t) => (t >= s.responseStart ? 1 : 0)),
    }));
    const together = await scoreBatch(loaded.model, examples);
    const split = await scoreBatch(loaded.model, examples, { maxBatchSize: 2 });
    split.forEach((s, i) => {
      expect(s.tokenCount).toBe(together[i]!.tokenCount);
      expect(Math.abs(s.sumLogProb - together[i]!.sumLogProb)).toBeLessThanOrEqual(1e-4);
    });
    expect(new Set(split.map((s) => s.tokenCount)).size).toBe(3);
  });

  it('gives per-token log-probs and next-token entropies aligned with the response positions', () => {
    const s = golden.sequences[0]!;
    const batch = padBatch([{ inputIds: s.ids, lossMask: s.ids.map((_, t) => (t >= s.responseStart ? 1 : 0)) }]);
    const tensors = tf.tidy(() => {
      const out = scoreTensors(loaded.model, batch, { withEntropy: true });
      return [out.tokenLogProbs, out.entropy!, out.responseMask];
    });
    const [tokenLogProbs, entropy, mask] = tensors.map((t) => t.arraySync()[0]!) as [number[], number[], number[]];
    tf.dispose([...tensors, batch.inputIds, batch.attentionMask, batch.lossMask]);
    expect(tokenLogProbs.length).toBe(s.ids.length - 1);
    expect(mask).toEqual(s.ids.slice(1).map((_, t) => (t + 1 >= s.responseStart ? 1 : 0)));
    const scored = tokenLogProbs.slice(s.responseStart - 1);
    expect(maxAbsDiff(scored, s.logProbs.tokenLogProbs)).toBeLessThanOrEqual(1e-4);
    expect(tokenLogProbs.slice(0, s.responseStart - 1).every((v) => v === 0)).toBe(true);
    // Entropy at the last scored position, from the reference logits.
    const row = s.logits[s.ids.length - 2]!;
    const max = Math.max(...row);
    const z = row.reduce((acc, v) => acc + Math.exp(v - max), 0);
    const want = -row.reduce((acc, v) => {
      const lp = v - max - Math.log(z);
      return acc + Math.exp(lp) * lp;
    }, 0);
    expect(Math.abs(entropy[s.ids.length - 2]! - want)).toBeLessThanOrEqual(1e-4);
  });

  it('loads every tensor it needs and reports none as unknown', () => {
    expect(loaded.ignoredTensors).toEqual([]);
    expect(loaded.tokenizer).not.toBeNull();
    expect(loaded.generationConfig).toMatchObject({ do_sample: false });
  });
});
