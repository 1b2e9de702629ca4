import { describe, expect, it } from 'vitest';
import { lrAt, warmupSteps } from '../../../main/training/schedule';

describe('lrAt', () => {
  it('warms up linearly from 0 over ceil(ratio × total) steps', () => {
    const s = { kind: 'constant' as const, warmupRatio: 0.1 };
    expect(warmupSteps(100, 0.1)).toBe(10);
    expect(warmupSteps(15, 0.1)).toBe(2);
    expect(lrAt(0, 100, s, 1)).toBe(0);
    expect(lrAt(5, 100, s, 1)).toBeCloseTo(0.5, 12);
    expect(lrAt(10, 100, s, 1)).toBe(1);
    expect(lrAt(99, 100, s, 1)).toBe(1);
  });

  it('decays linearly and by half-cosine to 0 after warmup', () => {
    const lin = { kind: 'linear' as const, warmupRatio: 0.2 };
    const cos = { kind: 'cosine' as const, warmupRatio: 0.2 };
    // 10 steps: warmup 2, decay over the remaining 8.
    expect(lrAt(2, 10, lin, 2)).toBe(2);
    expect(lrAt(6, 10, lin, 2)).toBeCloseTo(1, 12);
    expect(lrAt(10, 10, lin, 2)).toBe(0);
    expect(lrAt(2, 10, cos, 2)).toBeCloseTo(2, 12);
    expect(lrAt(6, 10, cos, 2)).toBeCloseTo(1, 12); // cos(π/2) = 0 → half the peak
    expect(lrAt(4, 10, cos, 2)).toBeCloseTo(1 + Math.cos(Math.PI / 4), 12);
    expect(lrAt(10, 10, cos, 2)).toBeCloseTo(0, 12);
  });

  it('starts at the peak without warmup and never exceeds it', () => {
    const cos = { kind: 'cosine' as const, warmupRatio: 0 };
    expect(lrAt(0, 7, cos, 3e-4)).toBeCloseTo(3e-4, 15);
    for (let s = 0; s < 20; s++) expect(lrAt(s, 20, { kind: 'linear', warmupRatio: 0.3 }, 1)).toBeLessThanOrEqual(1);
  });
});
