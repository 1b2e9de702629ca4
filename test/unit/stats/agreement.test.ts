import { describe, expect, it } from 'vitest';
import {
  cohenKappa,
  krippendorffAlphaFromMatrix,
  krippendorffAlphaNominal,
  percentAgreement,
  positionBias,
  positionBiasOf,
  swapConsistency,
  wilsonInterval,
} from '../../../shared/stats/agreement';

// Annotators 1 and 2 on seven pairs; unit 7 only labeled by annotator 2.
const first = ['a', 'a', 'a', 'b', 'b', 'tie', null];
const second = ['a', 'a', 'b', 'b', 'b', 'tie', 'a'];

describe('percent agreement', () => {
  it('is the share of units both labeled with the same label', () => {
    // Both labeled: units 1–6; same on 1, 2, 4, 5, 6 → 5/6.
    expect(percentAgreement(first, second)).toEqual({ agreement: 5 / 6, n: 6 });
  });

  it('is null with a reason when no unit has both labels', () => {
    const none = percentAgreement(['a', null], [null, 'b']);
    expect(none.agreement).toBeNull();
    expect(none.n).toBe(0);
    expect(none.reason).toMatch(/both/);
  });
});

describe("Cohen's κ", () => {
  it('matches a hand-computed case', () => {
    // n = 6 (unit 7 dropped). p_o = 5/6.
    // Annotator 1: a 3, b 2, tie 1; annotator 2: a 2, b 3, tie 1.
    // p_e = (3·2 + 2·3 + 1·1) / 6² = 13/36.
    // κ = (5/6 − 13/36) / (1 − 13/36) = (17/36) / (23/36) = 17/23 ≈ 0.7391.
    const k = cohenKappa(first, second);
    expect(k.n).toBe(6);
    expect(k.observed).toBeCloseTo(5 / 6, 12);
    expect(k.expected).toBeCloseTo(13 / 36, 12);
    expect(k.kappa).toBeCloseTo(17 / 23, 12);
    expect(k.reason).toBeUndefined();
  });

  it('is 1 for perfect agreement and 0 at chance level', () => {
    expect(cohenKappa(['a', 'b'], ['a', 'b']).kappa).toBeCloseTo(1, 12);
    // p_o = 2/4 = 0.5; each annotator half a, half b → p_e = 0.25 + 0.25 = 0.5 → κ = 0.
    expect(cohenKappa(['a', 'a', 'b', 'b'], ['a', 'b', 'a', 'b']).kappa).toBeCloseTo(0, 12);
  });

  it('is null with a reason (never NaN) when p_e = 1', () => {
    // Both annotators said "a" to everything: p_o = 1, p_e = 1, κ = 0/0.
    const k = cohenKappa(['a', 'a', 'a'], ['a', 'a', 'a']);
    expect(k.kappa).toBeNull();
    expect(k.expected).toBe(1);
    expect(k.reason).toMatch(/undefined/);
    expect(cohenKappa([null], ['a']).kappa).toBeNull();
  });

  it('refuses lists that do not cover the same units', () => {
    expect(() => cohenKappa(['a'], ['a', 'b'])).toThrow(/same units/);
  });
});

describe("Krippendorff's α (nominal)", () => {
  // labeling.md fixture (Krippendorff 2011): 4 coders × 12 units, null = missing.
  const _ = null;
  const fixture = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
  ];

  it('gives 0.743 on the fixture', () => {
    // Unit 12 has one label: ignored. Pairable labels n = 40 with
    // n_1 = 9, n_2 = 13, n_3 = 10, n_4 = 5, n_5 = 3.
    // Disagreeing coincidences Σ_{c≠k} o_ck, per unit (m² − Σ count²)/(m − 1):
    //   unit 2 [2,2,3,2]: (16 − 10)/3 = 2; unit 6 [1,2,3,4]: (16 − 4)/3 = 4;
    //   unit 8 [1,1,2,1]: (16 − 10)/3 = 2; all others 0 → 8.
    // Σ_{c≠k} n_c·n_k = 40² − (81 + 169 + 100 + 25 + 9) = 1600 − 384 = 1216.
    // α = 1 − 39·8/1216 = 1 − 312/1216 = 0.743421…
    const a = krippendorffAlphaFromMatrix(fixture);
    expect(a.n).toBe(40);
    expect(a.units).toBe(11);
    expect(a.alpha).toBeCloseTo(1 - 312 / 1216, 12);
    expect(a.alpha!.toFixed(3)).toBe('0.743');
    expect(a.observedDisagreement).toBeCloseTo(8 / 40, 12);
    expect(a.expectedDisagreement).toBeCloseTo(1216 / (40 * 39), 12);
  });

  it('takes units as label lists (string labels) and is 1 for perfect agreement', () => {
    expect(
      krippendorffAlphaNominal([
        ['a', 'a'],
        ['b', 'b', 'b'],
        ['tie', 'tie'],
      ]).alpha,
    ).toBeCloseTo(1, 12);
  });

  it('is null with a reason when undefined (one category only, or nothing pairable)', () => {
    const one = krippendorffAlphaNominal([
      ['a', 'a'],
      ['a', 'a', null],
    ]);
    expect(one.alpha).toBeNull();
    expect(one.reason).toMatch(/same category/);
    const none = krippendorffAlphaNominal([['a'], [null, 'b']]);
    expect(none.alpha).toBeNull();
    expect(none.n).toBe(0);
  });
});

describe('Wilson interval', () => {
  it('matches known values', () => {
    // 8/10, z = 1.96: center = (0.8 + 1.96²/20)/(1 + 1.96²/10) = 0.99207/1.38415 = 0.71674;
    // half = 1.96·sqrt(0.016 + 1.96²/400)/1.38415 = 1.96·0.16001/1.38415 = 0.22658 → [0.490, 0.943].
    const w = wilsonInterval(8, 10)!;
    expect(w.p).toBe(0.8);
    expect(w.low).toBeCloseTo(0.490162, 5);
    expect(w.high).toBeCloseTo(0.943318, 5);
    // 0/5: center = (1.96²/10)/(1 + 1.96²/5) = 0.38415/1.76829 = 0.21724 = half → [0, 0.43448].
    const zero = wilsonInterval(0, 5)!;
    expect(zero.low).toBe(0);
    expect(zero.high).toBeCloseTo(0.434482, 5);
  });

  it('is null for no trials', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
  });
});

describe('position bias', () => {
  it('flags only when the interval excludes 0.5 and n ≥ 30', () => {
    // 21/30 → Wilson [0.5212, 0.8334]: excludes 0.5, n = 30 → flagged.
    expect(positionBias(21, 30).flagged).toBe(true);
    expect(positionBias(21, 30).interval!.low).toBeCloseTo(0.521242, 5);
    // 20/30 → [0.4878, 0.8077]: contains 0.5 → not flagged.
    expect(positionBias(20, 30).flagged).toBe(false);
    // 29/29 excludes 0.5 but n < 30 → not flagged.
    expect(positionBias(29, 29).flagged).toBe(false);
    // Always right is a bias too: 0/40 → [0, 0.0876].
    expect(positionBias(0, 40).flagged).toBe(true);
    expect(positionBias(0, 0)).toEqual({ n: 0, left: 0, interval: null, flagged: false });
  });

  it('counts decisive labels that picked the side shown on the left', () => {
    const labels = [
      { label: 'a', left: 'a' as const }, // picked left
      { label: 'b', left: 'a' as const }, // picked right
      { label: 'b', left: 'b' as const }, // picked left
      { label: 'tie', left: 'a' as const }, // not decisive
      { label: 'both_bad', left: 'b' as const }, // not decisive
    ];
    const bias = positionBiasOf(labels);
    expect(bias.n).toBe(3);
    expect(bias.left).toBe(2);
    expect(bias.flagged).toBe(false);
  });
});

describe('swap consistency', () => {
  it('is the share of re-served pairs labeled the same in the pair’s own order', () => {
    expect(
      swapConsistency([
        { first: 'a', again: 'a' },
        { first: 'a', again: 'b' },
        { first: 'tie', again: 'tie' },
        { first: 'b', again: 'b' },
      ]),
    ).toEqual({ consistency: 0.75, n: 4 });
    expect(swapConsistency([])).toEqual({ consistency: null, n: 0 });
  });
});
