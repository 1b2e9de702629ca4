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
  let count = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    accumulated = accumulated * w + (1 - w) * v;
    count += 1;
    return accumulated / (1 - w ** count);
  });
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
