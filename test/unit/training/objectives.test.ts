import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ObjectiveConfig, PRESETS } from '../../../shared/objectives';
import { computeObjective, entropyObjective, type ObjectiveInputs } from '../../../main/training/objectives';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Batch {
  lw: number[];
  ll: number[];
  refW: number[];
  refL: number[];
  lenW: number[];
  lenL: number[];
}

const batch: Batch = {
  lw: [-12.5, -30.1, -4.2],
  ll: [-14.0, -22.3, -9.9],
  refW: [-13.1, -29.0, -5.0],
  refL: [-13.7, -23.5, -9.0],
  lenW: [5, 12, 2],
  lenL: [6, 9, 4],
};

function inputsOf(b: Batch, lw: tf.Tensor1D = tf.tensor1d(b.lw), ll: tf.Tensor1D = tf.tensor1d(b.ll)): ObjectiveInputs {
  return {
    chosen: { logpSum: lw, length: tf.tensor1d(b.lenW) },
    rejected: { logpSum: ll, length: tf.tensor1d(b.lenL) },
    refChosen: tf.tensor1d(b.refW),
    refRejected: tf.tensor1d(b.refL),
  };
}

function lossOf(config: ObjectiveConfig, b: Batch): number {
  return tf.tidy(() => computeObjective(config, inputsOf(b)).loss.dataSync()[0]!);
}

/** d loss / d (chosen, rejected) log-prob sums, by autodiff. */
function gradsOf(config: ObjectiveConfig, b: Batch): [number[], number[]] {
  return tf.tidy(() => {
    // `+ 0·Σll` keeps the rejected side in the graph for objectives that ignore it (SFT): its gradient is then 0.
    const g = tf.grads((lw: tf.Tensor, ll: tf.Tensor) =>
      tf.add(computeObjective(config, inputsOf(b, lw as tf.Tensor1D, ll as tf.Tensor1D)).loss, tf.mul(0, tf.sum(ll))),
    );
    const [gw, gl] = g([tf.tensor1d(b.lw), tf.tensor1d(b.ll)]);
    return [Array.from(gw!.dataSync()), Array.from(gl!.dataSync())];
  });
}

// Plain-number reference implementations, written from mmpo-spec.md independently of the tfjs code.
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const logSigmoid = (x: number) => -softplus(-x);
const lse = (a: number, b: number) => Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

function referenceMmpo(c: Extract<ObjectiveConfig, { objective: 'mmpo' }>, b: Batch): { loss: number; sw: number[]; sl: number[] } {
  const n = (x: number, len: number) => (c.lengthNorm ? x / Math.max(len, 1) : x);
  const rw = b.refW.map((r, i) => c.epsilon + c.beta * n(r, b.lenW[i]!));
  const rl = b.refL.map((r, i) => c.epsilonRejected + c.beta * n(r, b.lenL[i]!));
  const all = [...rw, ...rl];
  const lo = Math.min(...all);
  const span = Math.max(...all) - lo + 1e-6;
  const norm = (r: number) => (c.inBatchNorm ? (r + 1e-6 - lo) / span : r);
  const sw = b.lw.map((l, i) => n(l, b.lenW[i]!) + norm(rw[i]!));
  const sl = b.ll.map((l, i) => n(l, b.lenL[i]!) + norm(rl[i]!));
  const loss = avg(sw.map((w, i) => -lse(w, sl[i]!) + c.lambdaPair * -logSigmoid(w - sl[i]!)));
  return { loss, sw, sl };
}

const mmpo = ObjectiveConfig.parse(PRESETS.mmpo) as Extract<ObjectiveConfig, { objective: 'mmpo' }>;
const mml = ObjectiveConfig.parse(PRESETS['mmpo-mml']) as Extract<ObjectiveConfig, { objective: 'mmpo' }>;

describe('MMPO', () => {
  it('matches a value computed by hand (one pair: normalised log P* are 1 and ~0, loss = −s_w = 1)', () => {
    const one: Batch = { lw: [-2], ll: [-3], refW: [-2.5], refL: [-2.5], lenW: [1], lenL: [1] };
    // r_w = 0.9 + 0.05·(−2.5) = 0.775, r_l = 0.1 − 0.125 = −0.025 → r̃_w = 1, r̃_l ≈ 1.25e-6;
    // s_w = −1, s_l ≈ −3; L_mml = 1 − log(1 + e^−2) = 0.873072, L_pair = log(1 + e^−2) = 0.126928.
    expect(lossOf({ ...mmpo, lambdaPair: 0 }, one)).toBeCloseTo(0.873072, 5);
    expect(lossOf(mmpo, one)).toBeCloseTo(1.0, 5);
  });

  it('matches the reference implementation for every switch combination', () => {
    for (const lambdaPair of [0, 1, 0.5]) {
      for (const inBatchNorm of [true, false]) {
        for (const lengthNorm of [true, false]) {
          const c = { ...mmpo, lambdaPair, inBatchNorm, lengthNorm, beta: 0.1, epsilon: 0.7, epsilonRejected: 0.2 };
          expect(lossOf(c, batch), JSON.stringify(c)).toBeCloseTo(referenceMmpo(c, batch).loss, 4);
        }
      }
    }
  });

  it('identity: with λ_pair = 1 the loss is −mean(s_w) and the gradient is exactly that of SFT on the chosen response', () => {
    const ref = referenceMmpo(mmpo, batch);
    expect(lossOf(mmpo, batch)).toBeCloseTo(-avg(ref.sw), 4);
    const [gw, gl] = gradsOf(mmpo, batch);
    const [sftW] = gradsOf({ objective: 'sft', lengthNorm: false }, batch);
    for (let i = 0; i < batch.lw.length; i++) {
      expect(gw[i]).toBeCloseTo(-1 / batch.lw.length, 6);
      expect(gw[i]).toBeCloseTo(sftW[i]!, 6);
      expect(gl[i]).toBeCloseTo(0, 6);
    }
  });

  it('mmpo-mml: the gradient is the likelihood gradient weighted by softmax(s_w, s_l) (M4)', () => {
    const ref = referenceMmpo(mml, batch);
    const [gw, gl] = gradsOf(mml, batch);
    const res = tf.tidy(() => Array.from(computeObjective(mml, inputsOf(batch)).weightChosen!.dataSync()));
    ref.sw.forEach((sw, i) => {
      const ww = Math.exp(sw - lse(sw, ref.sl[i]!));
      expect(res[i]).toBeCloseTo(ww, 5);
      expect(gw[i]).toBeCloseTo(-ww / batch.lw.length, 5);
      expect(gl[i]).toBeCloseTo(-(1 - ww) / batch.lw.length, 5);
    });
  });

  it('logs TRL-named metrics with chosen and rejected the right way round', () => {
    const ref = referenceMmpo(mmpo, batch);
    const metrics = tf.tidy(() =>
      Object.fromEntries(Object.entries(computeObjective(mmpo, inputsOf(batch)).metrics).map(([k, v]) => [k, v.dataSync()[0]!])),
    );
    expect(metrics['rewards/chosen']).toBeCloseTo(avg(ref.sw), 4);
    expect(metrics['rewards/rejected']).toBeCloseTo(avg(ref.sl), 4);
    expect(metrics['rewards/margins']).toBeCloseTo(avg(ref.sw.map((w, i) => w - ref.sl[i]!)), 4);
    expect(metrics['rewards/accuracies']).toBeCloseTo(avg(ref.sw.map((w, i) => (w > ref.sl[i]! ? 1 : 0))), 6);
    expect(metrics['logps/chosen']).toBeCloseTo(avg(batch.lw), 4);
    expect(metrics['logps/rejected']).toBeCloseTo(avg(batch.ll), 4);
    expect(metrics['mmpo/weight_chosen']).toBeGreaterThan(0);
  });
});

describe('baselines', () => {
  it('DPO with the policy equal to the reference has loss log 2', () => {
    const same: Batch = { ...batch, lw: batch.refW, ll: batch.refL };
    expect(lossOf({ objective: 'dpo', beta: 0.1 }, same)).toBeCloseTo(Math.log(2), 6);
  });

  it('DPO, IPO, SimPO, ORPO and SFT match their formulas', () => {
    const h = batch.lw.map((lw, i) => lw - batch.refW[i]! - (batch.ll[i]! - batch.refL[i]!));
    expect(lossOf({ objective: 'dpo', beta: 0.1 }, batch)).toBeCloseTo(avg(h.map((x) => -logSigmoid(0.1 * x))), 5);

    const a = (x: number[], len: number[]) => x.map((v, i) => v / len[i]!);
    const hIpo = a(batch.lw, batch.lenW).map(
      (v, i) => v - a(batch.refW, batch.lenW)[i]! - (a(batch.ll, batch.lenL)[i]! - a(batch.refL, batch.lenL)[i]!),
    );
    expect(lossOf({ objective: 'ipo', beta: 0.5 }, batch)).toBeCloseTo(avg(hIpo.map((x) => (x - 1 / (2 * 0.5)) ** 2)), 5);

    const simpo = (avgLogps: boolean) => {
      const w = avgLogps ? a(batch.lw, batch.lenW) : batch.lw;
      const l = avgLogps ? a(batch.ll, batch.lenL) : batch.ll;
      return avg(w.map((x, i) => -logSigmoid(2 * (x - l[i]!) - 1.6)));
    };
    // γ/β = 0.8 with β = 2: γ = 1.6.
    expect(lossOf({ objective: 'simpo', beta: 2, gammaBetaRatio: 0.8, averageLogps: true }, batch)).toBeCloseTo(simpo(true), 5);
    expect(lossOf({ objective: 'simpo', beta: 2, gammaBetaRatio: 0.8, averageLogps: false }, batch)).toBeCloseTo(simpo(false), 5);

    const logOdds = (l: number) => l - Math.log(1 - Math.exp(l));
    const mw = a(batch.lw, batch.lenW);
    const ml = a(batch.ll, batch.lenL);
    expect(lossOf({ objective: 'orpo', lambda: 0.1 }, batch)).toBeCloseTo(
      avg(mw.map((w, i) => -w - 0.1 * logSigmoid(logOdds(w) - logOdds(ml[i]!)))),
      4,
    );

    expect(lossOf({ objective: 'sft', lengthNorm: false }, batch)).toBeCloseTo(-avg(batch.lw), 5);
    expect(lossOf({ objective: 'sft', lengthNorm: true }, batch)).toBeCloseTo(-avg(mw), 5);
  });

  it('refuses reference-based objectives without reference log-probs', () => {
    expect(() =>
      tf.tidy(
        () =>
          computeObjective({ objective: 'dpo', beta: 0.1 }, { chosen: inputsOf(batch).chosen, rejected: inputsOf(batch).rejected }).loss,
      ),
    ).toThrow(/reference/);
  });
});

describe('gradients against finite differences', () => {
  const configs: ObjectiveConfig[] = [
    mmpo,
    mml,
    { ...mmpo, lengthNorm: true, inBatchNorm: false },
    { objective: 'dpo', beta: 0.1 },
    { objective: 'ipo', beta: 0.5 },
    { objective: 'simpo', beta: 2, gammaBetaRatio: 1.6, averageLogps: true },
    { objective: 'orpo', lambda: 0.1 },
    { objective: 'sft', lengthNorm: true },
  ];
  for (const config of configs) {
    it(`${config.objective} ${JSON.stringify(config)}`, () => {
      const [gw, gl] = gradsOf(config, batch);
      const step = 1e-2;
      for (const side of ['lw', 'll'] as const) {
        for (let i = 0; i < batch.lw.length; i++) {
          const plus = structuredClone(batch);
          const minus = structuredClone(batch);
          plus[side][i]! += step;
          minus[side][i]! -= step;
          const numeric = (lossOf(config, plus) - lossOf(config, minus)) / (2 * step);
          const analytic = side === 'lw' ? gw[i]! : gl[i]!;
          expect(Math.abs(numeric - analytic), `${side}[${i}] numeric ${numeric} analytic ${analytic}`).toBeLessThan(
            2e-3 + 2e-2 * Math.abs(analytic),
          );
        }
      }
    });
  }
});

describe('the entropy objective (M10)', () => {
  it('sums stopgrad(H_t)·ℓθ(y_<t) + H_t over response tokens, with the entropy weight frozen in the gradient', () => {
    const logp = [[-1, -2, -0.5]];
    const entropy = [[0.7, 0.2, 1.1]];
    const mask = [[1, 1, 0]];
    const value = tf.tidy(() => entropyObjective(tf.tensor2d(logp), tf.tensor2d(entropy), tf.tensor2d(mask), false).dataSync()[0]!);
    // t=0: 0.7·0 + 0.7; t=1: 0.2·(−1) + 0.2; t=2 masked → 0.7 + 0 = 0.7
    expect(value).toBeCloseTo(0.7, 6);
    const normalised = tf.tidy(() => entropyObjective(tf.tensor2d(logp), tf.tensor2d(entropy), tf.tensor2d(mask), true).dataSync()[0]!);
    expect(normalised).toBeCloseTo(0.35, 6);
    const [dLogp, dEntropy] = tf.tidy(() => {
      const g = tf.grads((lp: tf.Tensor, h: tf.Tensor) =>
        tf.sum(entropyObjective(lp as tf.Tensor2D, h as tf.Tensor2D, tf.tensor2d(mask), false)),
      );
      return g([tf.tensor2d(logp), tf.tensor2d(entropy)]).map((t) => Array.from(t.dataSync()));
    });
    // ∂/∂logp_0 = H_1 (it enters the prefix of t=1); ∂/∂H_t = 1 on response tokens (the product term is frozen).
    expect(dLogp).toEqual([expect.closeTo(0.2, 6), expect.closeTo(0, 6), expect.closeTo(0, 6)]);
    expect(dEntropy).toEqual([expect.closeTo(1, 6), expect.closeTo(1, 6), expect.closeTo(0, 6)]);
  });

  it('adds β·mean(−H_obj) to the MMPO loss when on', () => {
    const inputs = () => {
      const i = inputsOf(batch);
      i.chosen.entropyObjective = tf.tensor1d([1, 2, 3]);
      i.rejected.entropyObjective = tf.tensor1d([4, 5, 6]);
      return i;
    };
    const off = tf.tidy(() => computeObjective(mmpo, inputs()).loss.dataSync()[0]!);
    const on = tf.tidy(() => computeObjective({ ...mmpo, entropy: true }, inputs()).loss.dataSync()[0]!);
    expect(on - off).toBeCloseTo(mmpo.beta * -3.5, 5);
  });
});
