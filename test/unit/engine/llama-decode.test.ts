// The prepared Llama generation path (models/llama-decode.ts) against the generic
// forward with its concat cache: the same logits for the prompt and step after step, with GQA,
// q/k/v biases, left padding and a prompt that fills the prepared length.
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../main/engine/backend';
import { generate } from '../../../main/engine/generate';
import { configFromSpec, type LlamaConfig } from '../../../main/engine/hf/config';
import { loadModel } from '../../../main/engine/hf/folder';
import { createLora } from '../../../main/engine/lora';
import { decodeWeightsBytes } from '../../../main/engine/memory';
import { createModel, disposeCache, type CausalLM } from '../../../main/engine/models/causal-lm';
import { decodeWeightsFor, LlamaDecodeSession, releaseDecodeWeights } from '../../../main/engine/models/llama-decode';
import { SeededRng } from '../../../main/engine/rng';

const FIXTURES = path.resolve(__dirname, '../../fixtures/models');

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * Runs left-padded prompts through both paths, then feeds `steps` pseudo-random
 * tokens one at a time; returns the largest logit difference over the prompt
 * and every step, relative to the largest logit.
 */
function compareSteps(
  model: CausalLM,
  prompts: number[][],
  steps: number,
  maxLen = Math.max(...prompts.map((p) => p.length)) + steps + 1,
): number {
  const b = prompts.length;
  const P = Math.max(...prompts.map((p) => p.length));
  const maskRows = prompts.map((p) => [...Array<number>(P - p.length).fill(0), ...p.map(() => 1)]);
  const rows = prompts.map((p) => [...Array<number>(P - p.length).fill(0), ...p]);
  const ids = tf.tensor2d(rows, [b, P], 'int32');
  const mask = tf.tensor2d(maskRows);
  const first = model.forwardWithCache(ids, mask, null, true);
  const session = new LlamaDecodeSession(decodeWeightsFor(model)!, maxLen);
  const prefill = session.prefill(rows, maskRows);
  let worst = maxAbsDiff(prefill.dataSync() as Float32Array, first.logits.dataSync() as Float32Array);
  let largest = (first.logits.dataSync() as Float32Array).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  tf.dispose([ids, mask, first.logits, prefill]);
  let cache = first.cache;
  const positions = prompts.map((p) => p.length - 1);
  const rng = new SeededRng(3);
  let tensors = -1;
  for (let s = 0; s < steps; s++) {
    const tokens = prompts.map(() => Math.floor(rng.next() * model.vocabSize));
    maskRows.forEach((r) => r.push(1));
    positions.forEach((_, i) => positions[i]!++);
    const fast = session.step(tokens, positions, maskRows);
    const input = tf.tensor2d(
      tokens.map((t) => [t]),
      [b, 1],
      'int32',
    );
    const stepMask = tf.tensor2d(maskRows);
    const generic = model.forwardWithCache(input, stepMask, cache, true);
    disposeCache(cache);
    cache = generic.cache;
    const expected = generic.logits.dataSync() as Float32Array;
    worst = Math.max(worst, maxAbsDiff(fast.dataSync() as Float32Array, expected));
    largest = expected.reduce((m, v) => Math.max(m, Math.abs(v)), largest);
    tf.dispose([fast, input, stepMask, generic.logits]);
    // The session holds one cache; nothing else survives a step.
    if (s === 1) tensors = tf.memory().numTensors;
    if (s > 1) expect(tf.memory().numTensors).toBe(tensors);
  }
  disposeCache(cache);
  session.dispose();
  // Relative to the logits' scale, so that a model with tiny logits cannot pass by accident.
  expect(largest).toBeGreaterThan(0.5);
  return worst / largest;
}

describe('prepared Llama decoding on the cpu backend', () => {
  const loaded: CausalLM[] = [];
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(() => loaded.forEach((m) => m.dispose()));

  it.each(['tiny-llama', 'tiny-qwen2'])('%s: logits equal the concat-cache forward over 40 steps, left-padded', async (name) => {
    const { model } = await loadModel(path.join(FIXTURES, name));
    loaded.push(model);
    const before = tf.memory().numTensors;
    expect(decodeWeightsFor(model)!.bytes).toBe(decodeWeightsBytes(model.config as LlamaConfig));
    // tiny-llama: GQA 2:1, untied head, Llama 3 rope scaling; tiny-qwen2: GQA 4:1, q/k/v biases, tied head.
    expect(
      compareSteps(
        model,
        [
          [5, 260, 32, 291, 7, 9],
          [44, 12],
        ],
        40,
      ),
    ).toBeLessThan(1e-5);
    releaseDecodeWeights(model);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fills the prepared length exactly and refuses to go past it', () => {
    const model = createModel(
      configFromSpec({
        modelType: 'llama',
        vocabSize: 40,
        hiddenSize: 16,
        numLayers: 2,
        numHeads: 4,
        numKvHeads: 2,
        maxPositionEmbeddings: 32,
        initializerRange: 0.3,
      }),
      2,
    );
    const prompt = Array.from({ length: 28 }, (_, i) => (i * 7) % 40);
    expect(compareSteps(model, [prompt], 4, 32)).toBeLessThan(1e-5);
    const session = new LlamaDecodeSession(decodeWeightsFor(model)!, 4);
    expect(() => session.prefill([[1, 2, 3, 4, 5]], [[1, 1, 1, 1, 1]])).toThrow(/prompt longer than the prepared length 4/);
    expect(() => session.step([1], [0], [[1]])).toThrow(/before the prefill/);
    session.prefill([[1, 2, 3, 4]], [[1, 1, 1, 1]]).dispose();
    expect(() => session.step([1], [4], [[1, 1, 1, 1, 1]])).toThrow(/past the prepared length 4/);
    session.dispose();
    model.dispose();
  });

  it('keeps prepared weights while the model is unchanged, rebuilds them after training, and is off with an adapter or for GPT-2', async () => {
    const config = configFromSpec({ modelType: 'llama', vocabSize: 30, hiddenSize: 8, numLayers: 1, numHeads: 2 });
    const model = createModel(config, 4);
    const prepared = decodeWeightsFor(model);
    expect(prepared).not.toBeNull();
    expect(decodeWeightsFor(model)).toBe(prepared);
    const name = 'model.layers.0.mlp.down_proj.weight';
    const w = model.weights.get(name)!;
    w.assign(tf.tidy(() => w.mul(2)));
    const rebuilt = decodeWeightsFor(model);
    expect(rebuilt).not.toBe(prepared);
    // Greedy generation through the rebuilt weights still equals re-running the sequence.
    const opts = { maxNewTokens: 6, stopTokenIds: [] };
    const cached = await generate(model, [[1, 2, 3]], opts);
    const rerun = await generate(model, [[1, 2, 3]], { ...opts, useCache: false });
    expect(cached.tokens).toEqual(rerun.tokens);

    const lora = createLora(model, { rank: 2, alpha: 2 }, 1);
    model.adapter = lora;
    expect(decodeWeightsFor(model)).toBeNull();
    model.adapter = null;
    lora.dispose();
    const before = tf.memory().numTensors;
    model.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before - model.weights.size); // the prepared copies went too

    const gpt2 = createModel(configFromSpec({ modelType: 'gpt2', vocabSize: 30, hiddenSize: 8, numLayers: 1, numHeads: 2 }), 4);
    expect(decodeWeightsFor(gpt2)).toBeNull();
    gpt2.dispose();
  });
});

describe('prepared Llama decoding on wasm', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('matches the generic forward there too (GQA 3:1, every matmul through XNNPACK)', () => {
    const model = createModel(
      configFromSpec({
        modelType: 'llama',
        vocabSize: 300,
        hiddenSize: 48,
        numLayers: 2,
        numHeads: 6,
        numKvHeads: 2,
        intermediateSize: 64,
        initializerRange: 0.2,
      }),
      5,
    );
    const rng = new SeededRng(8);
    const prompts = [Array.from({ length: 20 }, () => Math.floor(rng.next() * 300)), [7, 8, 9]];
    expect(compareSteps(model, prompts, 24)).toBeLessThan(1e-5);
    model.dispose();
  });
});
