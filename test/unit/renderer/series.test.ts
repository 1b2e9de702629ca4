import { describe, expect, it } from 'vitest';
import { alignColumns, appendPoints, ema, histogram, lastStep, mergeSeries, truncateSeries } from '../../../renderer/src/lib/series';

describe('appendPoints', () => {
  it('appends new steps in order and creates columns for new metrics', () => {
    const s1 = appendPoints({}, [
      { step: 1, name: 'loss', value: 2 },
      { step: 1, name: 'grad_norm', value: 5 },
    ]);
    const s2 = appendPoints(s1, [{ step: 2, name: 'loss', value: 1.5 }]);
    expect(s2).toEqual({ loss: { steps: [1, 2], values: [2, 1.5] }, grad_norm: { steps: [1], values: [5] } });
    // The earlier object is untouched, and an unchanged column is shared.
    expect(s1['loss']).toEqual({ steps: [1], values: [2] });
    expect(s2['grad_norm']).toBe(s1['grad_norm']);
  });

  it('replaces a replayed step and inserts an out-of-order one where it belongs', () => {
    const s = appendPoints({ loss: { steps: [1, 3, 5], values: [3, 2, 1] } }, [
      { step: 3, name: 'loss', value: 2.5 },
      { step: 4, name: 'loss', value: 1.8 },
    ]);
    expect(s['loss']).toEqual({ steps: [1, 3, 4, 5], values: [3, 2.5, 1.8, 1] });
  });

  it('returns the same object when nothing changes', () => {
    const s = { loss: { steps: [1], values: [3] } };
    expect(appendPoints(s, [{ step: 1, name: 'loss', value: 3 }])).toBe(s);
  });
});

describe('mergeSeries', () => {
  it('keeps points that events added after the fetch started, with fetched values winning', () => {
    const fromEvents = { loss: { steps: [1, 2, 3], values: [9, 9, 1.2] }, 'eval/loss': { steps: [2], values: [4] } };
    const fetched = { loss: { steps: [1, 2], values: [2, 1.5] } };
    expect(mergeSeries(fromEvents, fetched)).toEqual({
      loss: { steps: [1, 2, 3], values: [2, 1.5, 1.2] },
      'eval/loss': { steps: [2], values: [4] },
    });
  });
});

describe('truncateSeries', () => {
  it('drops steps after the resume point, and whole columns that only had later steps', () => {
    const s = { loss: { steps: [1, 2, 3, 4], values: [4, 3, 2, 1] }, 'eval/loss': { steps: [4], values: [2] } };
    expect(truncateSeries(s, 2)).toEqual({ loss: { steps: [1, 2], values: [4, 3] } });
    expect(truncateSeries(s, 4)).toBe(s);
    expect(lastStep(truncateSeries(s, 2))).toBe(2);
    expect(lastStep(undefined)).toBe(0);
  });
});

describe('ema', () => {
  it('is the identity at weight 0 and removes the start-up bias (first value kept)', () => {
    expect(ema([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const smoothed = ema([10, 0, 0], 0.5);
    expect(smoothed[0]).toBeCloseTo(10);
    // Debiased: (0.5·10·0.5 + 0) / (1 − 0.25) = 2.5 / 0.75
    expect(smoothed[1]).toBeCloseTo(2.5 / 0.75);
    expect(smoothed[2]).toBeCloseTo(1.25 / 0.875);
  });

  it('flattens noise around a constant and lets non-finite values through without poisoning later ones', () => {
    const noisy = Array.from({ length: 200 }, (_, i) => 1 + (i % 2 === 0 ? 0.5 : -0.5));
    const smoothed = ema(noisy, 0.9);
    expect(Math.abs(smoothed.at(-1)! - 1)).toBeLessThan(0.05);
    const withNaN = ema([1, Number.NaN, 1], 0.6);
    expect(withNaN[1]).toBeNaN();
    expect(withNaN[2]).toBeCloseTo(1);
  });
});

describe('alignColumns', () => {
  it('puts sparse columns on one sorted step axis with nulls in the gaps', () => {
    const { x, ys } = alignColumns([
      { steps: [1, 2, 3, 4], values: [4, 3, 2, 1] },
      { steps: [2, 4], values: [3.5, 1.5] },
    ]);
    expect(x).toEqual([1, 2, 3, 4]);
    expect(ys).toEqual([
      [4, 3, 2, 1],
      [null, 3.5, null, 1.5],
    ]);
  });
});

describe('histogram', () => {
  it('bins values over [lo, hi], counting the top edge in the last bin and clamping outliers', () => {
    expect(histogram([0, 0.05, 0.5, 0.99, 1, 1.2, -0.1, Number.NaN], 4)).toEqual([3, 0, 1, 3]);
    expect(histogram([], 3)).toEqual([0, 0, 0]);
  });
});
