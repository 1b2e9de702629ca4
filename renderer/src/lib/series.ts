import type { MetricPoint, MetricSeries } from '../../../shared/runs';

/**
 * Pure helpers for a run's metric columns (`runs.metrics`) as they grow live
 * from `run.metrics` events. Every function returns a new object when it
 * changes something and the same one when it does not, so React and
 * TanStack Query see exactly which charts need redrawing.
 */

// The debiased EMA lives with the other statistics (shared/stats); charts import it from here.
export { ema } from '../../../shared/stats/smoothing';

type Column = MetricSeries[string];

/** Puts `value` at `step` in a column sorted by step (replacing a value already there). */
function upsert(column: Column, step: number, value: number): Column {
  const { steps, values } = column;
  const last = steps.at(-1);
  if (last === undefined || step > last) return { steps: [...steps, step], values: [...values, value] };
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid]! < step) lo = mid + 1;
    else hi = mid;
  }
  if (steps[lo] === step) {
    if (values[lo] === value) return column;
    const nextValues = values.slice();
    nextValues[lo] = value;
    return { steps, values: nextValues };
  }
  return { steps: [...steps.slice(0, lo), step, ...steps.slice(lo)], values: [...values.slice(0, lo), value, ...values.slice(lo)] };
}

/** Adds event points to the columns; a point at a step already present replaces it (a resumed run replays steps). */
export function appendPoints(series: MetricSeries, points: readonly MetricPoint[]): MetricSeries {
  let next = series;
  for (const p of points) {
    const column = next[p.name] ?? { steps: [], values: [] };
    const updated = upsert(column, p.step, p.value);
    if (updated !== column || !(p.name in next)) next = { ...next, [p.name]: updated };
  }
  return next;
}

/**
 * Joins a fetched answer with what events already added: a fetch that
 * started before an event can answer after it, and must not drop its points.
 * The fetched values win where both have a step.
 */
export function mergeSeries(older: MetricSeries, fetched: MetricSeries): MetricSeries {
  let next = fetched;
  for (const [name, column] of Object.entries(older)) {
    const target = next[name];
    const missing: MetricPoint[] = [];
    const have = new Set(target?.steps ?? []);
    column.steps.forEach((step, i) => {
      if (!have.has(step)) missing.push({ name, step, value: column.values[i]! });
    });
    if (missing.length > 0) next = appendPoints(next, missing);
  }
  return next;
}

/** Drops values recorded after `step` (a resume from the checkpoint at `step` records them again). */
export function truncateSeries(series: MetricSeries, step: number): MetricSeries {
  let changed = false;
  const next: MetricSeries = {};
  for (const [name, column] of Object.entries(series)) {
    const keep = column.steps.findIndex((s) => s > step);
    if (keep < 0) {
      next[name] = column;
      continue;
    }
    changed = true;
    if (keep > 0) next[name] = { steps: column.steps.slice(0, keep), values: column.values.slice(0, keep) };
  }
  return changed ? next : series;
}

/** The last step that has a value of `name` (0 when none). */
export function lastStep(series: MetricSeries | undefined, name = 'loss'): number {
  return series?.[name]?.steps.at(-1) ?? 0;
}

/**
 * Lays several columns over one shared, sorted x axis (uPlot's data shape),
 * with null where a column has no value at a step (eval metrics are sparse).
 */
export function alignColumns(columns: readonly Column[]): { x: number[]; ys: (number | null)[][] } {
  const x = [...new Set(columns.flatMap((c) => c.steps))].sort((a, b) => a - b);
  const index = new Map(x.map((step, i) => [step, i]));
  const ys = columns.map((c) => {
    const y: (number | null)[] = new Array<number | null>(x.length).fill(null);
    c.steps.forEach((step, i) => (y[index.get(step)!] = c.values[i]!));
    return y;
  });
  return { x, ys };
}

/** Counts of `values` in `bins` equal-width bins over [lo, hi]; values at hi fall in the last bin, outside ones are clamped. */
export function histogram(values: readonly number[], bins: number, lo = 0, hi = 1): number[] {
  const counts = new Array<number>(bins).fill(0);
  const width = (hi - lo) / bins;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const i = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)));
    counts[i]! += 1;
  }
  return counts;
}
