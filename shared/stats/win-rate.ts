/**
 * Win rate against a baseline (../shared/evaluation.md, "Win rate against a
 * baseline"): judge verdicts per prompt score win 1, tie 0.5, loss 0;
 *
 *   win rate = 100 · mean score, with a seeded percentile-bootstrap 95% interval over prompts;
 *   a judge asked in both orders: a verdict that changes with the order is a tie
 *     and counts toward the judge's inconsistency rate (MT-Bench);
 *   length-controlled win rate (AlpacaEval 2): logit p = w0 + w1 · tanh(Δlen / sd(Δlen)),
 *     LC = 100 · σ(w0), the win rate with the length difference set to 0.
 */

import { bootstrapPercentileInterval, type Interval } from './random';

export type Verdict = 'win' | 'tie' | 'loss';

/** A verdict's score from the candidate's side: win 1, tie 0.5, loss 0. */
export function verdictScore(verdict: Verdict): number {
  return verdict === 'win' ? 1 : verdict === 'tie' ? 0.5 : 0;
}

export interface WinRateOptions {
  /** Bootstrap resamples (default 1000). */
  rounds?: number;
  /** Seed of the resampling (default 0): the same verdicts and seed give the same interval. */
  seed?: number;
  /** Interval level (default 0.95). */
  level?: number;
}

export interface WinRate {
  n: number;
  wins: number;
  ties: number;
  losses: number;
  /** 100 · mean score; null when there are no verdicts. */
  winRate: number | null;
  /** Percentile bootstrap interval over prompts, in the same 0–100 units; null when there are no verdicts. */
  interval: Interval | null;
  rounds: number;
  seed: number;
  level: number;
}

/** Win rate (×100) with its bootstrap interval. All wins give 100 with the interval [100, 100]. */
export function winRate(verdicts: readonly Verdict[], options: WinRateOptions = {}): WinRate {
  const rounds = options.rounds ?? 1000;
  const seed = options.seed ?? 0;
  const level = options.level ?? 0.95;
  const scores = verdicts.map(verdictScore);
  const n = scores.length;
  const count = (v: Verdict) => verdicts.filter((x) => x === v).length;
  const base = { n, wins: count('win'), ties: count('tie'), losses: count('loss'), rounds, seed, level };
  if (n === 0) return { ...base, winRate: null, interval: null };
  const mean100 = (idx: Int32Array | null) => {
    let s = 0;
    if (idx) for (const i of idx) s += scores[i]!;
    else for (const x of scores) s += x;
    return (100 * s) / n;
  };
  return { ...base, winRate: mean100(null), interval: bootstrapPercentileInterval(n, mean100, { rounds, seed, level }) };
}

// ---------------------------------------------------------------------------
// A judge asked in both orders

/**
 * One prompt judged twice, with the candidate shown first and then second;
 * both verdicts are from the candidate's side (see `verdictForCandidate`).
 */
export interface TwoOrderJudgment {
  candidateFirst: Verdict;
  candidateSecond: Verdict;
}

/** A judge's answer about positions ("A" shown first, "B" second) as a verdict for the candidate. */
export function verdictForCandidate(winner: 'A' | 'B' | 'tie', candidatePosition: 'A' | 'B'): Verdict {
  if (winner === 'tie') return 'tie';
  return winner === candidatePosition ? 'win' : 'loss';
}

/**
 * The verdict of a prompt judged in both orders: the agreed verdict when both
 * orders agree, otherwise a tie that is inconsistent — any disagreement,
 * win/tie included, as FastChat's MT-Bench scoring counts it.
 */
export function consolidateOrders(judgment: TwoOrderJudgment): { verdict: Verdict; consistent: boolean } {
  if (judgment.candidateFirst === judgment.candidateSecond) return { verdict: judgment.candidateFirst, consistent: true };
  return { verdict: 'tie', consistent: false };
}

export interface ConsolidatedJudgments {
  /** One verdict per prompt, in input order. */
  verdicts: Verdict[];
  n: number;
  /** Prompts whose verdict changed with the order. */
  inconsistent: number;
  /** inconsistent / n; null when there are no prompts. */
  inconsistencyRate: number | null;
  /** Among the inconsistent: the side shown first did better (position bias toward the first answer). */
  favoursFirst: number;
  /** Among the inconsistent: the side shown second did better. */
  favoursSecond: number;
}

/** Consolidates two-order judgments into verdicts and the judge's inconsistency rate. */
export function consolidateJudgments(judgments: readonly TwoOrderJudgment[]): ConsolidatedJudgments {
  const verdicts: Verdict[] = [];
  let inconsistent = 0;
  let favoursFirst = 0;
  let favoursSecond = 0;
  for (const j of judgments) {
    const c = consolidateOrders(j);
    verdicts.push(c.verdict);
    if (c.consistent) continue;
    inconsistent++;
    // The candidate scored better when shown first → the judge favours the first position.
    if (verdictScore(j.candidateFirst) > verdictScore(j.candidateSecond)) favoursFirst++;
    else favoursSecond++;
  }
  const n = judgments.length;
  return { verdicts, n, inconsistent, inconsistencyRate: n === 0 ? null : inconsistent / n, favoursFirst, favoursSecond };
}

// ---------------------------------------------------------------------------
// Length-controlled win rate (AlpacaEval 2)

export interface LengthJudgment {
  verdict: Verdict;
  /** Lengths of the two outputs, in the same unit (AlpacaEval uses characters). */
  candidateLength: number;
  baselineLength: number;
}

export interface LengthControlledOptions {
  /**
   * L2 weight λ on (w0, w1) added to the negative log-likelihood: λ/2·(w0² + w1²).
   * Default 0.01, the penalty of scikit-learn's LogisticRegression(C = 100)
   * that AlpacaEval's fit uses when it does not cross-validate. It keeps the
   * weights finite when length separates the verdicts perfectly (the
   * maximum-likelihood weights are then infinite). 0 fits the plain MLE.
   */
  l2?: number;
}

/**
 * How LC was obtained:
 * - `glm`: the logistic model was fitted;
 * - `constant-verdicts`: every verdict is the same (all wins, all losses or all
 *   ties), so length explains nothing and LC is the raw win rate (100, 0, 50;
 *   the limit of the unpenalised fit);
 * - `no-length-variation`: sd(Δlen) is 0 or undefined (fewer than 2 prompts),
 *   so the length feature cannot be told from the intercept and LC is the raw
 *   win rate;
 * - `no-data`: no verdicts; LC is null.
 */
export type LengthControlMethod = 'glm' | 'constant-verdicts' | 'no-length-variation' | 'no-data';

export interface LengthControlledWinRate {
  n: number;
  /** Raw win rate ×100; null when there are no verdicts. */
  winRate: number | null;
  /** LC = 100 · σ(w0); null only when there are no verdicts. Never NaN. */
  lengthControlled: number | null;
  method: LengthControlMethod;
  /** Fitted weights (null unless method is 'glm'). */
  w0: number | null;
  w1: number | null;
  /** Sample standard deviation (ddof = 1, as pandas' .std()) of Δlen = candidate − baseline; null for n < 2. */
  sdDeltaLength: number | null;
  /** Newton iterations used (0 unless 'glm'). */
  iterations: number;
}

/** log σ(z), stable for large |z|. */
function logSigmoid(z: number): number {
  return z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * Fits logit p = w0 + w1·x to soft targets y ∈ [0, 1] (a tie is y = 0.5, i.e.
 * half a win and half a loss) by Newton's method (IRLS) with backtracking, on
 * the L2-penalised negative log-likelihood.
 */
export function fitLogistic1d(x: readonly number[], y: readonly number[], l2: number): { w0: number; w1: number; iterations: number } {
  const n = x.length;
  const objective = (a: number, b: number) => {
    let f = 0.5 * l2 * (a * a + b * b);
    for (let i = 0; i < n; i++) {
      const z = a + b * x[i]!;
      f -= y[i]! * logSigmoid(z) + (1 - y[i]!) * logSigmoid(-z);
    }
    return f;
  };
  let w0 = 0;
  let w1 = 0;
  let f = objective(w0, w1);
  let iterations = 0;
  for (; iterations < 200; iterations++) {
    let g0 = l2 * w0;
    let g1 = l2 * w1;
    let h00 = l2;
    let h01 = 0;
    let h11 = l2;
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      const p = sigmoid(w0 + w1 * xi);
      const r = p - y[i]!;
      const w = p * (1 - p);
      g0 += r;
      g1 += r * xi;
      h00 += w;
      h01 += w * xi;
      h11 += w * xi * xi;
    }
    if (Math.abs(g0) + Math.abs(g1) < 1e-12 * Math.max(1, n)) break;
    // Solve H·d = g (2×2); a tiny ridge keeps a near-singular H (λ = 0 and separated data) solvable.
    const jitter = 1e-12 * (h00 + h11) + 1e-300;
    const a = h00 + jitter;
    const c = h11 + jitter;
    const det = a * c - h01 * h01;
    let d0: number;
    let d1: number;
    if (det > 0 && Number.isFinite(det)) {
      d0 = (c * g0 - h01 * g1) / det;
      d1 = (a * g1 - h01 * g0) / det;
    } else {
      d0 = g0;
      d1 = g1;
    }
    // Backtracking (Armijo) along the Newton direction.
    const slope = g0 * d0 + g1 * d1;
    let t = 1;
    let accepted = false;
    for (let k = 0; k < 60; k++, t /= 2) {
      const a0 = w0 - t * d0;
      const a1 = w1 - t * d1;
      const fa = objective(a0, a1);
      if (Number.isFinite(fa) && fa <= f - 1e-4 * t * slope) {
        w0 = a0;
        w1 = a1;
        f = fa;
        accepted = true;
        break;
      }
    }
    if (!accepted || t * (Math.abs(d0) + Math.abs(d1)) < 1e-14 * (1 + Math.abs(w0) + Math.abs(w1))) {
      iterations++;
      break;
    }
  }
  return { w0, w1, iterations };
}

/** Length-controlled win rate; see `LengthControlMethod` for the degenerate cases. */
export function lengthControlledWinRate(
  judgments: readonly LengthJudgment[],
  options: LengthControlledOptions = {},
): LengthControlledWinRate {
  const l2 = options.l2 ?? 0.01;
  const n = judgments.length;
  const y = judgments.map((j) => verdictScore(j.verdict));
  const delta = judgments.map((j) => j.candidateLength - j.baselineLength);
  let sum = 0;
  for (const v of y) sum += v;
  const raw = n === 0 ? null : (100 * sum) / n;
  let sd: number | null = null;
  if (n >= 2) {
    const mean = delta.reduce((s, d) => s + d, 0) / n;
    sd = Math.sqrt(delta.reduce((s, d) => s + (d - mean) ** 2, 0) / (n - 1));
  }
  const degenerate = (method: LengthControlMethod): LengthControlledWinRate => ({
    n,
    winRate: raw,
    lengthControlled: raw,
    method,
    w0: null,
    w1: null,
    sdDeltaLength: sd,
    iterations: 0,
  });
  if (n === 0) return degenerate('no-data');
  if (y.every((v) => v === y[0])) return degenerate('constant-verdicts');
  if (sd === null || !(sd > 0) || !Number.isFinite(sd)) return degenerate('no-length-variation');
  const x = delta.map((d) => Math.tanh(d / sd));
  const fit = fitLogistic1d(x, y, l2);
  return {
    n,
    winRate: raw,
    lengthControlled: 100 * sigmoid(fit.w0),
    method: 'glm',
    w0: fit.w0,
    w1: fit.w1,
    sdDeltaLength: sd,
    iterations: fit.iterations,
  };
}
