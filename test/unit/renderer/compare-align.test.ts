import { describe, expect, it } from 'vitest';
import { decimate, mergeCurves, runLength, stepToX, toCurve } from '../../../renderer/src/lib/compare-align';
import { envelope, groupBy } from '../../../renderer/src/lib/compare-group';
import { compareStatePath, DEFAULT_SMOOTHING, parseCompareState } from '../../../renderer/src/lib/compare-url';

const column = (steps: number[], values: number[]) => ({ steps, values });

describe('x axes from the stored metrics', () => {
  const series = {
    loss: column([1, 2, 3, 4], [4, 3, 2, 1]),
    epoch: column([1, 2, 3, 4], [0.25, 0.5, 0.75, 1]),
    step_seconds: column([1, 2, 3, 4], [2, 1, 1, 3]),
  };
  const run = { trainPairs: 32, totalSteps: 4 };

  it('maps steps to epochs, pairs seen (epoch × training pairs) and wall time (summed step times)', () => {
    expect(toCurve(series.loss, stepToX('step', run, series)).x).toEqual([1, 2, 3, 4]);
    expect(toCurve(series.loss, stepToX('epoch', run, series)).x).toEqual([0.25, 0.5, 0.75, 1]);
    expect(toCurve(series.loss, stepToX('pairs', run, series)).x).toEqual([8, 16, 24, 32]);
    expect(toCurve(series.loss, stepToX('wall', run, series))).toEqual({ x: [2, 3, 4, 7], y: [4, 3, 2, 1] });
  });

  it('leaves out points whose step has no x (a sparse eval value at a step the axis does not know)', () => {
    const evalLoss = column([2, 5], [0.7, 0.6]);
    expect(toCurve(evalLoss, stepToX('epoch', run, series))).toEqual({ x: [0.5], y: [0.7] });
  });
});

describe('relative-step alignment', () => {
  it('puts a short and a long run on the share of the run done, so both end at 1', () => {
    const short = { trainPairs: 10, totalSteps: 10 };
    const long = { trainPairs: 10, totalSteps: 40 };
    const xOf = stepToX('step', short, {});
    const a = toCurve(column([5, 10], [1, 2]), xOf, { length: runLength('step', short, xOf, 10) });
    const b = toCurve(column([20, 40], [1, 2]), xOf, { length: runLength('step', long, xOf, 40) });
    expect(a.x).toEqual([0.5, 1]);
    expect(b.x).toEqual([0.5, 1]);
    // A run still going is placed on its planned length, not on how far it got.
    const running = toCurve(column([10], [1]), xOf, { length: runLength('step', long, xOf, 10) });
    expect(running.x).toEqual([0.25]);
  });

  it('on other axes divides by the run’s last x', () => {
    const series = { step_seconds: column([1, 2], [3, 1]) };
    const run = { trainPairs: 1, totalSteps: 2 };
    const xOf = stepToX('wall', run, series);
    expect(toCurve(column([1, 2], [9, 8]), xOf, { length: runLength('wall', run, xOf, 2) }).x).toEqual([0.75, 1]);
  });
});

describe('mergeCurves', () => {
  it('lays curves over one sorted x with null where a curve has no point', () => {
    expect(
      mergeCurves([
        { x: [1, 3], y: [10, 30] },
        { x: [2, 3], y: [20, 31] },
      ]),
    ).toEqual({
      x: [1, 2, 3],
      ys: [
        [10, null, 30],
        [null, 20, 31],
      ],
    });
  });

  it('snaps x to even steps past maxPoints, each curve keeping its last point per step', () => {
    const merged = mergeCurves(
      [
        { x: [0, 0.1, 5, 10], y: [1, 2, 3, 4] },
        { x: [0.2, 9.9], y: [5, 6] },
      ],
      3,
    );
    expect(merged.x).toEqual([0, 5, 10]);
    expect(merged.ys).toEqual([
      [2, 3, 4],
      [5, null, 6],
    ]);
  });
});

describe('grouping envelope', () => {
  it('groups rows by a value in order of first appearance', () => {
    const rows = [
      { id: 1, objective: 'mmpo' },
      { id: 2, objective: 'dpo' },
      { id: 3, objective: 'mmpo' },
    ];
    expect(groupBy(rows, (r) => r.objective).map((g) => [g.key, g.rows.map((r) => r.id)])).toEqual([
      ['mmpo', [1, 3]],
      ['dpo', [2]],
    ]);
  });

  it('is the min, max and mean of the group’s curves at each x, reading between points linearly, within each curve’s range', () => {
    const curves = [
      { x: [0, 2, 4], y: [1, 3, 5] },
      { x: [0, 4], y: [3, 3] },
      { x: [3, 4], y: [10, 20] },
    ];
    // x=0: 1, 3 → min 1 max 3 mean 2; x=1: 2 (between 1 and 3), 3; x=3: 4, 3, 10; x=4: 5, 3, 20; x=5: nothing.
    const e = envelope(curves, [0, 1, 3, 4, 5]);
    expect(e.min).toEqual([1, 2, 3, 3, null]);
    expect(e.max).toEqual([3, 3, 10, 20, null]);
    expect(e.mean).toEqual([2, 2.5, 17 / 3, 28 / 3, null]);
  });
});

describe('a comparison as a URL', () => {
  it('round-trips every setting and leaves defaults out', () => {
    const state = {
      runs: [3, 7],
      metrics: ['loss', 'eval/logp_accuracy'],
      x: 'epoch' as const,
      relative: true,
      smoothing: 0.8,
      group: 'objective.beta',
    };
    const path = compareStatePath(state);
    expect(path).toBe('/compare?runs=3,7&metrics=loss,eval/logp_accuracy&x=epoch&rel=1&smooth=0.8&group=objective.beta');
    expect(parseCompareState(path)).toEqual(state);
    expect(compareStatePath(parseCompareState('/compare'))).toBe('/compare');
  });

  it('ignores what it cannot read', () => {
    expect(parseCompareState('/compare?runs=2,x,-1,2&x=tokens&smooth=abc')).toEqual({
      runs: [2],
      metrics: [],
      x: 'step',
      relative: false,
      smoothing: DEFAULT_SMOOTHING,
      group: null,
    });
  });
});

describe('the common case stays cheap (50 runs × 2,000 steps per chart)', () => {
  it('hands curves on the same steps over as they are, without copying', () => {
    const steps = [1, 2, 3];
    const a = toCurve(column(steps, [1, 2, 3]), stepToX('step', { trainPairs: 1, totalSteps: 3 }, {}));
    expect(a.x).toBe(steps);
    const b = { x: [1, 2, 3], y: [4, 5, 6] };
    const merged = mergeCurves([a, b]);
    expect(merged.x).toBe(steps);
    expect(merged.ys[1]).toBe(b.y);
  });
});

describe('decimate (fewer points for the screen)', () => {
  it('keeps each bucket’s first and last value of a smooth line, and the lowest and highest of a raw one in order', () => {
    const x = [0, 1, 2, 3, 4, 5, 6, 7];
    const smooth = [1, 2, 3, 4, 5, 6, 7, 8];
    const raw = [5, 9, 1, 5, 2, 2, null, 3];
    const out = decimate(x, [smooth, raw], [false, true], 2);
    // Buckets [0..3] and [4..7].
    expect(out.x).toEqual([0, 3, 4, 7]);
    expect(out.ys[0]).toEqual([1, 4, 5, 8]);
    // Bucket 1: the max 9 (index 1) comes before the min 1 (index 2); bucket 2: min 2 (index 4), max 3 (index 7).
    expect(out.ys[1]).toEqual([9, 1, 2, 3]);
  });

  it('leaves short curves alone', () => {
    const x = [1, 2, 3];
    const y = [4, 5, 6];
    const out = decimate(x, [y], [true], 2);
    expect(out.x).toBe(x);
    expect(out.ys[0]).toBe(y);
  });
});
