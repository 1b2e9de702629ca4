import type { Curve } from './compare-align';

/**
 * Grouping runs by a setting (objective, β, snapshot…) and the min/max
 * envelope a group's curves draw as one band with its mean line, as W&B
 * draws grouped runs.
 */

export interface Group<T> {
  key: string;
  rows: T[];
}

/** Rows by the text of their group value, groups in order of first appearance. */
export function groupBy<T>(rows: readonly T[], keyOf: (row: T) => string): Group<T>[] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(row);
  }
  return [...groups].map(([key, rows]) => ({ key, rows }));
}

/** y of a curve (sorted by x) at x, linearly between its points; undefined outside its range. */
function valueAt(curve: Curve, x: number, from: number): { value: number | undefined; index: number } {
  const { x: xs, y } = curve;
  if (xs.length === 0 || x < xs[0]! || x > xs.at(-1)!) return { value: undefined, index: from };
  let i = from;
  while (i < xs.length - 1 && xs[i + 1]! <= x) i++;
  if (xs[i] === x || i === xs.length - 1) return { value: y[i], index: i };
  const t = (x - xs[i]!) / (xs[i + 1]! - xs[i]!);
  return { value: y[i]! + t * (y[i + 1]! - y[i]!), index: i };
}

export interface Envelope {
  min: (number | null)[];
  max: (number | null)[];
  mean: (number | null)[];
}

/**
 * At each x of `xs` (sorted): the lowest, highest and mean value of the
 * group's curves there. A curve counts from its first x to its last, read
 * between its points linearly, so runs logged at different x still form one
 * band; where no curve reaches, all three are null.
 */
export function envelope(curves: readonly Curve[], xs: readonly number[]): Envelope {
  const min: (number | null)[] = [];
  const max: (number | null)[] = [];
  const mean: (number | null)[] = [];
  const cursors = curves.map(() => 0);
  for (const x of xs) {
    let lo = Infinity;
    let hi = -Infinity;
    let sum = 0;
    let n = 0;
    curves.forEach((curve, c) => {
      const { value, index } = valueAt(curve, x, cursors[c]!);
      cursors[c] = index;
      if (value === undefined || !Number.isFinite(value)) return;
      lo = Math.min(lo, value);
      hi = Math.max(hi, value);
      sum += value;
      n++;
    });
    min.push(n ? lo : null);
    max.push(n ? hi : null);
    mean.push(n ? sum / n : null);
  }
  return { min, max, mean };
}
