import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { Run, RunEvalPoint } from '../../../../shared/runs';
import { useApi } from '../../api/context';
import { evalQueries } from '../../api/queries';
import { JobStatusBadge } from '../../components/Badge';
import { cardClass } from '../../components/Card';
import { Table, type Column } from '../../components/Table';
import { UPlotChart } from '../../components/UPlotChart';
import { formatMetricCell, itemKey, metricColumns, type ItemMetrics, type MetricColumn } from '../../../../shared/eval-columns';

interface Row {
  point: RunEvalPoint;
  items: ItemMetrics[];
}

const rowItems = (p: RunEvalPoint): ItemMetrics[] =>
  p.results.map((r) => ({ kind: r.kind, label: r.label, metrics: r.metrics, resultId: r.id }));

/** One metric over the evaluated steps: a point per step (the newest evaluation where a step has several). */
function MetricOverSteps({ column, rows }: { column: MetricColumn; rows: Row[] }) {
  const { x, values } = useMemo(() => {
    const byStep = new Map<number, number | null>();
    for (const row of rows) {
      const item = row.items.find((i) => itemKey(i) === column.itemKey);
      const value = item?.metrics[column.metric];
      if (typeof value === 'number') byStep.set(row.point.step, value);
    }
    const steps = [...byStep.keys()].sort((a, b) => a - b);
    return { x: steps, values: steps.map((s) => byStep.get(s) ?? null) };
  }, [column, rows]);
  return (
    <figure className={`${cardClass} p-3`} data-testid={`eval-chart-${column.metric}`} data-points={x.length}>
      <figcaption className="mb-1 flex items-baseline justify-between gap-2 text-sm">
        <span className="font-medium">{column.metric}</span>
        <span className="truncate text-xs text-zinc-500" title={column.label}>
          {column.label}
        </span>
      </figcaption>
      <UPlotChart x={x} lines={[{ label: column.metric, color: '#6366f1', values, points: true }]} height={120} />
    </figure>
  );
}

/**
 * The run's evaluations over training (issue 14 item 7): its suite at step 0
 * and at each checkpoint, charted per metric and tabled per step; each cell
 * opens the result's per-item drill-down.
 */
export function RunEvals({ run }: { run: Run }) {
  const api = useApi();
  const { data: points, error } = useQuery(evalQueries.ofRun(api, run.id));
  const [all, setAll] = useState(false);
  const rows = useMemo<Row[]>(() => (points ?? []).map((point) => ({ point, items: rowItems(point) })), [points]);
  const columns = useMemo(
    () =>
      metricColumns(
        rows.map((r) => r.items),
        all,
      ),
    [rows, all],
  );
  const charted = useMemo(() => metricColumns(rows.map((r) => r.items)), [rows]);
  const suite = run.config.evalSuite;
  if (!points && !error) return null;
  if (points?.length === 0 && suite === null) return null;

  const tableColumns: Column<Row>[] = [
    { header: 'Step', cell: (r) => r.point.step, align: 'right', className: 'tabular-nums', testId: 'eval-step' },
    { header: 'Suite', cell: (r) => r.point.suite },
    {
      header: 'Status',
      cell: (r) => <JobStatusBadge status={r.point.status} />,
      title: (r) => r.point.error?.message,
    },
    ...columns.map<Column<Row>>((c) => ({
      header: c.metric,
      headerTitle: `${c.label} (${c.kind})`,
      align: 'right',
      className: 'tabular-nums whitespace-nowrap',
      testId: `eval-cell-${c.metric}`,
      cell: (r) => {
        const item = r.items.find((i) => itemKey(i) === c.itemKey);
        if (!item || !(c.metric in item.metrics)) return '';
        return (
          <a className="hover:underline" href={`#/evaluate/results/${item.resultId}`} title={`Open ${c.label}: item by item`}>
            {formatMetricCell(item.metrics, c.metric)}
          </a>
        );
      },
    })),
  ];

  return (
    <section className={`${cardClass} space-y-3 p-4`} data-testid="run-evals">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 className="text-sm font-semibold">Evaluation over training{suite ? ` · suite "${suite}"` : ''}</h2>
        <label className="flex items-center gap-2 text-xs text-zinc-500">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} data-testid="run-evals-all" />
          all metrics
        </label>
      </div>
      {error && <p className="text-sm text-rose-600">{error.message}</p>}
      {charted.length > 0 && (
        <div className="grid grid-cols-1 gap-3 md:grid-cols-2 xl:grid-cols-3">
          {charted.map((c) => (
            <MetricOverSteps key={`${c.itemKey} ${c.metric}`} column={c} rows={rows} />
          ))}
        </div>
      )}
      <div className="overflow-x-auto">
        <Table
          columns={tableColumns}
          rows={rows}
          rowKey={(r) => r.point.jobId}
          density="compact"
          testId="run-evals-table"
          rowTestId="run-eval-row"
          empty={`Step 0 and each checkpoint are evaluated on "${suite ?? ''}" once the run has started: the evaluations queue behind the run on the device and run when it is free.`}
        />
      </div>
    </section>
  );
}
