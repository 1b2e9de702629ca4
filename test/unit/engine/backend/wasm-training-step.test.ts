// A whole Llama-style training step (the benchmark's model at a tiny shape)
// on wasm with our kernels, against the cpu backend: loss and every gradient.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend';
import { createModel, loss, makeBatch, type BenchShape } from '../../../../bench/engine/model';

const tiny: BenchShape = { vocab: 50, dModel: 16, layers: 2, heads: 2, ffn: 24, seq: 8, batch: 2 };

function lossAndGrads(): { loss: number; grads: Float32Array[] } {
  const model = createModel(tiny, 3);
  const { ids, targets } = makeBatch(tiny, 5);
  const { value, grads } = tf.variableGrads(() => loss(model, ids, targets), model.variables);
  const result = { loss: value.dataSync()[0]!, grads: model.variables.map((v) => grads[v.name]!.dataSync() as Float32Array) };
  tf.dispose([value, ...Object.values(grads), ids, targets, ...model.variables, model.cos, model.sin, model.rotateHalf, model.mask]);
  return result;
}

describe('Llama-style training step on wasm', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
  });

  it('gives the loss and gradients the cpu backend gives', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const wasm = lossAndGrads();
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('cpu');
    const cpu = lossAndGrads();
    await tf.setBackend('wasm');
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-5);
    expect(wasm.grads.length).toBe(cpu.grads.length);
    wasm.grads.forEach((grad, i) => {
      const reference = cpu.grads[i]!;
      let maxDiff = 0;
      let maxAbs = 0;
      for (let j = 0; j < grad.length; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(grad[j]! - reference[j]!));
        maxAbs = Math.max(maxAbs, Math.abs(reference[j]!));
      }
      expect(maxAbs).toBeGreaterThan(0);
      expect(maxDiff).toBeLessThan(1e-5 + 1e-4 * maxAbs);
    });
  });

  it('shares data for clone and same-dtype cast, and still converts across dtypes', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor1d([1.5, -2, 3]);
    const copy = tf.clone(x);
    const same = tf.cast(x, 'float32');
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1.5, -2, 3]);
    expect(Array.from(same.dataSync())).toEqual([1.5, -2, 3]);
    const asInt = tf.cast(tf.tensor1d([1, 2], 'int32'), 'float32');
    expect(asInt.dtype).toBe('float32');
    expect(Array.from(asInt.dataSync())).toEqual([1, 2]);
    tf.dispose([copy, same, asInt]);
  });
});
