import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, clipByGlobalNorm } from '../../../main/training/optimizer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const cfg = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

describe('AdamW', () => {
  it('matches a step computed by hand (decoupled decay, bias correction)', () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const frozen = tf.variable(tf.tensor1d([3]));
    const opt = new AdamW([p, frozen], cfg, [true, false]);
    const g1 = [tf.tensor1d([0.5, -0.1]), tf.tensor1d([2])];
    opt.apply(g1, 0.1);
    // Step 1: m̂ = g, v̂ = g², update = g/(|g| + ε) = sign(g); p = p·(1 − lr·wd) − lr·sign(g).
    expect(Array.from(p.dataSync())[0]).toBeCloseTo(1 * (1 - 0.001) - 0.1, 6);
    expect(Array.from(p.dataSync())[1]).toBeCloseTo(-2 * (1 - 0.001) + 0.1, 6);
    expect(frozen.dataSync()[0]).toBeCloseTo(3 - 0.1, 6); // no decay on this one
    const g2 = [tf.tensor1d([0.3, 0.2]), tf.tensor1d([0])];
    const before = Array.from(p.dataSync());
    opt.apply(g2, 0.05);
    // Step 2 for element 0 by hand: m = 0.9·0.05 + 0.1·0.3 = 0.075 → m̂ = 0.075/0.19;
    // v = 0.999·0.00025 + 0.001·0.09 = 0.00033975 → v̂ = v / (1 − 0.999²).
    const mHat = 0.075 / (1 - 0.81);
    const vHat = 0.00033975 / (1 - 0.998001);
    const expected = before[0]! * (1 - 0.05 * 0.01) - (0.05 * mHat) / (Math.sqrt(vHat) + 1e-8);
    expect(p.dataSync()[0]).toBeCloseTo(expected, 6);
    expect(opt.step).toBe(2);
    tf.dispose([p, frozen, ...g1, ...g2]);
    opt.dispose();
  });

  it('resumes exactly: N steps straight = k steps, export, import into a fresh optimizer, N − k steps', async () => {
    const target = tf.tensor2d([
      [1, -1],
      [0.5, 2],
    ]);
    const run = (p: tf.Variable, opt: AdamW, from: number, to: number) => {
      for (let s = from; s < to; s++) {
        const grads = tf.tidy(() => tf.grads((x: tf.Tensor) => tf.sum(tf.square(tf.sub(tf.mul(x, s + 1), target))))([p]));
        opt.apply(grads, 0.05 / (1 + s));
        tf.dispose(grads);
      }
    };
    const init = [
      [0.1, 0.2],
      [0.3, 0.4],
    ];
    const a = tf.variable(tf.tensor2d(init));
    const optA = new AdamW([a], cfg);
    run(a, optA, 0, 6);

    const b = tf.variable(tf.tensor2d(init));
    const optB = new AdamW([b], cfg);
    run(b, optB, 0, 2);
    const saved = await optB.exportState();
    const weights = b.dataSync().slice();
    optB.dispose();
    b.dispose();
    const c = tf.variable(tf.tensor2d(weights, [2, 2]));
    const optC = new AdamW([c], cfg);
    optC.importState(structuredClone(saved));
    expect(optC.step).toBe(2);
    run(c, optC, 2, 6);
    expect(Array.from(c.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, c, target]);
    optA.dispose();
    optC.dispose();
  });
});

describe('AdamW memory', () => {
  it('creating, stepping and disposing an optimizer leaves no tensors behind', () => {
    const x = tf.variable(tf.tensor1d([1, 2, 3]));
    const before = tf.memory().numTensors;
    const opt = new AdamW([x], { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
    const g = tf.tensor1d([0.1, -0.2, 0.3]);
    opt.apply([g], 0.1);
    g.dispose();
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('clipByGlobalNorm', () => {
  it('returns the pre-clip norm and scales to maxNorm', async () => {
    const g = [tf.tensor1d([3, 0]), tf.tensor1d([4])];
    const { grads, norm } = await clipByGlobalNorm(g, 1);
    expect(norm).toBeCloseTo(5, 5);
    expect(grads[0]!.dataSync()[0]).toBeCloseTo(0.6, 5);
    expect(grads[1]!.dataSync()[0]).toBeCloseTo(0.8, 5);
    const unclipped = await clipByGlobalNorm(g, 10);
    expect(unclipped.grads[1]!.dataSync()[0]).toBe(4);
    const off = await clipByGlobalNorm(g, null);
    expect(off.norm).toBeCloseTo(5, 5);
    expect(off.grads[0]!.dataSync()[0]).toBe(3);
    tf.dispose([...g, ...grads, ...unclipped.grads, ...off.grads]);
  });
});
