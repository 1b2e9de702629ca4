import { useQueries } from '@tanstack/react-query';
import { useMemo, useRef } from 'react';
import type { MetricSeries, Run } from '../../../../shared/runs';
import { useApi } from '../../api/context';
import { compareQueries } from '../../api/queries';
import { ema } from '../../../../shared/stats/smoothing';
import { EmptyState } from '../../components/EmptyState';
import { decimate, mergeCurves, runLength, stepToX, toCurve, X_AXES, type Curve, type XAxis } from '../../lib/compare-align';
import { colorOf, runColor } from '../../../../shared/run-color';
import { formatSetting, flatRunSettings } from '../../../../shared/compare-settings';
import { envelope, groupBy } from '../../lib/compare-group';
import { CompareChart, type ChartData, type ChartLine } from './CompareChart';

/** One run's curve of a metric on the chosen axis, raw and smoothed (debiased EMA, evaluation.md "Curves"). */
interface RunCurve {
  run: Run;
  raw: Curve;
  smooth: Curve;
}

export interface ChartSettings {
  x: XAxis;
  relative: boolean;
  smoothing: number;
  /** The setting runs are grouped by; null draws every run. */
  group: string | null;
}

function runCurves(metric: string, runs: readonly Run[], series: ReadonlyMap<number, MetricSeries>, s: ChartSettings): RunCurve[] {
  const out: RunCurve[] = [];
  for (const run of runs) {
    const columns = series.get(run.id);
    const column = columns?.[metric];
    if (!columns || !column || column.steps.length === 0) continue;
    const xOf = stepToX(s.x, run, columns);
    const last = Math.max(run.step, columns['loss']?.steps.at(-1) ?? 0, column.steps.at(-1)!);
    const raw = toCurve(column, xOf, s.relative ? { length: runLength(s.x, run, xOf, last) } : null);
    out.push({ run, raw, smooth: s.smoothing > 0 ? { x: raw.x, y: ema(raw.y, s.smoothing) } : raw });
  }
  return out;
}

/**
 * A chart's data. Runs drawn one by one: raw points faint behind the bold
 * smoothed line (just the line at smoothing 0). Grouped: one mean line per
 * group, in the group's colour, over a band from the group's lowest to its
 * highest run at each x. Long curves are thinned for the screen (decimate).
 */
export function chartData(curves: readonly RunCurve[], s: ChartSettings): ChartData {
  if (s.group === null) {
    const smoothed = s.smoothing > 0;
    const plotted: { curve: Curve; line: Omit<ChartLine, 'values'> }[] = [];
    for (const c of curves) {
      const label = `#${c.run.id} ${c.run.name}`;
      const color = runColor(c.run.id);
      if (smoothed) plotted.push({ curve: c.raw, line: { label: `${label} (raw)`, color, role: 'raw' } });
      plotted.push({ curve: c.smooth, line: { label, color, role: 'line' } });
    }
    const merged = mergeCurves(plotted.map((p) => p.curve));
    const shown = decimate(
      merged.x,
      merged.ys,
      plotted.map((p) => p.line.role === 'raw'),
    );
    return { x: shown.x, lines: plotted.map((p, i) => ({ ...p.line, values: shown.ys[i]! })), bands: [] };
  }
  const key = s.group;
  const groups = groupBy(curves, (c) => formatSetting(flatRunSettings(c.run)[key]));
  const { x } = mergeCurves(curves.map((c) => c.smooth));
  const lines: ChartLine[] = [];
  const bands: ChartData['bands'] = [];
  for (const g of groups) {
    const color = colorOf(`group:${key}=${g.key}`);
    const e = envelope(
      g.rows.map((c) => c.smooth),
      x,
    );
    const label = `${key} = ${g.key} (${g.rows.length} run${g.rows.length === 1 ? '' : 's'})`;
    lines.push({ label: `${label} max`, color, role: 'band', values: e.max });
    lines.push({ label: `${label} min`, color, role: 'band', values: e.min });
    bands.push({ upper: lines.length - 2, lower: lines.length - 1, color });
    lines.push({ label, color, role: 'line', values: e.mean });
  }
  const shown = decimate(
    x,
    lines.map((l) => l.values),
    lines.map(() => false),
  );
  return { x: shown.x, lines: lines.map((l, i) => ({ ...l, values: shown.ys[i]! })), bands };
}

/** A run still writing metrics: its columns are read again when the page reopens (compareQueries.runColumn). */
export const isLiveRun = (status: Run['status'] | undefined) => status === 'running' || status === 'queued' || status === 'paused';

/**
 * The columns a chart of `metric` reads, in the order the page asks for them:
 * the loss (every chart's run length), what the x axis needs, the metric.
 */
export function chartColumns(metric: string, x: XAxis): string[] {
  return [...new Set(['loss', ...X_AXES.find((a) => a.id === x)!.needs, metric])];
}

/** The same array as last render while every element is the same: a chart rebuilds only when one of its own columns changes. */
function useSameElements<T>(next: T[]): T[] {
  const kept = useRef(next);
  const prev = kept.current;
  if (prev.length !== next.length || prev.some((v, i) => v !== next[i])) kept.current = next;
  return kept.current;
}

/** Every run's columns of `names` once all have arrived (null before): one chart's data, apart from the other charts'. */
function useRunColumns(runs: readonly Run[], names: readonly string[]): ReadonlyMap<number, MetricSeries> | null {
  const api = useApi();
  const results = useQueries({
    queries: runs.flatMap((run) => names.map((name) => compareQueries.runColumn(api, run.id, name, isLiveRun(run.status)))),
  });
  const pending = results.some((r) => r.isPending);
  const columns = useSameElements(results.map((r) => r.data));
  return useMemo(() => {
    if (pending) return null;
    const byRun = new Map<number, MetricSeries>();
    runs.forEach((run, i) => {
      const series: MetricSeries = {};
      names.forEach((name, j) => {
        const column = columns[i * names.length + j];
        if (column) series[name] = column;
      });
      byRun.set(run.id, series);
    });
    return byRun;
  }, [pending, columns, runs, names]);
}

function MetricChart({ metric, runs, settings }: { metric: string; runs: readonly Run[]; settings: ChartSettings }) {
  const names = useMemo(() => chartColumns(metric, settings.x), [metric, settings.x]);
  const series = useRunColumns(runs, names);
  const data = useMemo(
    () => (series ? chartData(runCurves(metric, runs, series, settings), settings) : null),
    [metric, runs, series, settings],
  );
  const axis = X_AXES.find((a) => a.id === settings.x)!;
  const xLabel = settings.relative ? `share of run (${axis.label.toLowerCase()})` : axis.label.toLowerCase();
  if (data === null)
    // The chart's place is kept while its columns load, so the charts that have theirs do not move.
    return (
      <figure data-testid={`compare-chart-${metric}`} data-loading className="min-w-0">
        <figcaption className="mb-1 text-sm font-medium">{metric}</figcaption>
        <div className="flex h-[220px] items-center justify-center text-xs text-zinc-500">
          loading {runs.length} runs’ {metric}…
        </div>
      </figure>
    );
  if (data.x.length === 0)
    return (
      <div data-testid={`compare-chart-${metric}`} data-series={0}>
        <p className="text-sm font-medium">{metric}</p>
        <EmptyState>None of the chosen runs has recorded {metric} yet.</EmptyState>
      </div>
    );
  return <CompareChart title={metric} xLabel={xLabel} data={data} syncKey="compare" testId={`compare-chart-${metric}`} />;
}

/**
 * One chart per chosen metric, every chart with the same runs, axis,
 * smoothing and grouping. Each chart reads its own columns and is drawn as
 * soon as they arrive, not after every chart's.
 */
export function CompareCharts({ metrics, runs, settings }: { metrics: readonly string[]; runs: readonly Run[]; settings: ChartSettings }) {
  return (
    <div className="grid grid-cols-1 gap-4 xl:grid-cols-2" data-testid="compare-charts">
      {metrics.map((metric) => (
        <MetricChart key={metric} metric={metric} runs={runs} settings={settings} />
      ))}
    </div>
  );
}
