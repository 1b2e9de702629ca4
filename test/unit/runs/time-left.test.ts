import { describe, expect, it } from 'vitest';
import { describeTimeLeft, ETA_WARMUP_STEPS, formatSeconds, timeLeft, workAfterStep, type RunSchedule } from '../../../shared/training';

// 40 steps, 10 an epoch, an evaluation every 5 steps, checkpoints at epoch ends (and the last step).
const schedule: RunSchedule = {
  totalSteps: 40,
  stepsPerEpoch: 10,
  evalEvery: 5,
  checkpointEvery: 0,
  checkpointEachEpoch: true,
  evaluates: true,
};
/** Durations of steps 1..n: warm-up, then `step` s, plus `evaluation` after every 5th step and `checkpoint` after every 10th. */
function measured(n: number, step = 0.25, evaluation = 0.5, checkpoint = 0.2): number[] {
  return Array.from({ length: n }, (_, i) => {
    if (i < ETA_WARMUP_STEPS) return 3 - i;
    const after = workAfterStep(i, schedule);
    return step + (after.evaluation ? evaluation : 0) + (after.checkpoint ? checkpoint : 0);
  });
}

describe('time left from measured step times', () => {
  it('follows the trainer’s schedule: evaluations every evalEvery steps, checkpoints at epoch ends, both after the last step', () => {
    expect(workAfterStep(5, schedule)).toEqual({ evaluation: true, checkpoint: false });
    expect(workAfterStep(10, schedule)).toEqual({ evaluation: true, checkpoint: true });
    expect(workAfterStep(7, schedule)).toEqual({ evaluation: false, checkpoint: false });
    expect(workAfterStep(40, { ...schedule, evalEvery: 0, checkpointEachEpoch: false })).toEqual({ evaluation: true, checkpoint: true });
    expect(workAfterStep(5, { ...schedule, evaluates: false }).evaluation).toBe(false);
  });

  it('waits for warm-up: nothing until two plain steps after the first ETA_WARMUP_STEPS are measured', () => {
    expect(timeLeft([5, 1, 1], 1, schedule)).toBeNull();
    expect(timeLeft(measured(ETA_WARMUP_STEPS + 1), 1, schedule)).toBeNull();
    expect(describeTimeLeft(null)).toMatch(/measuring/);
  });

  it('prices steps, evaluations and checkpoints separately, so a short window that caught an evaluation does not skew it', () => {
    // After step 11: steps 12..40 (29), evaluations after 11..40 at 15, 20, …, 40 (6), checkpoints at 20, 30, 40 (3) and the export.
    const left = timeLeft(measured(11), 1, schedule)!;
    // The checkpoint was measured once (after step 10, with an evaluation, so not separable): priced as one step.
    expect(left.seconds).toBeCloseTo(29 * 0.25 + 6 * 0.5 + 4 * 0.25, 9);
    expect(left.low).toBeLessThanOrEqual(left.seconds);
    expect(left.high).toBeGreaterThanOrEqual(left.seconds);
  });

  it('counts from the attempt’s first step after a resume', () => {
    // Steps 21..26 measured; step 26 carries the evaluation after step 25 (0.5 s).
    const resumed = timeLeft([4, 3, 2, 0.25, 0.25, 0.75], 21, schedule)!;
    // Steps 27..40 left (14), evaluations after 30, 35, 40, checkpoints after 30, 40 and the export (not measured: a step each).
    expect(resumed.seconds).toBeCloseTo(14 * 0.25 + 3 * 0.5 + 3 * 0.25, 9);
  });

  it('widens the range toward a recent slow-down (the machine got busier)', () => {
    const none: RunSchedule = { ...schedule, totalSteps: 1000, evaluates: false, checkpointEachEpoch: false, stepsPerEpoch: 1000 };
    const left = timeLeft([1, 1, 1, ...Array<number>(12).fill(0.2), ...Array<number>(6).fill(0.4)], 1, none)!;
    const all = (12 * 0.2 + 6 * 0.4) / 18;
    const stepsLeft = 1000 - 21;
    // The export after the last step is priced as one step.
    expect(left.seconds).toBeCloseTo(all * stepsLeft + 2 * all, 9);
    expect(left.high).toBeCloseTo((0.4 * stepsLeft + 2 * all) * 1.2, 9);
    expect(left.low).toBeCloseTo((all * stepsLeft + 2 * all) * 0.9, 9);
  });

  it('says it in words', () => {
    expect(describeTimeLeft({ seconds: 25.2, low: 22.4, high: 31 })).toBe('about 25 s left (22 s–31 s)');
    expect(formatSeconds(200)).toBe('3 min 20 s');
    expect(formatSeconds(3900)).toBe('1 h 05 min');
  });
});
