import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromSpec } from '../../../main/engine/hf/config';
import { createModel, type CausalLM } from '../../../main/engine/models/causal-lm';
import { padBatch, scoreTensors } from '../../../main/engine/score';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** An SFT-style loss (mmpo-spec.md: L = −ℓθ(y_w|x)) over a padded batch of two. */
function lossOf(model: CausalLM): tf.Scalar {
  const batch = padBatch([
    { inputIds: [1, 4, 7, 2, 9, 3], lossMask: [0, 0, 1, 1, 1, 1] },
    { inputIds: [5, 6, 8, 10], lossMask: [0, 1, 1, 1] },
  ]);
  const loss = tf.tidy(() => scoreTensors(model, batch).sumLogProb.mean().neg() as tf.Scalar);
  tf.dispose([batch.inputIds, batch.attentionMask, batch.lossMask]);
  return loss;
}

function lossValue(model: CausalLM): number {
  const l = lossOf(model);
  const v = l.dataSync()[0]!;
  l.dispose();
  return v;
}

describe.each([
  [
    'qwen2',
    [
      'model.embed_tokens.weight',
      'model.layers.0.self_attn.q_proj.weight',
      'model.layers.0.self_attn.k_proj.bias',
      'model.layers.1.mlp.down_proj.weight',
      'model.norm.weight',
    ],
  ],
  [
    'gpt2',
    [
      'transformer.wte.weight',
      'transformer.wpe.weight',
      'transformer.h.0.attn.c_attn.weight',
      'transformer.h.1.mlp.c_fc.bias',
      'transformer.ln_f.bias',
    ],
  ],
] as const)('%s gradients of the response log-prob loss', (modelType, names) => {
  it('match central finite differences', () => {
    const config = configFromSpec({
      modelType,
      vocabSize: 12,
      hiddenSize: 8,
      numLayers: 2,
      numHeads: 2,
      numKvHeads: 1,
      maxPositionEmbeddings: 16,
      initializerRange: 0.4,
    });
    const model = createModel(config, 11);
    const { grads } = tf.variableGrads(
      () => lossOf(model),
      names.map((n) => model.weights.get(n)!),
    );
    const eps = 1e-2;
    let checked = 0;
    for (const name of names) {
      const variable = model.weights.get(name)!;
      const analytic = grads[variable.name]!.dataSync();
      const base = Float32Array.from(variable.dataSync());
      // Probe the entries with the largest analytic gradient plus the first one.
      const order = Array.from(analytic.keys()).sort((a, b) => Math.abs(analytic[b]!) - Math.abs(analytic[a]!));
      for (const i of [order[0]!, order[1]!, 0]) {
        const probe = (delta: number): number => {
          const values = Float32Array.from(base);
          values[i] = base[i]! + delta;
          variable.assign(tf.tensor(values, variable.shape));
          return lossValue(model);
        };
        const numeric = (probe(eps) - probe(-eps)) / (2 * eps);
        variable.assign(tf.tensor(base, variable.shape));
        expect(Math.abs(numeric - analytic[i]!)).toBeLessThanOrEqual(2e-3 + 2e-2 * Math.abs(analytic[i]!));
        checked++;
      }
      expect(Math.max(...Array.from(analytic, Math.abs))).toBeGreaterThan(1e-3);
    }
    expect(checked).toBe(names.length * 3);
    tf.dispose(Object.values(grads));
    model.dispose();
  });
});
