import { describe, expect, it } from 'vitest';
import { ema, relativeSteps } from '../../../shared/stats/smoothing';
import { ema as seriesEma } from '../../../renderer/src/lib/series';

describe('ema (TensorBoard debiased EMA, evaluation.md "Curves")', () => {
  it('matches hand-computed values', () => {
    // w = 0.6, y = [2, 4, 1]; last starts at 0.
    // n=1: last = 0.6·0 + 0.4·2 = 0.8;        shown 0.8 / (1 − 0.6)   = 0.8 / 0.4   = 2
    // n=2: last = 0.6·0.8 + 0.4·4 = 2.08;     shown 2.08 / (1 − 0.36) = 2.08 / 0.64 = 3.25
    // n=3: last = 0.6·2.08 + 0.4·1 = 1.648;   shown 1.648 / (1 − 0.216) = 1.648 / 0.784 = 2.10204…
    const out = ema([2, 4, 1], 0.6);
    expect(out[0]).toBeCloseTo(2, 12);
    expect(out[1]).toBeCloseTo(3.25, 12);
    expect(out[2]).toBeCloseTo(1.648 / 0.784, 12);
  });

  it('is the identity at weight 0 and a constant stays constant at any weight', () => {
    expect(ema([1, 2, 3], 0)).toEqual([1, 2, 3]);
    // Debiasing makes a constant series exact: c·(1 − wⁿ) / (1 − wⁿ) = c.
    for (const v of ema([5, 5, 5, 5], 0.9)) expect(v).toBeCloseTo(5, 12);
  });

  it('skips non-finite values without counting them as points', () => {
    // w = 0.5: n=1 → 0.5·1 / 0.5 = 1; NaN passes through; n=2 → (0.25 + 0.5·3) / 0.75 = 1.75 / 0.75 = 2.333…
    const out = ema([1, Number.NaN, 3], 0.5);
    expect(out[0]).toBeCloseTo(1, 12);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeCloseTo(1.75 / 0.75, 12);
  });

  it('is the function the renderer charts use (series.ts re-exports it)', () => {
    expect(seriesEma).toBe(ema);
  });
});

describe('relativeSteps', () => {
  it('puts the first step at 0 (a run that resumed or started late lines up)', () => {
    expect(relativeSteps([100, 110, 130])).toEqual([0, 10, 30]);
    expect(relativeSteps([0, 5])).toEqual([0, 5]);
    expect(relativeSteps([])).toEqual([]);
  });
});
