import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HfTokenizer } from '../../../main/engine';
import { pretrain, tokenizeForPretraining } from '../../../main/training/pretrain';
import { tinyModel, tinyTokenizer } from './fixtures';

let tok: HfTokenizer;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tok = await tinyTokenizer();
});

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
// Short plain texts: the cpu backend's embedding gradient costs O(vocab × tokens).
const TEXTS = ['the cat sat.', 'the dog ran.', 'a red hat.', 'the cat ran.', 'a red cat.', 'the dog sat.'];

describe('pretrain', () => {
  it('lowers the next-token loss of a tiny llama in a few steps, leaving no tensors behind', async () => {
    const model = await tinyModel(3);
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const { losses } = await pretrain(model, tok, TEXTS, {
      steps: 12,
      batchSize: 4,
      maxLength: 16,
      lr: 1e-2,
      seed: 1,
      onStep: (step) => seen.push(step),
    });
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(losses).toHaveLength(12);
    // A random init starts near ln(vocab) = ln(299) ≈ 5.7 nats.
    expect(losses[0]).toBeGreaterThan(5);
    expect(mean(losses.slice(-3))).toBeLessThan(losses[0]! - 1.5);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('epochs: one pass is ceil(texts / batch) steps; the same seed gives the same losses', async () => {
    const run = async () => {
      const model = await tinyModel(3);
      const r = await pretrain(model, tok, TEXTS, { epochs: 1, batchSize: 4, maxLength: 16, lr: 1e-2, seed: 5 });
      model.dispose();
      return r.losses;
    };
    const a = await run();
    expect(a).toHaveLength(2);
    expect(await run()).toEqual(a);
  });

  it('tokenizes texts as they are, truncates, and drops texts that predict nothing', () => {
    const ex = tokenizeForPretraining(tok, ['<|im_start|>hello there', 'a', 'the cat sat on the mat'], 5);
    expect(ex).toHaveLength(2);
    expect(ex[0]!.inputIds[0]).toBe(tok.bosTokenId);
    expect(ex[1]!.inputIds).toHaveLength(5);
    expect(ex[1]!.lossMask).toEqual([1, 1, 1, 1, 1]);
  });

  it('needs exactly one of steps and epochs', async () => {
    const model = await tinyModel(3);
    await expect(pretrain(model, tok, TEXTS, { batchSize: 2, maxLength: 8, lr: 1e-3, seed: 1 })).rejects.toThrow(
      /exactly one of steps and epochs/,
    );
    await expect(pretrain(model, tok, TEXTS, { steps: 1, epochs: 1, batchSize: 2, maxLength: 8, lr: 1e-3, seed: 1 })).rejects.toThrow(
      /exactly one/,
    );
    model.dispose();
  });
});
