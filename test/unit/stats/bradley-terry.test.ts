import { describe, expect, it } from 'vitest';
import { bradleyTerry, bradleyTerryBootstrap, type Vote } from '../../../shared/stats/bradley-terry';

function votes(a: string, b: string, winner: Vote['winner'], times: number): Vote[] {
  return Array.from({ length: times }, () => ({ a, b, winner }));
}

// Three checkpoints whose pairwise results fit Bradley–Terry exactly (ties half a win each):
//   A–B: A wins 2, ties 2 → A 3, B 1 of 4 → odds 3
//   B–C: B wins 3, C wins 1 → B 3, C 1 of 4 → odds 3
//   A–C: A wins 8, ties 2 → A 9, C 1 of 10 → odds 9 = 3·3 (consistent)
// Each pair's own score equation n·σ(ln10·Δs) = W holds at 10^Δs = odds, so the MLE is
//   s_A − s_B = log10 3, s_B − s_C = log10 3, and the L2 term centers Σ s = 0:
//   R_A = 1000 + 400·log10 3 = 1190.8485, R_B = 1000, R_C = 1000 − 400·log10 3 = 809.1515.
const fixture: Vote[] = [
  ...votes('A', 'B', 'a', 2),
  ...votes('A', 'B', 'tie', 2),
  ...votes('B', 'C', 'a', 3),
  ...votes('B', 'C', 'b', 1),
  ...votes('A', 'C', 'a', 8),
  ...votes('A', 'C', 'tie', 2),
];
const gap = 400 * Math.log10(3); // 190.8485…

describe('bradleyTerry', () => {
  it('gives the hand-computed ratings on a fixture with ties', () => {
    const fit = bradleyTerry(fixture, { l2: 1e-9 });
    expect(fit.players).toEqual(['A', 'B', 'C']);
    expect(fit.ratings.A).toBeCloseTo(1000 + gap, 4);
    expect(fit.ratings.B).toBeCloseTo(1000, 4);
    expect(fit.ratings.C).toBeCloseTo(1000 - gap, 4);
  });

  it('the default small L2 term moves ratings by well under a point and keeps the mean at 1000', () => {
    const fit = bradleyTerry(fixture);
    expect(Math.abs(fit.ratings.A! - (1000 + gap))).toBeLessThan(0.1);
    expect(Math.abs(fit.ratings.C! - (1000 - gap))).toBeLessThan(0.1);
    expect(fit.ratings.A! > fit.ratings.B! && fit.ratings.B! > fit.ratings.C!).toBe(true);
    expect((fit.ratings.A! + fit.ratings.B! + fit.ratings.C!) / 3).toBeCloseTo(1000, 9);
  });

  it('two players with a tie: the gap is 400·log10 of the odds', () => {
    // X wins 2, one tie, Y wins 1 (votes naming either side first):
    // X = 2 + 0.5 = 2.5, Y = 1 + 0.5 = 1.5 of 4 → odds 5/3 → gap 400·log10(5/3) = 88.7395, centered on 1000.
    const two = [...votes('X', 'Y', 'a', 2), ...votes('Y', 'X', 'tie', 1), ...votes('Y', 'X', 'a', 1)];
    const fit = bradleyTerry(two, { l2: 1e-9 });
    expect(fit.ratings.X! - fit.ratings.Y!).toBeCloseTo(400 * Math.log10(5 / 3), 4);
    expect(fit.ratings.X! + fit.ratings.Y!).toBeCloseTo(2000, 6);
  });

  it('is invariant to the order of the votes and to which side a vote names first', () => {
    const shuffled = [...fixture]
      .reverse()
      .map((v, i) =>
        i % 2 === 0
          ? v
          : { a: v.b, b: v.a, winner: v.winner === 'a' ? ('b' as const) : v.winner === 'b' ? ('a' as const) : ('tie' as const) },
      );
    expect(bradleyTerry(shuffled).ratings).toEqual(bradleyTerry(fixture).ratings);
  });

  it('keeps a player who won every vote finite, and has no players without votes', () => {
    const fit = bradleyTerry(votes('P', 'Q', 'a', 5));
    expect(Number.isFinite(fit.ratings.P)).toBe(true);
    expect(fit.ratings.P! > fit.ratings.Q!).toBe(true);
    expect(bradleyTerry([]).players).toEqual([]);
    expect(() => bradleyTerry([{ a: 'P', b: 'P', winner: 'a' }])).toThrow(/itself/);
  });
});

describe('bradleyTerryBootstrap', () => {
  it('runs ≥ 200 rounds by default; the interval holds the median and the point rating', () => {
    const boot = bradleyTerryBootstrap(fixture, { seed: 7 });
    expect(boot.rounds).toBe(200);
    for (const p of ['A', 'B', 'C']) {
      const r = boot.ratings[p]!;
      expect(r.rounds).toBe(200);
      expect(r.low).toBeLessThanOrEqual(r.median);
      expect(r.median).toBeLessThanOrEqual(r.high);
      expect(r.low).toBeLessThanOrEqual(r.rating);
      expect(r.rating).toBeLessThanOrEqual(r.high);
      expect(r.high - r.low).toBeGreaterThan(0);
    }
    expect(boot.ratings.A!.median > boot.ratings.C!.median).toBe(true);
  });

  it('is reproducible from its seed, changes with it, and does not depend on vote order', () => {
    const once = bradleyTerryBootstrap(fixture, { seed: 3 });
    expect(bradleyTerryBootstrap(fixture, { seed: 3 })).toEqual(once);
    expect(bradleyTerryBootstrap([...fixture].reverse(), { seed: 3 })).toEqual(once);
    expect(bradleyTerryBootstrap(fixture, { seed: 4 }).ratings.A).not.toEqual(once.ratings.A);
  });
});
