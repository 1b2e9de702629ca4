// UnsortedSegmentSum on wasm (missing from tfjs-backend-wasm 4.22) against cpu,
// directly and as the gradient of an embedding lookup.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend';

async function onBoth<T>(run: () => T): Promise<{ wasm: T; cpu: T }> {
  await tf.setBackend('wasm');
  const wasm = run();
  await tf.setBackend('cpu');
  const cpu = run();
  await tf.setBackend('wasm');
  return { wasm, cpu };
}

describe('wasm UnsortedSegmentSum', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
  });

  it('is registered for wasm', () => {
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeDefined();
  });

  it('sums rows into segments and drops out-of-range ids, like cpu', async () => {
    const x = [...Array(6 * 3).keys()].map((i) => i * 0.5 - 2);
    const ids = [0, 3, 3, -1, 7, 0];
    const { wasm, cpu } = await onBoth(() =>
      tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(x, [6, 3]), tf.tensor1d(ids, 'int32'), 5).arraySync()),
    );
    expect(wasm).toEqual(cpu);
    expect(wasm[3]).toEqual([x[3]! + x[6]!, x[4]! + x[7]!, x[5]! + x[8]!]);
    expect(wasm[4]).toEqual([0, 0, 0]);
  });

  it('handles int32 values', async () => {
    const { wasm, cpu } = await onBoth(() =>
      tf.tidy(() => tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4], 'int32'), tf.tensor1d([1, 1, 0, 1], 'int32'), 2).arraySync()),
    );
    expect(wasm).toEqual([3, 7]);
    expect(wasm).toEqual(cpu);
  });

  it('gives the embedding gradient (gather over a [batch, seq] id tensor)', async () => {
    const table = Array.from({ length: 10 * 4 }, (_, i) => Math.cos(i));
    const tokens = [
      [1, 4, 4, 9],
      [0, 1, 1, 1],
    ];
    const { wasm, cpu } = await onBoth(() =>
      tf.tidy(() => {
        const ids = tf.tensor2d(tokens, [2, 4], 'int32');
        const weight = tf.tensor2d(table, [10, 4]);
        const scale = tf.range(1, 2 * 4 * 4 + 1).reshape([2, 4, 4]);
        return tf
          .grad((w: tf.Tensor) => tf.sum(tf.mul(tf.gather(w, ids), scale)))(weight)
          .arraySync() as number[][];
      }),
    );
    expect(wasm).toEqual(cpu);
    expect(wasm[2]).toEqual([0, 0, 0, 0]);
  });
});
