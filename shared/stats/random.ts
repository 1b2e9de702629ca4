/**
 * Seeded randomness for the statistics: every resampling (bootstrap intervals
 * of win rates, Bradley–Terry ratings) takes a seed, so the same data and the
 * same seed give the same interval on every machine and every run.
 *
 * The generator is mulberry32; the engine's `SeededRng` (main/engine/rng.ts)
 * extends this one with normal draws, so weights, sampling and statistics
 * share one stream definition.
 */

/** Small seeded uniform generator (mulberry32). */
export class SeededRng {
  private state: number;

  constructor(seed: number) {
    // Mix the seed so that nearby seeds give unrelated streams.
    this.state = (Math.imul(seed | 0, 0x9e3779b1) ^ 0x85ebca6b) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** n indices drawn uniformly with replacement from [0, n): one bootstrap resample. */
export function resampleIndices(rng: SeededRng, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(n);
  return out;
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of `values` with linear interpolation between
 * order statistics — numpy's default (`np.percentile(x, 100·q)`, "linear").
 * NaN for no values.
 */
export function quantile(values: readonly number[] | Float64Array, q: number): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const pos = Math.min(Math.max(q, 0), 1) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  rounds?: number;
  /** Seed of the resampling (default 0). */
  seed?: number;
}

/**
 * The statistic on `rounds` bootstrap resamples of n units (indices drawn with
 * replacement), in draw order. The statistic receives the resampled indices.
 * A RangeError for fewer than 1 round (an interval of no samples would be NaN).
 */
export function bootstrap(n: number, statistic: (indices: Int32Array) => number, options: BootstrapOptions = {}): Float64Array {
  const rounds = options.rounds ?? 1000;
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`A bootstrap needs a whole number of rounds ≥ 1, not ${rounds}.`);
  const rng = new SeededRng(options.seed ?? 0);
  const out = new Float64Array(rounds);
  for (let r = 0; r < rounds; r++) out[r] = statistic(resampleIndices(rng, n));
  return out;
}

export interface Interval {
  low: number;
  high: number;
}

/** The central `level` percentile interval of bootstrap samples: [q((1−level)/2), q((1+level)/2)]. */
export function percentileInterval(samples: readonly number[] | Float64Array, level = 0.95): Interval {
  return { low: quantile(samples, (1 - level) / 2), high: quantile(samples, (1 + level) / 2) };
}

/**
 * Percentile-method bootstrap interval of a statistic over n units
 * (default 1000 resamples, 95%). With n = 0 the interval is NaN on both sides;
 * callers report "no data" before asking.
 */
export function bootstrapPercentileInterval(
  n: number,
  statistic: (indices: Int32Array) => number,
  options: BootstrapOptions & { level?: number } = {},
): Interval {
  if (n === 0) return { low: Number.NaN, high: Number.NaN };
  return percentileInterval(bootstrap(n, statistic, options), options.level ?? 0.95);
}
