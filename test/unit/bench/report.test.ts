// The benchmarks' shared timing (bench/report.ts): the loop every suite times its repetitions with.
import { describe, expect, it } from 'vitest';
import { summarize, timeOnce, timeReps } from '../../../bench/report';

describe('bench timing', () => {
  it('runs the warm-up untimed, then times each repetition by wall clock and by CPU time', async () => {
    let calls = 0;
    const times = await timeReps(2, 3, () => Promise.resolve(void calls++));
    expect(calls).toBe(5);
    expect(times.wallMs).toHaveLength(3);
    expect(times.cpuMs).toHaveLength(3);
    for (const ms of [...times.wallMs, ...times.cpuMs]) expect(ms).toBeGreaterThanOrEqual(0);
  });

  it('times one piece of work and hands back its value', async () => {
    const t = await timeOnce(() => Promise.resolve('done'));
    expect(t.value).toBe('done');
    expect(t.wallMs).toBeGreaterThanOrEqual(0);
  });

  it('summarizes a sample: the median (mean of the middle two for an even count), min, max and count', () => {
    expect(summarize([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, n: 3 });
    expect(summarize([4, 1, 2, 3]).median).toBe(2.5);
    expect(() => summarize([])).toThrow('No timed repetitions');
  });
});
