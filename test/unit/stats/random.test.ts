import { describe, expect, it } from 'vitest';
import {
  SeededRng,
  bootstrap,
  bootstrapPercentileInterval,
  percentileInterval,
  quantile,
  resampleIndices,
} from '../../../shared/stats/random';

describe('SeededRng', () => {
  it('gives the same stream for the same seed and another for another seed', () => {
    const a = new SeededRng(7);
    const b = new SeededRng(7);
    const c = new SeededRng(8);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('draws integers in [0, n) and resamples indices in range', () => {
    const rng = new SeededRng(1);
    const idx = resampleIndices(rng, 10);
    expect(idx.length).toBe(10);
    for (const i of idx) expect(i >= 0 && i < 10).toBe(true);
  });
});

describe('quantile', () => {
  it('interpolates linearly like numpy.percentile', () => {
    // [1, 2, 3, 4]: q = 0.25 → position 0.25·3 = 0.75 → 1 + 0.75·(2 − 1) = 1.75 (np.percentile gives 1.75).
    expect(quantile([4, 1, 3, 2], 0.25)).toBeCloseTo(1.75, 12);
    // q = 0.5 → position 1.5 → 2.5.
    expect(quantile([4, 1, 3, 2], 0.5)).toBeCloseTo(2.5, 12);
    expect(quantile([4, 1, 3, 2], 0)).toBe(1);
    expect(quantile([4, 1, 3, 2], 1)).toBe(4);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('takes the central 95% of samples', () => {
    // 0..100: 2.5% → position 2.5 → 2.5; 97.5% → 97.5.
    const samples = Array.from({ length: 101 }, (_, i) => i);
    const ci = percentileInterval(samples);
    expect(ci.low).toBeCloseTo(2.5, 9);
    expect(ci.high).toBeCloseTo(97.5, 9);
  });
});

describe('bootstrap', () => {
  const data = [1, 0, 1, 1, 0, 1, 0.5, 1, 0, 1];
  const mean = (idx: Int32Array) => {
    let s = 0;
    for (const i of idx) s += data[i]!;
    return s / idx.length;
  };

  it('is reproducible with the same seed and brackets the point estimate', () => {
    const a = bootstrap(data.length, mean, { seed: 3, rounds: 500 });
    const b = bootstrap(data.length, mean, { seed: 3, rounds: 500 });
    expect(a.length).toBe(500);
    expect(Array.from(a)).toEqual(Array.from(b));
    const ci = bootstrapPercentileInterval(data.length, mean, { seed: 3 });
    expect(ci.low).toBeLessThanOrEqual(0.65);
    expect(ci.high).toBeGreaterThanOrEqual(0.65);
    expect(bootstrapPercentileInterval(data.length, mean, { seed: 3 })).toEqual(ci);
    expect(() => bootstrap(data.length, mean, { rounds: 0 })).toThrow(RangeError);
  });
});
