import { describe, expect, it } from 'vitest';
import {
  consolidateJudgments,
  consolidateOrders,
  fitLogistic1d,
  lengthControlledWinRate,
  verdictForCandidate,
  verdictScore,
  winRate,
  type LengthJudgment,
  type Verdict,
} from '../../../shared/stats/win-rate';

describe('win rate', () => {
  it('scores wins 1, ties 0.5, losses 0', () => {
    // [win, win, tie, loss, tie] → (1 + 1 + 0.5 + 0 + 0.5)/5 = 3/5 → 60
    const r = winRate(['win', 'win', 'tie', 'loss', 'tie']);
    expect(r).toMatchObject({ n: 5, wins: 2, ties: 2, losses: 1, winRate: 60, rounds: 1000, seed: 0, level: 0.95 });
    expect(verdictScore('tie')).toBe(0.5);
  });

  it('has a bootstrap interval that contains the estimate and is reproducible from its seed', () => {
    // 14 wins, 4 ties, 7 losses over 25 prompts → (14 + 2)/25 = 0.64 → 64
    const verdicts: Verdict[] = [...Array<Verdict>(14).fill('win'), ...Array<Verdict>(4).fill('tie'), ...Array<Verdict>(7).fill('loss')];
    const a = winRate(verdicts, { seed: 7 });
    expect(a.winRate).toBeCloseTo(64, 12);
    expect(a.interval!.low).toBeLessThan(64);
    expect(a.interval!.high).toBeGreaterThan(64);
    expect(a.interval!.low).toBeGreaterThanOrEqual(0);
    expect(a.interval!.high).toBeLessThanOrEqual(100);
    // The binomial-ish half width is about 1.96·sqrt(0.64·0.36/25)·100 ≈ 19 (ties shrink it a little).
    expect(a.interval!.high - a.interval!.low).toBeGreaterThan(20);
    expect(a.interval!.high - a.interval!.low).toBeLessThan(45);
    expect(winRate(verdicts, { seed: 7 }).interval).toEqual(a.interval);
    // (Another seed may give the same interval here: with 25 prompts the resampled means are multiples of 2.)
  });

  it('never gives NaN: all wins, and no verdicts', () => {
    expect(winRate(['win', 'win', 'win'])).toMatchObject({ winRate: 100, interval: { low: 100, high: 100 } });
    expect(winRate([])).toMatchObject({ n: 0, winRate: null, interval: null });
  });
});

describe('a judge asked in both orders', () => {
  it('maps positions to the candidate’s verdict', () => {
    expect(verdictForCandidate('A', 'A')).toBe('win');
    expect(verdictForCandidate('A', 'B')).toBe('loss');
    expect(verdictForCandidate('tie', 'B')).toBe('tie');
  });

  it('turns a verdict that changes with the order into an inconsistent tie', () => {
    expect(consolidateOrders({ candidateFirst: 'win', candidateSecond: 'win' })).toEqual({ verdict: 'win', consistent: true });
    expect(consolidateOrders({ candidateFirst: 'tie', candidateSecond: 'tie' })).toEqual({ verdict: 'tie', consistent: true });
    expect(consolidateOrders({ candidateFirst: 'win', candidateSecond: 'loss' })).toEqual({ verdict: 'tie', consistent: false });
    expect(consolidateOrders({ candidateFirst: 'tie', candidateSecond: 'win' })).toEqual({ verdict: 'tie', consistent: false });
  });

  it('reports the inconsistency rate and which position the judge favours', () => {
    // 5 prompts: agree win, agree loss, win→loss (favours first), loss→win (favours second), win→tie (favours first)
    // inconsistent 3/5 = 0.6; verdicts [win, loss, tie, tie, tie] → win rate (1 + 0 + 0.5·3)/5 = 50
    const c = consolidateJudgments([
      { candidateFirst: 'win', candidateSecond: 'win' },
      { candidateFirst: 'loss', candidateSecond: 'loss' },
      { candidateFirst: 'win', candidateSecond: 'loss' },
      { candidateFirst: 'loss', candidateSecond: 'win' },
      { candidateFirst: 'win', candidateSecond: 'tie' },
    ]);
    expect(c).toEqual({
      verdicts: ['win', 'loss', 'tie', 'tie', 'tie'],
      n: 5,
      inconsistent: 3,
      inconsistencyRate: 0.6,
      favoursFirst: 2,
      favoursSecond: 1,
    });
    expect(winRate(c.verdicts).winRate).toBe(50);
    expect(consolidateJudgments([]).inconsistencyRate).toBeNull();
  });
});

describe('length-controlled win rate (AlpacaEval 2)', () => {
  // Length explains the wins: the candidate is longer by 10 characters on 12 prompts and shorter by 10 on 6.
  //   longer (Δ = +10):  9 wins, 2 ties, 1 loss → mean score (9 + 1)/12 = 5/6
  //   shorter (Δ = −10): 0 wins, 2 ties, 4 losses → (0 + 1)/6 = 1/6
  // Raw win rate = (10 + 1)/18 = 61.11…
  // sd(Δ) (ddof 1): mean Δ = (120 − 60)/18 = 10/3; Σ(Δ − mean)² = 12·(20/3)² + 6·(40/3)² = 1600 → sd = sqrt(1600/17) = 9.7014…
  // x = tanh(±10/sd) = ±tanh(sqrt(17)/4) = ±0.77422. Two x values and two weights: the fit is saturated, so
  //   w0 + w1·0.77422 = logit(5/6) = ln 5,  w0 − w1·0.77422 = logit(1/6) = −ln 5
  //   → w0 = 0, w1 = ln 5 / 0.77422 = 2.07879;  LC = 100·σ(0) = 50.
  const lengthBiased: LengthJudgment[] = [
    ...Array.from({ length: 12 }, (_, i): LengthJudgment => ({
      verdict: i < 9 ? 'win' : i < 11 ? 'tie' : 'loss',
      candidateLength: 110,
      baselineLength: 100,
    })),
    ...Array.from({ length: 6 }, (_, i): LengthJudgment => ({ verdict: i < 2 ? 'tie' : 'loss', candidateLength: 90, baselineLength: 100 })),
  ];

  it('gives 50 when length explains all wins (plain maximum likelihood)', () => {
    const r = lengthControlledWinRate(lengthBiased, { l2: 0 });
    expect(r.method).toBe('glm');
    expect(r.winRate).toBeCloseTo(61.111111111111114, 10);
    expect(r.sdDeltaLength).toBeCloseTo(9.70142500145332, 12);
    expect(r.w0).toBeCloseTo(0, 8);
    expect(r.w1).toBeCloseTo(Math.log(5) / Math.tanh(Math.sqrt(17) / 4), 8);
    expect(r.w1).toBeCloseTo(2.0787875056252725, 8);
    expect(r.lengthControlled).toBeCloseTo(50, 6);
  });

  it('gives ≈ 50 with the default small L2 term', () => {
    // scipy.optimize on the same penalised objective (λ = 0.01): w0 = 0.0039484, LC = 50.0987.
    const r = lengthControlledWinRate(lengthBiased);
    expect(r.lengthControlled).toBeCloseTo(50.09871025293648, 5);
    expect(Math.abs(r.lengthControlled! - 50)).toBeLessThan(0.5);
  });

  it('matches a general fit (scipy cross-check, ties included)', () => {
    // Δlen and verdict scores drawn once with numpy; scipy.optimize.minimize (BFGS) on the same objective:
    //   λ = 0.01: w0 = −0.02684285, w1 = −0.23785425, LC = 49.32896911343684; sd(Δ) = 39.08438913024241
    const delta = [60, 32, 16, -15, -10, -45, -41, -48, -28, 55, 34, 68, 15, 28, 76, 44, 32, 20, 22, 71];
    const score = [0, 1, 1, 0, 0.5, 1, 0.5, 0, 1, 1, 1, 0, 0, 1, 0, 0.5, 0, 0, 0.5, 0.5];
    const verdictOf = (s: number): Verdict => (s === 1 ? 'win' : s === 0 ? 'loss' : 'tie');
    const r = lengthControlledWinRate(
      delta.map((d, i) => ({ verdict: verdictOf(score[i]!), candidateLength: 100 + d, baselineLength: 100 })),
    );
    expect(r.sdDeltaLength).toBeCloseTo(39.08438913024241, 10);
    expect(r.w0).toBeCloseTo(-0.02684285, 6);
    expect(r.w1).toBeCloseTo(-0.23785425, 6);
    expect(r.lengthControlled).toBeCloseTo(49.32896911343684, 5);
  });

  it('stays finite when length separates the verdicts perfectly', () => {
    // Longer always wins (12), shorter always loses (6): the MLE weights are infinite; λ = 0.01 keeps them finite.
    // scipy on the penalised objective: w0 = 0.31258, w1 = 6.79385, LC = 57.7515 (raw 66.67).
    const separated: LengthJudgment[] = lengthBiased.map((j) => ({ ...j, verdict: j.candidateLength > j.baselineLength ? 'win' : 'loss' }));
    const r = lengthControlledWinRate(separated);
    expect(r.method).toBe('glm');
    expect(r.lengthControlled).toBeCloseTo(57.75146494255071, 3);
    const plain = lengthControlledWinRate(separated, { l2: 0 });
    expect(Number.isFinite(plain.lengthControlled)).toBe(true);
    expect(Number.isFinite(plain.w0)).toBe(true);
  });

  it('answers the degenerate cases with the raw win rate, never NaN', () => {
    const j = (verdict: Verdict, candidateLength: number): LengthJudgment => ({ verdict, candidateLength, baselineLength: 50 });
    // All wins: the unpenalised fit's limit is σ(+∞) = 1 → 100.
    expect(lengthControlledWinRate([j('win', 60), j('win', 80), j('win', 40)])).toMatchObject({
      method: 'constant-verdicts',
      winRate: 100,
      lengthControlled: 100,
      w0: null,
    });
    expect(lengthControlledWinRate([j('loss', 60), j('loss', 80)])).toMatchObject({ method: 'constant-verdicts', lengthControlled: 0 });
    expect(lengthControlledWinRate([j('tie', 60), j('tie', 80)])).toMatchObject({ method: 'constant-verdicts', lengthControlled: 50 });
    // sd(Δlen) = 0: the length feature is the intercept → raw win rate (1 + 0.5 + 0)/3 = 50.
    expect(lengthControlledWinRate([j('win', 70), j('tie', 70), j('loss', 70)])).toMatchObject({
      method: 'no-length-variation',
      sdDeltaLength: 0,
      lengthControlled: 50,
    });
    // One prompt: sd undefined.
    expect(lengthControlledWinRate([j('win', 70)])).toMatchObject({
      method: 'constant-verdicts',
      sdDeltaLength: null,
      lengthControlled: 100,
    });
    expect(lengthControlledWinRate([])).toMatchObject({ method: 'no-data', winRate: null, lengthControlled: null });
  });

  it('fits a logistic model with soft targets', () => {
    // Intercept only in effect (x = 0 everywhere): σ(w0) = mean y = 0.75 → w0 = ln 3.
    const fit = fitLogistic1d([0, 0, 0, 0], [1, 1, 0.5, 0.5], 0);
    expect(fit.w0).toBeCloseTo(Math.log(3), 10);
    expect(fit.w1).toBeCloseTo(0, 10);
  });
});
