/**
 * The N-model arena spreads the pairs of models evenly over the prompts
 * (issue 15 item 8): every matchup in turn, so over n prompts each of the
 * M = k(k−1)/2 pairs of models meets ⌊n·m/M⌋ or one more times, and a prompt
 * never holds the same matchup twice.
 */
import { describe, expect, it } from 'vitest';
import { matchups, matchupsFor } from '../../../main/core/labeling/arena';

describe('arena matchups', () => {
  it('lists every pair of models once', () => {
    expect(matchups(2)).toEqual([[0, 1]]);
    expect(matchups(4)).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 2],
      [1, 3],
      [2, 3],
    ]);
  });

  it.each([
    [3, 1, 66],
    [4, 2, 25],
    [5, 3, 17],
    [3, 5, 10],
  ])('spreads %i models with %i pairs per prompt evenly over %i prompts', (k, perPrompt, prompts) => {
    const counts = new Map<string, number>();
    for (let p = 0; p < prompts; p++) {
      const pairs = matchupsFor(p, k, perPrompt).map(([i, j]) => `${i}-${j}`);
      // At most every matchup once per prompt.
      expect(new Set(pairs).size).toBe(pairs.length);
      expect(pairs).toHaveLength(Math.min(perPrompt, matchups(k).length));
      for (const key of pairs) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(matchups(k).length);
    const n = [...counts.values()];
    expect(Math.max(...n) - Math.min(...n)).toBeLessThanOrEqual(1);
  });
});
