/**
 * The TypeScript objectives against PyTorch: test/golden/objectives.json holds
 * every preset's and every MMPO variant's loss, TRL metrics and gradients on
 * fixed token-level tensors, computed in float64 by an independent
 * implementation of mmpo-spec.md (test/golden/make_objectives_golden.py).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ObjectiveConfig, PRESETS } from '../../../shared/objectives';
import { computeObjective, entropyObjective, type SideStats } from '../../../main/training/objectives';
import golden from '../../golden/objectives.json';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const TOLERANCE = 1e-5;

type Rows = number[][];
interface GoldenCase {
  config: Record<string, unknown>;
  loss: number;
  metrics: Record<string, number>;
  grad: Record<string, Rows>;
}
const inputs = golden.inputs;
const cases = golden.cases as Record<string, GoldenCase>;

/** |actual − expected| within 1e-5, relative to the magnitude for values above 1 (float32 against float64). */
function expectClose(actual: number, expected: number, what: string): void {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(expected)));
}

/** The objective's loss, metrics and gradients with respect to the token-level leaves, as the trainer wires them. */
function evaluate(config: ObjectiveConfig) {
  const withEntropy = config.objective === 'mmpo' && config.entropy;
  const lengthNorm = config.objective === 'mmpo' && config.lengthNorm;
  const mask = { chosen: tf.tensor2d(inputs.chosen.mask), rejected: tf.tensor2d(inputs.rejected.mask) };
  const side = (name: 'chosen' | 'rejected', tokenLogp: tf.Tensor2D, tokenEntropy: tf.Tensor2D): SideStats => ({
    logpSum: tf.sum<tf.Tensor1D>(tf.mul(tokenLogp, mask[name]), 1),
    length: tf.sum<tf.Tensor1D>(mask[name], 1),
    ...(withEntropy ? { entropyObjective: entropyObjective(tokenLogp, tokenEntropy, mask[name], lengthNorm) } : {}),
  });
  const run = (lw: tf.Tensor, ll: tf.Tensor, hw: tf.Tensor, hl: tf.Tensor) =>
    computeObjective(config, {
      chosen: side('chosen', lw as tf.Tensor2D, hw as tf.Tensor2D),
      rejected: side('rejected', ll as tf.Tensor2D, hl as tf.Tensor2D),
      refChosen: tf.tensor1d(inputs.ref_chosen),
      refRejected: tf.tensor1d(inputs.ref_rejected),
    });
  const leaves = [inputs.chosen.token_logp, inputs.rejected.token_logp, inputs.chosen.token_entropy, inputs.rejected.token_entropy].map(
    (r) => tf.tensor2d(r),
  );
  return tf.tidy(() => {
    const r = run(leaves[0]!, leaves[1]!, leaves[2]!, leaves[3]!);
    const metrics = Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, v.dataSync()[0]!]));
    // `+ 0·Σ leaf` keeps every leaf in the graph (SFT ignores the rejected side; only M10 reads entropies): its gradient is then 0.
    const g = tf.grads((lw: tf.Tensor, ll: tf.Tensor, hw: tf.Tensor, hl: tf.Tensor) =>
      tf.add(run(lw, ll, hw, hl).loss, tf.mul(0, tf.addN([lw, ll, hw, hl].map((x) => tf.sum(x))))),
    );
    const grads = g(leaves).map((t) => t.arraySync() as Rows);
    return { loss: r.loss.dataSync()[0]!, metrics, grads };
  });
}

describe('objectives against PyTorch (test/golden/objectives.json)', () => {
  it('covers every preset and each MMPO switch on both values of λ_pair', () => {
    const configs = Object.values(cases).map((c) => c.config);
    for (const preset of Object.values(PRESETS)) expect(configs).toContainEqual(preset);
    const mmpo = configs.filter((c) => c['objective'] === 'mmpo');
    for (const key of ['inBatchNorm', 'lengthNorm', 'entropy']) {
      for (const lambdaPair of [0, 1])
        expect(
          mmpo.some((c) => c['lambdaPair'] === lambdaPair && c[key] !== (PRESETS.mmpo as Record<string, unknown>)[key]),
          `${key}, λ_pair ${lambdaPair}`,
        ).toBe(true);
    }
    expect(mmpo.some((c) => c['epsilon'] !== 0.9)).toBe(true);
    expect(mmpo.some((c) => c['epsilonRejected'] !== 0.1)).toBe(true);
  });

  for (const [name, golden] of Object.entries(cases)) {
    it(`${name}: loss, metrics and gradients within 1e-5`, () => {
      const out = evaluate(ObjectiveConfig.parse(golden.config));
      expectClose(out.loss, golden.loss, 'loss');
      for (const [metric, value] of Object.entries(golden.metrics)) {
        expect(out.metrics, metric).toHaveProperty([metric]);
        expectClose(out.metrics[metric]!, value, metric);
      }
      const names = ['chosen_token_logp', 'rejected_token_logp', 'chosen_token_entropy', 'rejected_token_entropy'];
      names.forEach((leaf, i) => {
        // Leaves the golden has no gradient for (no entropy term) must get none here either.
        const expected = golden.grad[leaf] ?? inputs.chosen.mask.map((row) => row.map(() => 0));
        out.grads[i]!.forEach((row, b) => row.forEach((v, t) => expectClose(v, expected[b]![t]!, `d loss / d ${leaf}[${b}][${t}]`)));
      });
    });
  }
});
