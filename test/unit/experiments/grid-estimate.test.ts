import { describe, expect, it } from 'vitest';
import { priceTimeLeft, type PricingInputs } from '../../../main/core/experiments/estimate';

const BASE: PricingInputs = {
  stepsLeft: 10,
  runsLeft: 2,
  evalsLeft: 3,
  // Two runs measured: 1 s and 2 s a step after their warm-up.
  stepTimes: [
    { warmSteps: 4, warmSeconds: 4 },
    { warmSteps: 4, warmSeconds: 8 },
  ],
  startups: [5, 7],
  evalSeconds: [10, 20],
  evalBasis: 'of this experiment',
};

describe("an experiment's time left", () => {
  it('prices steps, run start-ups and evaluations from what was measured, the range from the slowest and fastest', () => {
    const priced = priceTimeLeft(BASE);
    // 10 steps × 1.5 s (12 s over 8 steps) + 2 start-ups × 6 s + 3 evaluations × 15 s.
    expect(priced.left).toBe(72);
    expect(priced.estimate!.seconds).toBe(72);
    // Fastest: 10 × 1 + 12 + 3 × 10 = 52, less 10%; slowest: 10 × 2 + 12 + 3 × 20 = 92, plus 20%.
    expect(priced.estimate!.low).toBeCloseTo(46.8, 9);
    expect(priced.estimate!.high).toBeCloseTo(110.4, 9);
    expect(priced.note).toBe(
      '10 steps, 2 run starts and 3 evaluations left, at 1.50 s a step (8 steps of 2 runs measured), 6 s of start-up a run, 15 s an evaluation (2 of this experiment).',
    );
  });

  it('leaves out runs with too few measured steps from the pace', () => {
    const priced = priceTimeLeft({ ...BASE, stepTimes: [...BASE.stepTimes, { warmSteps: 1, warmSeconds: 100 }] });
    expect(priced.left).toBe(72);
  });

  it('says what it is still measuring instead of guessing', () => {
    expect(priceTimeLeft({ ...BASE, stepTimes: [{ warmSteps: 1, warmSeconds: 1 }] })).toEqual({
      estimate: null,
      note: 'Measuring: the time left is priced once the first run has taken a few steps.',
      left: null,
    });
    expect(priceTimeLeft({ ...BASE, evalSeconds: [] }).note).toBe(
      'Measuring: the time left is priced once the first evaluation has finished.',
    );
    // With only evaluations left, steps need no pace.
    expect(priceTimeLeft({ ...BASE, stepsLeft: 0, runsLeft: 0, stepTimes: [] }).left).toBe(45);
    expect(priceTimeLeft({ ...BASE, stepsLeft: 0, runsLeft: 0, evalsLeft: 0 })).toEqual({
      estimate: null,
      note: 'Nothing left to run.',
      left: 0,
    });
  });

  it('prices a start-up not measured yet at 0, and says so', () => {
    const priced = priceTimeLeft({ ...BASE, startups: [] });
    expect(priced.left).toBe(60);
    expect(priced.note).toContain('start-up of a run not measured yet (priced at 0)');
  });
});
