import { useMutation } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { MetricSeries } from '../../../../shared/runs';
import { useApi } from '../../api/context';
import { Button } from '../../components/Button';
import { UPlotChart, type PlotLine } from '../../components/UPlotChart';
import { alignColumns, ema } from '../../lib/series';
import type { ObjectiveConfig } from '../../../../shared/objectives';
import { groupsWithData, sftIdentityNote, type ChartGroup } from './chart-groups';
import { cardClass } from '../../components/Card';
import { RangeField } from '../../components/Field';
import { formatMetric } from './run-format';
import { EmptyState } from '../../components/EmptyState';

function MetricChart({ group, series, smoothing }: { group: ChartGroup; series: MetricSeries; smoothing: number }) {
  const signature = group.lines.map((l) => l.metric).join(',');
  const { x, lines, latest } = useMemo(() => {
    const columns = group.lines.map((l) => series[l.metric]!);
    const plotted: { column: (typeof columns)[number]; line: Omit<PlotLine, 'values'> }[] = [];
    for (const [i, l] of group.lines.entries()) {
      const column = columns[i]!;
      if (l.sparse) {
        plotted.push({ column, line: { label: l.label, color: l.color, dash: [4, 3], points: true } });
      } else if (smoothing > 0 && !l.exact) {
        // The raw line stays faint behind the smoothed one, as TensorBoard and W&B draw it.
        plotted.push({ column, line: { label: `${l.label} (raw)`, color: `${l.color}40`, width: 1, backdrop: true } });
        plotted.push({
          column: { steps: column.steps, values: ema(column.values, smoothing) },
          line: { label: l.label, color: l.color, width: 2 },
        });
      } else {
        plotted.push({ column, line: { label: l.label, color: l.color } });
      }
    }
    const aligned = alignColumns(plotted.map((p) => p.column));
    return {
      x: aligned.x,
      lines: plotted.map((p, i) => ({ ...p.line, values: aligned.ys[i]! })),
      latest: group.lines.map((l, i) => ({ metric: l.metric, label: l.label, color: l.color, value: columns[i]!.values.at(-1) })),
    };
    // `series` is replaced (never mutated) when values arrive; the group is rebuilt each render, its metrics are not.
  }, [series, smoothing, signature]);

  return (
    <figure className={`${cardClass} p-3`} data-testid={`chart-${group.id}`} data-points={x.length}>
      <figcaption className="mb-1 flex items-baseline justify-between gap-2">
        <span className="text-sm font-medium">{group.title}</span>
        <span className="flex gap-2 text-xs tabular-nums">
          {latest.map((l) => (
            <span key={l.label} style={{ color: l.color }} data-testid={`latest-${l.metric}`} data-value={l.value}>
              {l.label} {formatMetric(l.value)}
            </span>
          ))}
        </span>
      </figcaption>
      <UPlotChart x={x} lines={lines} />
      {group.hint && <p className="mt-1 text-xs text-zinc-500">{group.hint}</p>}
    </figure>
  );
}

/** Writes the run's metrics under TRL's names (runs.exportMetrics) and offers the file: a download in serve mode, its path in the app. */
function ExportMetrics({ runId }: { runId: number }) {
  const api = useApi();
  const write = useMutation({ mutationFn: (format: 'csv' | 'json') => api.call('runs.exportMetrics', { id: runId, format }) });
  const link = write.data?.downloadName ? api.downloadUrl(write.data.downloadName) : null;
  return (
    <span className="flex items-center gap-2 text-xs text-zinc-500" data-testid="export-metrics">
      <span title="Metrics under TRL's names: loss, rewards/accuracies, eval_loss, eval_rewards/accuracies, …">Export metrics</span>
      {(['csv', 'json'] as const).map((format) => (
        <Button
          key={format}
          variant="ghost"
          className="!px-2 !py-0.5 text-xs"
          disabled={write.isPending}
          onClick={() => write.mutate(format)}
          data-testid={`export-metrics-${format}`}
        >
          {format.toUpperCase()}
        </Button>
      ))}
      {write.data &&
        (link ? (
          <a
            href={link}
            download={write.data.downloadName ?? undefined}
            className="text-indigo-600 hover:underline dark:text-indigo-400"
            data-testid="export-metrics-download"
          >
            Download {write.data.downloadName}
          </a>
        ) : (
          <span className="font-mono break-all" data-testid="export-metrics-path">
            {write.data.path}
          </span>
        ))}
      {write.error && <span className="text-rose-600">{write.error.message}</span>}
    </span>
  );
}

/**
 * One small chart per metric group the run has values for, with one smoothing
 * control for all of them; titled and explained for the run's objective, with
 * MMPO's SFT identity stated when it applies.
 */
export function MetricCharts({ series, objective, runId }: { series: MetricSeries; objective?: ObjectiveConfig; runId?: number }) {
  const [smoothing, setSmoothing] = useState(0.6);
  const groups = groupsWithData(series, objective);
  const identity = sftIdentityNote(objective);
  if (groups.length === 0) return <EmptyState>Charts appear when the first step is recorded.</EmptyState>;
  return (
    <section className="space-y-3" data-testid="run-charts">
      <div className="flex items-center justify-between gap-4">
        <span className="flex flex-wrap items-center gap-4">
          <h2 className="text-sm font-semibold">Metrics</h2>
          {runId !== undefined && <ExportMetrics runId={runId} />}
        </span>
        <RangeField
          label="Smoothing"
          value={smoothing}
          onChange={setSmoothing}
          min={0}
          max={0.99}
          step={0.01}
          testId="smoothing"
          className="text-xs text-zinc-500"
        />
      </div>
      {identity && (
        <p className="rounded-md bg-sky-50 p-3 text-sm text-sky-900 dark:bg-sky-950 dark:text-sky-100" data-testid="mmpo-sft-identity">
          {identity}
        </p>
      )}
      <div className="grid grid-cols-1 gap-3 lg:grid-cols-2 2xl:grid-cols-3">
        {groups.map((g) => (
          <MetricChart key={g.id} group={g} series={series} smoothing={smoothing} />
        ))}
      </div>
    </section>
  );
}
