import { useMemo } from 'react';
import type { MetricSeries, Run } from '../../../../shared/runs';
import { ema } from '../../../../shared/stats/smoothing';
import { EmptyState } from '../../components/EmptyState';
import { decimate, mergeCurves, runLength, stepToX, toCurve, X_AXES, type Curve, type XAxis } from '../../lib/compare-align';
import { colorOf, runColor } from '../../../../shared/run-color';
import { formatSetting, runSettings } from '../../lib/compare-config';
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
  const groups = groupBy(curves, (c) => formatSetting(runSettings(c.run)[key]));
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

function MetricChart({
  metric,
  runs,
  series,
  settings,
}: {
  metric: string;
  runs: readonly Run[];
  series: ReadonlyMap<number, MetricSeries>;
  settings: ChartSettings;
}) {
  const data = useMemo(() => chartData(runCurves(metric, runs, series, settings), settings), [metric, runs, series, settings]);
  const axis = X_AXES.find((a) => a.id === settings.x)!;
  const xLabel = settings.relative ? `share of run (${axis.label.toLowerCase()})` : axis.label.toLowerCase();
  if (data.x.length === 0)
    return (
      <div data-testid={`compare-chart-${metric}`} data-series={0}>
        <p className="text-sm font-medium">{metric}</p>
        <EmptyState>None of the chosen runs has recorded {metric} yet.</EmptyState>
      </div>
    );
  return <CompareChart title={metric} xLabel={xLabel} data={data} syncKey="compare" testId={`compare-chart-${metric}`} />;
}

/** One chart per chosen metric, every chart with the same runs, axis, smoothing and grouping. */
export function CompareCharts({
  metrics,
  runs,
  series,
  settings,
}: {
  metrics: readonly string[];
  runs: readonly Run[];
  series: ReadonlyMap<number, MetricSeries>;
  settings: ChartSettings;
}) {
  return (
    <div className="grid grid-cols-1 gap-4 xl:grid-cols-2" data-testid="compare-charts">
      {metrics.map((metric) => (
        <MetricChart key={metric} metric={metric} runs={runs} series={series} settings={settings} />
      ))}
    </div>
  );
}
