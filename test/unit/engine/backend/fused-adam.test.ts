// The fused Adam matches tf.train.adam step for step, on wasm (fused kernel)
// and on cpu (tf ops), and leaves no tensors behind.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FusedAdamOptimizer, initBackend } from '../../../../main/engine/backend';

function train(makeOptimizer: () => tf.Optimizer, steps: number): number[][] {
  const w = tf.tidy(() => tf.variable(tf.tensor2d([0.5, -1, 2, 0.25, 3, -0.75], [2, 3]), true, `w${Math.random()}`));
  const b = tf.tidy(() => tf.variable(tf.tensor1d([0.1, 0.2, -0.3]), true, `b${Math.random()}`));
  const x = tf.tensor2d([1, 2, -1, 0.5], [2, 2]);
  const optimizer = makeOptimizer();
  for (let i = 0; i < steps; i++) {
    optimizer.minimize(() => tf.sum<tf.Scalar>(tf.square(tf.add(tf.matMul(x, w), b))), false, [w, b]);
  }
  const result = [Array.from(w.dataSync()), Array.from(b.dataSync())];
  optimizer.dispose();
  tf.dispose([w, b, x]);
  return result;
}

function expectClose(actual: number[][], expected: number[][]): void {
  actual.forEach((values, i) => values.forEach((value, j) => expect(value).toBeCloseTo(expected[i]![j]!, 5)));
}

describe('FusedAdamOptimizer', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1, env: {} });
  });

  for (const backend of ['wasm', 'cpu']) {
    it(`follows tf.train.adam on ${backend}`, async () => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const fused = train(() => new FusedAdamOptimizer(0.05), 4);
      expect(tf.memory().numTensors).toBe(before);
      const reference = train(() => tf.train.adam(0.05), 4);
      expectClose(fused, reference);
      expect(fused[0]).not.toEqual([0.5, -1, 2, 0.25, 3, -0.75]);
      await tf.setBackend('wasm');
    });
  }
});
