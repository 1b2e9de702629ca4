/**
 * Curve smoothing and alignment for metric charts (evaluation.md, "Curves").
 * Smoothing is for display only: stored values never change.
 */

/**
 * Exponential moving average with the start-up bias removed, as TensorBoard
 * smooths scalars: `last ← w·last + (1−w)·y` from `last = 0`, shown as
 * `last / (1 − wⁿ)` after n points. Weight 0 returns the values, 0.99 nearly
 * flattens them; weights are clamped to [0, 0.999]. Non-finite values pass
 * through and do not poison the average (they do not count as points).
 */
export function ema(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  if (w === 0) return values.slice();
  let accumulated = 0;
  // wⁿ kept as a running product: a power per point was most of the smoothing's time on Compare's first open
  // (50 runs × 5 metrics × 2,000 points); it agrees with w ** n to about n ulps.
  let decay = 1;
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    accumulated = accumulated * w + (1 - w) * v;
    decay *= w;
    out[i] = accumulated / (1 - decay);
  }
  return out;
}

/**
 * x of each point relative to the run's first step (`step − steps[0]`), so
 * runs that resumed or started late line up at 0 (tensorboard #6969).
 * Steps are expected sorted, as metric columns are; an empty run stays empty.
 */
export function relativeSteps(steps: readonly number[]): number[] {
  const first = steps[0];
  if (first === undefined) return [];
  return steps.map((s) => s - first);
}
