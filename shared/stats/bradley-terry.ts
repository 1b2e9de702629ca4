/**
 * Bradley–Terry ratings from pairwise votes, as Chatbot Arena computes them
 * (evaluation.md, "Ratings across many checkpoints"):
 * `P(a beats b) = σ(ln 10 · (s_a − s_b))`, a tie is half a win for each side,
 * fit by maximum likelihood with a small L2 term, rating `R = 400·s + 1000`.
 *
 * The L2 term (λ/2)·Σ s² makes the fit unique: the likelihood only sees
 * differences, and the penalty picks Σ s = 0, so the mean rating is 1000
 * (Arena anchors on a reference model instead; add an offset to do the
 * same). It also keeps a player who won every vote at a finite rating
 * instead of +∞; with the default λ = 1e-3 that effect on ratings with a few
 * votes per pair is a small fraction of a point.
 *
 * Ratings depend on the votes only through per-pair win counts over players
 * sorted by name, so the order of the votes and the side a vote names first
 * change nothing, not even in the last bit. The bootstrap sorts the votes
 * canonically before resampling, so it is vote-order invariant too.
 */
import { SeededRng, quantile, resampleIndices } from './random';

export type Winner = 'a' | 'b' | 'tie';

export interface Vote {
  a: string;
  b: string;
  winner: Winner;
}

export interface BradleyTerryOptions {
  /** L2 weight λ on the strengths s (default 1e-3). Must be > 0. */
  l2?: number;
}

export interface BradleyTerryFit {
  /** Players, sorted by name. */
  players: string[];
  /** Strength s per player (same order), in log10-odds units. */
  strengths: number[];
  /** Rating 400·s + 1000 per player. */
  ratings: Record<string, number>;
  /** Newton iterations used. */
  iterations: number;
}

const LN10 = Math.LN10;
const SCALE = 400;
const INIT = 1000;

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** log σ(x), stable for large |x|. */
function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

function sortedPlayers(votes: readonly Vote[]): string[] {
  const names = new Set<string>();
  for (const v of votes) {
    if (v.a === v.b) throw new Error(`bradleyTerry: a vote of ${v.a} against itself`);
    names.add(v.a);
    names.add(v.b);
  }
  return [...names].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

/** wins[i·K + j]: wins of i over j, a tie counting half for each side. */
function winMatrix(votes: readonly Vote[], index: ReadonlyMap<string, number>, picks?: Int32Array): Float64Array {
  const k = index.size;
  const wins = new Float64Array(k * k);
  const count = picks ? picks.length : votes.length;
  for (let t = 0; t < count; t++) {
    const v = votes[picks ? picks[t]! : t]!;
    const i = index.get(v.a)!;
    const j = index.get(v.b)!;
    if (v.winner === 'a') wins[i * k + j]! += 1;
    else if (v.winner === 'b') wins[j * k + i]! += 1;
    else {
      wins[i * k + j]! += 0.5;
      wins[j * k + i]! += 0.5;
    }
  }
  return wins;
}

/** Negative penalized log-likelihood. */
function objective(wins: Float64Array, k: number, s: Float64Array, l2: number): number {
  let f = 0;
  for (let i = 0; i < k; i++) {
    f += 0.5 * l2 * s[i]! * s[i]!;
    for (let j = 0; j < k; j++) {
      const w = wins[i * k + j]!;
      if (w > 0) f -= w * logSigmoid(LN10 * (s[i]! - s[j]!));
    }
  }
  return f;
}

/** Solves A x = b for a symmetric positive definite A (Cholesky); A is k×k row-major. */
function solveSpd(a: Float64Array, b: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * k + j]!;
      for (let m = 0; m < j; m++) sum -= l[i * k + m]! * l[j * k + m]!;
      if (i === j) l[i * k + i] = Math.sqrt(Math.max(sum, 1e-300));
      else l[i * k + j] = sum / l[j * k + j]!;
    }
  }
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let sum = b[i]!;
    for (let m = 0; m < i; m++) sum -= l[i * k + m]! * y[m]!;
    y[i] = sum / l[i * k + i]!;
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let m = i + 1; m < k; m++) sum -= l[m * k + i]! * x[m]!;
    x[i] = sum / l[i * k + i]!;
  }
  return x;
}

/** Newton's method with backtracking on the (strictly convex) penalized objective. */
function fitStrengths(wins: Float64Array, k: number, l2: number, start?: Float64Array): { s: Float64Array; iterations: number } {
  const s = start ? Float64Array.from(start) : new Float64Array(k);
  let f = objective(wins, k, s, l2);
  let iterations = 0;
  for (; iterations < 100; iterations++) {
    const grad = new Float64Array(k);
    const hess = new Float64Array(k * k);
    for (let i = 0; i < k; i++) {
      grad[i] = l2 * s[i]!;
      hess[i * k + i] = l2;
    }
    for (let i = 0; i < k; i++) {
      for (let j = i + 1; j < k; j++) {
        const n = wins[i * k + j]! + wins[j * k + i]!;
        if (n === 0) continue;
        const p = sigmoid(LN10 * (s[i]! - s[j]!));
        // d f / d s_i = −ln10 · (W_ij − n_ij·p_ij); the j side mirrors it.
        const g = -LN10 * (wins[i * k + j]! - n * p);
        grad[i]! += g;
        grad[j]! -= g;
        const h = LN10 * LN10 * n * p * (1 - p);
        hess[i * k + i]! += h;
        hess[j * k + j]! += h;
        hess[i * k + j]! -= h;
        hess[j * k + i]! -= h;
      }
    }
    const step = solveSpd(hess, grad, k);
    let maxStep = 0;
    for (let i = 0; i < k; i++) maxStep = Math.max(maxStep, Math.abs(step[i]!));
    if (maxStep < 1e-12) break;
    let t = 1;
    let next = new Float64Array(k);
    let fNext = f;
    for (let halvings = 0; halvings < 50; halvings++, t /= 2) {
      next = s.map((v, i) => v - t * step[i]!);
      fNext = objective(wins, k, next, l2);
      if (fNext <= f) break;
    }
    if (!(fNext <= f)) break; // no descent left: at the optimum up to rounding
    s.set(next);
    f = fNext;
    if (maxStep * t < 1e-12) break;
  }
  return { s, iterations };
}

/** Bradley–Terry ratings (400·s + 1000) by penalized maximum likelihood. No votes give no players. */
export function bradleyTerry(votes: readonly Vote[], options: BradleyTerryOptions = {}): BradleyTerryFit {
  const l2 = options.l2 ?? 1e-3;
  if (!(l2 > 0)) throw new Error('bradleyTerry: the L2 weight must be positive (it makes the ratings unique)');
  const players = sortedPlayers(votes);
  const index = new Map(players.map((p, i) => [p, i]));
  const { s, iterations } = fitStrengths(winMatrix(votes, index), players.length, l2);
  const strengths = [...s];
  const ratings: Record<string, number> = {};
  players.forEach((p, i) => (ratings[p] = SCALE * strengths[i]! + INIT));
  return { players, strengths, ratings, iterations };
}

export interface RatingInterval {
  /** Rating fitted on all the votes. */
  rating: number;
  /** Median rating over the bootstrap rounds. */
  median: number;
  /** 2.5th and 97.5th percentiles over the rounds (numpy's linear quantile). */
  low: number;
  high: number;
  /** Rounds in which the player had at least one vote (the percentiles use only those). */
  rounds: number;
}

export interface BradleyTerryBootstrap {
  players: string[];
  ratings: Record<string, RatingInterval>;
  /** Resampling rounds run. */
  rounds: number;
  seed: number;
}

export interface BradleyTerryBootstrapOptions extends BradleyTerryOptions {
  /** Rounds of resampling the votes with replacement (default 200, the floor evaluation.md sets). */
  rounds?: number;
  /** Seed of the resampling (default 0). */
  seed?: number;
}

function canonical(v: Vote): Vote {
  if (v.a <= v.b) return v;
  return { a: v.b, b: v.a, winner: v.winner === 'a' ? 'b' : v.winner === 'b' ? 'a' : 'tie' };
}

function compareVotes(x: Vote, y: Vote): number {
  if (x.a !== y.a) return x.a < y.a ? -1 : 1;
  if (x.b !== y.b) return x.b < y.b ? -1 : 1;
  return x.winner < y.winner ? -1 : x.winner > y.winner ? 1 : 0;
}

/**
 * Ratings with a bootstrap over the votes (Chatbot Arena's uncertainty):
 * `rounds` resamples of the votes with replacement, each refit; per player the
 * median and the 2.5 / 97.5 percentiles. A player who drew no vote in a round
 * is left out of that round (its rating there would be the prior, 1000).
 */
export function bradleyTerryBootstrap(votes: readonly Vote[], options: BradleyTerryBootstrapOptions = {}): BradleyTerryBootstrap {
  const rounds = options.rounds ?? 200;
  const seed = options.seed ?? 0;
  const l2 = options.l2 ?? 1e-3;
  const fit = bradleyTerry(votes, { l2 });
  const { players } = fit;
  const k = players.length;
  const index = new Map(players.map((p, i) => [p, i]));
  const sorted = votes.map(canonical).sort(compareVotes);
  const samples: number[][] = players.map(() => []);
  const rng = new SeededRng(seed);
  const start = Float64Array.from(fit.strengths);
  for (let r = 0; r < rounds && sorted.length > 0; r++) {
    const picks = resampleIndices(rng, sorted.length);
    const present = new Uint8Array(k);
    for (const t of picks) {
      const v = sorted[t]!;
      present[index.get(v.a)!] = 1;
      present[index.get(v.b)!] = 1;
    }
    const { s } = fitStrengths(winMatrix(sorted, index, picks), k, l2, start);
    for (let i = 0; i < k; i++) if (present[i]) samples[i]!.push(SCALE * s[i]! + INIT);
  }
  const ratings: Record<string, RatingInterval> = {};
  players.forEach((p, i) => {
    const xs = samples[i]!;
    const rating = fit.ratings[p]!;
    // Only with rounds = 0 can a player have no sample: the point rating then stands alone.
    ratings[p] =
      xs.length === 0
        ? { rating, median: rating, low: rating, high: rating, rounds: 0 }
        : { rating, median: quantile(xs, 0.5), low: quantile(xs, 0.025), high: quantile(xs, 0.975), rounds: xs.length };
  });
  return { players, ratings, rounds, seed };
}
