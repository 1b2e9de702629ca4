import { describe, expect, it } from 'vitest';
import { preferenceMetrics, scorePreferencePair, type PreferencePairScores } from '../../../shared/stats/preference';

// β = 0.1. Rewards r = β·(logπ − logπ_ref).
// P1: chosen −10 (5 tok, ref −11), rejected −12 (4 tok, ref −11)
//     r_w = 0.1·1 = 0.1, r_l = 0.1·(−1) = −0.1 → right; margin 0.2
//     logp: −10 > −12 → right (margin 2); per token −2 > −3 → right (margin 1)
// P2: chosen −8 (4 tok, ref −9), rejected −7 (2 tok, ref −8)
//     r_w = 0.1, r_l = 0.1 → a TIE → wrong; margin 0
//     logp: −8 > −7? no → wrong (margin −1); per token −2 > −3.5 → right (margin 1.5)
// P3: chosen −6 (3 tok, ref −7), rejected −6 (3 tok, ref −5)
//     r_w = 0.1, r_l = −0.1 → right; margin 0.2
//     logp: a tie → wrong (margin 0); per token −2 vs −2 a tie → wrong (margin 0)
// rewards/accuracies = 2/3, rewards/margins = 0.4/3, rewards/chosen = 0.1, rewards/rejected = (−0.1 + 0.1 − 0.1)/3 = −0.1/3
// logps/accuracies = 1/3, logps/margins = (2 − 1 + 0)/3 = 1/3
// logps_per_token/accuracies = 2/3, logps_per_token/margins = (1 + 1.5 + 0)/3 = 2.5/3
// logps/chosen = −24/3 = −8, logps/rejected = −25/3
const pairs: PreferencePairScores[] = [
  { chosenLogp: -10, rejectedLogp: -12, chosenTokens: 5, rejectedTokens: 4, refChosenLogp: -11, refRejectedLogp: -11 },
  { chosenLogp: -8, rejectedLogp: -7, chosenTokens: 4, rejectedTokens: 2, refChosenLogp: -9, refRejectedLogp: -8 },
  { chosenLogp: -6, rejectedLogp: -6, chosenTokens: 3, rejectedTokens: 3, refChosenLogp: -7, refRejectedLogp: -5 },
];

describe('preference metrics (TRL names)', () => {
  it('counts a reward tie as wrong in rewards/accuracies', () => {
    const p2 = scorePreferencePair(pairs[1]!, 0.1);
    expect(p2.rewardChosen).toBe(p2.rewardRejected);
    expect(p2.rewardCorrect).toBe(false);
    expect(preferenceMetrics([pairs[1]!], 0.1)['rewards/accuracies']).toBe(0);
  });

  it('means over pairs, with and without a reference', () => {
    const m = preferenceMetrics(pairs, 0.1);
    const expected: Record<string, number> = {
      'rewards/chosen': 0.1,
      'rewards/rejected': -0.1 / 3,
      'rewards/accuracies': 2 / 3,
      'rewards/margins': 0.4 / 3,
      'logps/chosen': -8,
      'logps/rejected': -25 / 3,
      'logps/accuracies': 1 / 3,
      'logps/margins': 1 / 3,
      'logps_per_token/accuracies': 2 / 3,
      'logps_per_token/margins': 2.5 / 3,
    };
    expect(Object.keys(m).sort()).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) expect(m[k], k).toBeCloseTo(v, 12);

    // Without reference log-probs, only the logps* keys.
    const noRef = preferenceMetrics(pairs.map(({ refChosenLogp: _c, refRejectedLogp: _r, ...p }) => p));
    expect(Object.keys(noRef).some((k) => k.startsWith('rewards/'))).toBe(false);
    expect(noRef['logps/accuracies']).toBeCloseTo(1 / 3, 12);
    expect(noRef['logps_per_token/accuracies']).toBeCloseTo(2 / 3, 12);
  });

  it('gives per-pair results for drill-down', () => {
    expect(pairs.map((p) => scorePreferencePair(p)).map((r) => [r.rewardCorrect, r.logpCorrect, r.logpPerTokenCorrect])).toEqual([
      [true, true, true],
      [false, false, true],
      [true, false, false],
    ]);
  });

  it('reports logits/* when the scorer kept mean logits', () => {
    const m = preferenceMetrics([
      { chosenLogp: -1, rejectedLogp: -2, chosenTokens: 1, rejectedTokens: 1, chosenMeanLogit: 2, rejectedMeanLogit: 1 },
      { chosenLogp: -1, rejectedLogp: -2, chosenTokens: 1, rejectedTokens: 1, chosenMeanLogit: 4, rejectedMeanLogit: 3 },
    ]);
    expect(m['logits/chosen']).toBe(3);
    expect(m['logits/rejected']).toBe(2);
  });

  it('refuses reference log-probs for some pairs only, and gives nothing for no pairs', () => {
    expect(() => preferenceMetrics([pairs[0]!, { chosenLogp: -1, rejectedLogp: -2, chosenTokens: 1, rejectedTokens: 1 }])).toThrow(
      /1 of 2 pairs/,
    );
    expect(() => scorePreferencePair({ chosenLogp: -1, rejectedLogp: -2, chosenTokens: 1, rejectedTokens: 1, refChosenLogp: -1 })).toThrow(
      RangeError,
    );
    expect(preferenceMetrics([])).toEqual({});
  });
});
