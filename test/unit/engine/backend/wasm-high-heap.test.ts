// The studio's wasm kernels with tensors above 2 GiB in the heap, where a
// pointer no longer fits a signed 32-bit integer (a SmolLM2-135M LoRA step
// peaks near 2.7 GiB). A 2 GiB block is reserved first (malloc grows the
// memory without touching its pages), so every tensor after it lives higher.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend';
import { asInternals, tensorData } from '../../../../main/engine/backend/wasm-module';

const TWO_GIB = 2 ** 31;

function values(shape: number[], seed: number): Float32Array {
  const size = shape.reduce((p, d) => p * d, 1);
  return Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.61 + seed));
}

describe('wasm kernels above 2 GiB of heap', () => {
  let reserved = 0;
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
    reserved = asInternals(tf.backend()).wasm._malloc(TWO_GIB);
    expect(reserved).toBeGreaterThan(0);
  });
  afterAll(() => {
    if (reserved) asInternals(tf.backend()).wasm._free(reserved);
  });

  it('places new tensors above 2 GiB', () => {
    const t = tf.ones([16]);
    expect(tensorData(asInternals(tf.backend()), t).memoryOffset).toBeGreaterThan(TWO_GIB);
    t.dispose();
  });

  const ops: [string, () => tf.Tensor][] = [
    ['gather', () => tf.gather(tf.tensor(values([50, 8], 1), [50, 8]), tf.tensor1d([3, 49, 0], 'int32'))],
    ['GEMM, ragged edges', () => tf.matMul(tf.tensor(values([37, 19], 2), [37, 19]), tf.tensor(values([19, 21], 3), [19, 21]))],
    [
      'GEMM, batched and transposed',
      () => tf.matMul(tf.tensor(values([3, 33, 10], 4), [3, 33, 10]), tf.tensor(values([3, 17, 10], 5), [3, 17, 10]), false, true),
    ],
    ['gemv', () => tf.matMul(tf.tensor(values([2, 300], 6), [2, 300]), tf.tensor(values([300, 2048], 7), [300, 2048]))],
    ['multiply with a column', () => tf.mul(tf.tensor(values([64, 128], 8), [64, 128]), tf.tensor(values([64, 1], 9), [64, 1]))],
    ['softmax', () => tf.softmax(tf.tensor(values([64, 128], 10), [64, 128]))],
    ['sigmoid', () => tf.sigmoid(tf.tensor(values([64, 128], 11), [64, 128]))],
    ['head transpose', () => tf.transpose(tf.tensor(values([2, 16, 4, 32], 12), [2, 16, 4, 32]), [0, 2, 1, 3])],
  ];
  for (const [label, run] of ops) {
    it(`${label} matches cpu`, async () => {
      await tf.setBackend('wasm');
      const wasm = tf.tidy(run);
      expect(tensorData(asInternals(tf.backend()), wasm).memoryOffset).toBeGreaterThan(TWO_GIB);
      const got = wasm.dataSync();
      wasm.dispose();
      await tf.setBackend('cpu');
      const want = tf.tidy(run).dataSync();
      await tf.setBackend('wasm');
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      expect(got.length).toBe(want.length);
      expect(worst).toBeLessThan(1e-4);
    });
  }
});
