// A whole Llama training step's loss and gradients (the engine's real model at
// a tiny shape, scored as the trainer scores it) on wasm with our kernels,
// against the cpu backend.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend';
import { configFromSpec, createModel, padBatch, scoreTensors, SeededRng } from '../../../../main/engine';

const tiny = configFromSpec({
  modelType: 'llama',
  vocabSize: 50,
  hiddenSize: 16,
  numLayers: 2,
  numHeads: 2,
  numKvHeads: 1,
  intermediateSize: 24,
});

function lossAndGrads(): { loss: number; grads: Float32Array[] } {
  const model = createModel(tiny, 3);
  const rng = new SeededRng(5);
  // Two 8-token sequences, the last 5 tokens of each scored (a prompt and a response).
  const examples = [0, 1].map(() => ({
    inputIds: Array.from({ length: 8 }, () => Math.floor(rng.next() * tiny.vocabSize)),
    lossMask: [0, 0, 0, 1, 1, 1, 1, 1],
  }));
  const batch = padBatch(examples);
  const variables = [...model.weights.values()];
  const { value, grads } = tf.variableGrads(() => scoreTensors(model, batch).sumLogProb.neg().mean<tf.Scalar>(), variables);
  const result = { loss: value.dataSync()[0]!, grads: variables.map((v) => grads[v.name]!.dataSync() as Float32Array) };
  tf.dispose([value, ...Object.values(grads), batch.inputIds, batch.attentionMask, batch.lossMask]);
  model.dispose();
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
