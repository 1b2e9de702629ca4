import { useMutation, useQueries, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { alignmentChoices, capabilityChoices, lowerIsBetter, metricRefKey, type MetricRef } from '../../../../shared/paper-view';
import {
  bestPerColumn,
  checkpointRows,
  columnRef,
  defaultBaseline,
  deltaOf,
  formatDelta,
  improves,
  reportRun,
  tableColumns,
  type CheckpointRow,
  type ReportRun,
} from '../../../../shared/compare-report';
import { formatMetricCell, itemKey } from '../../../../shared/eval-columns';
import type { Run, RunEvalPoint } from '../../../../shared/runs';
import { useApi } from '../../api/context';
import { evalQueries, runQueries } from '../../api/queries';
import { cardClass } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { Table } from '../../components/Table';
import { Field, inputClass } from '../../components/Field';
import { ExportReport } from './ExportReport';
import type { ReportGenerations } from './GenerationsTab';
import { PaperView } from './PaperView';

/**
 * Compare's *Checkpoints* tab (issue 15 items 4, 5 and 9): the evaluation
 * table (the base model and each checkpoint of the picked runs × the suite's
 * metrics, with intervals, deltas against a baseline row and the best per
 * column), the paper's view, and *Export report*. Rows and rules come from
 * shared/compare-report.ts, the same the report and `studio compare` use.
 */

const combineEvals = (results: { data?: RunEvalPoint[] }[]) => results.map((r) => r.data);
const combineSteps = (results: { data?: { step: number }[] }[]) => results.map((r) => r.data?.map((c) => c.step));

function EvaluationTable({
  rows,
  runs,
  baseline,
  onBaseline,
  onEvaluate,
  evaluateWith,
  evaluating,
}: {
  rows: CheckpointRow[];
  runs: readonly ReportRun[];
  baseline: CheckpointRow | undefined;
  onBaseline: (key: string) => void;
  onEvaluate: (row: CheckpointRow) => void;
  /** The suite an Evaluate click runs; null where none can be (a suite picked that this workspace does not know). */
  evaluateWith: string | null;
  evaluating: ReadonlySet<string>;
}) {
  const columns = useMemo(() => tableColumns(rows), [rows]);
  const best = useMemo(() => bestPerColumn(rows, columns), [rows, columns]);
  const colorOf = (row: CheckpointRow) => (row.runId === null ? '#a1a1aa' : (runs.find((r) => r.id === row.runId)?.color ?? '#a1a1aa'));
  const busy = (row: CheckpointRow) => row.status === 'queued' || row.status === 'running' || evaluating.has(row.key);
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-end gap-4">
        <h2 className="text-sm font-semibold">Evaluation table</h2>
        <Field label="Deltas against">
          <select
            className={inputClass}
            value={baseline?.key ?? ''}
            onChange={(e) => onBaseline(e.target.value)}
            data-testid="checkpoints-baseline"
          >
            {rows.map((r) => (
              <option key={r.key} value={r.key}>
                {r.label}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <div className="overflow-x-auto">
        <Table
          testId="checkpoints-table"
          rowTestId="checkpoint-row"
          density="compact"
          rows={rows}
          rowKey={(row) => row.key}
          rowData={(row) => ({ 'data-row': row.key, 'data-status': row.status })}
          columns={[
            {
              header: 'Checkpoint',
              className: 'whitespace-nowrap',
              cell: (row: CheckpointRow) => (
                <>
                  <span className="mr-1.5 inline-block h-2.5 w-2.5 rounded-sm align-middle" style={{ background: colorOf(row) }} />
                  {row.label}
                  {row === baseline && <span className="ml-1 text-zinc-500">(baseline)</span>}
                  {row.status !== 'evaluated' && (
                    <span className="ml-1 text-zinc-500" title={row.error ?? undefined} data-testid="checkpoint-status">
                      · {row.status}
                    </span>
                  )}
                </>
              ),
            },
            ...columns.map((c) => {
              const ref = columnRef(c);
              const itemOf = (row: CheckpointRow) => row.items.find((i) => itemKey(i) === c.itemKey);
              const isBest = (row: CheckpointRow) => itemOf(row) !== undefined && (best.get(metricRefKey(ref))?.has(row.key) ?? false);
              return {
                header: (
                  <>
                    <div className="text-[10px] font-normal normal-case">{c.label}</div>
                    {c.metric} {lowerIsBetter(c.metric) ? '↓' : '↑'}
                  </>
                ),
                headerTitle: `${c.itemKey} — ${lowerIsBetter(c.metric) ? 'lower' : 'higher'} is better`,
                align: 'right' as const,
                className: 'tabular-nums whitespace-nowrap',
                cellClassName: (row: CheckpointRow) => (isBest(row) ? 'bg-emerald-50 font-semibold dark:bg-emerald-950' : ''),
                cellData: (row: CheckpointRow) =>
                  itemOf(row) ? { 'data-testid': `cell-${c.metric}`, 'data-best': isBest(row) || undefined } : {},
                cell: (row: CheckpointRow) => {
                  const item = itemOf(row);
                  if (!item)
                    return busy(row) ? (
                      <span className="text-zinc-400">{row.status === 'running' ? 'evaluating…' : 'queued'}</span>
                    ) : evaluateWith === null ? (
                      <span
                        className="text-zinc-400"
                        title="This suite is not one this workspace knows (evals.suites), so it cannot be run from here."
                      >
                        —
                      </span>
                    ) : (
                      <button
                        type="button"
                        className="text-indigo-600 hover:underline"
                        onClick={() => onEvaluate(row)}
                        title={`Evaluate this checkpoint on suite "${evaluateWith}"`}
                        data-testid="checkpoint-evaluate"
                      >
                        Evaluate
                      </button>
                    );
                  const delta = row === baseline ? null : deltaOf(row, baseline, ref);
                  return (
                    <>
                      {formatMetricCell(item.metrics, c.metric)}
                      {isBest(row) && <span title="best in this column"> ★</span>}
                      {delta !== null && (
                        <div
                          className={`text-[10px] ${delta === 0 ? 'text-zinc-400' : improves(delta, c.metric) ? 'text-emerald-700 dark:text-emerald-400' : 'text-rose-700 dark:text-rose-400'}`}
                          data-testid="cell-delta"
                        >
                          {formatDelta(delta)}
                        </div>
                      )}
                    </>
                  );
                },
              };
            }),
          ]}
        />
      </div>
      <p className="text-xs text-zinc-500">
        Value ± standard error, or [95% bootstrap interval] for win rates, as stored; under it the change against the baseline row (green:
        better). ★ marks the best per column (↑ higher is better, ↓ lower). A checkpoint without a metric offers Evaluate: an eval job on
        the suite (items already evaluated come from the cache); the table fills in as it ends.
      </p>
    </div>
  );
}

export function CheckpointsTab({ runs, generations }: { runs: readonly Run[]; generations: ReportGenerations | null }) {
  const api = useApi();
  const reportRuns = useMemo(() => runs.map(reportRun), [runs]);
  const evals = useQueries({ queries: runs.map((r) => evalQueries.ofRun(api, r.id)), combine: combineEvals });
  const checkpoints = useQueries({ queries: runs.map((r) => runQueries.checkpoints(api, r.id)), combine: combineSteps });
  const { data: suites = [] } = useQuery(evalQueries.suites(api));
  const evaluatedSuites = useMemo(() => [...new Set(evals.flatMap((points) => (points ?? []).map((p) => p.suite)))].sort(), [evals]);
  const [suite, setSuite] = useState<string>('');
  const [baselineKey, setBaselineKey] = useState<string | null>(null);
  const [capability, setCapability] = useState<MetricRef | undefined>();
  const [alignment, setAlignment] = useState<MetricRef | undefined>();
  const [evaluating, setEvaluating] = useState<Set<string>>(new Set());

  const rows = useMemo(() => {
    const byRun = Object.fromEntries(runs.map((r, i) => [String(r.id), evals[i] ?? []]));
    const steps = Object.fromEntries(runs.map((r, i) => [String(r.id), checkpoints[i] ?? []]));
    return checkpointRows(reportRuns, byRun, { suite: suite || null, checkpointSteps: steps });
  }, [runs, reportRuns, evals, checkpoints, suite]);
  const baseline = rows.find((r) => r.key === baselineKey) ?? defaultBaseline(rows);
  const capabilityRef = capability ?? capabilityChoices(rows)[0];
  const alignmentRef = alignment ?? alignmentChoices(rows)[0];

  // The suite an Evaluate click runs: the one picked, else the runs' own evaluation suite, else the first there is —
  // only suites evals.start knows by name (a hand-made list of items has a name but cannot be asked for again).
  const known = new Set(suites.map((x) => x.name));
  const evalSuite = suite
    ? known.has(suite)
      ? suite
      : null
    : (runs.map((r) => r.config.evalSuite).find((name) => name !== null && known.has(name)) ?? suites[0]?.name ?? null);
  const evaluate = useMutation({
    mutationFn: (row: CheckpointRow) =>
      api.call('evals.start', { model: { runId: row.runId ?? row.runIds[0]!, step: row.step }, suite: evalSuite ?? '' }),
    onMutate: (row) => setEvaluating((s) => new Set(s).add(row.key)),
    // Once the job exists the row's own status (queued, running) says it is on its way.
    onSettled: (_job, _err, row) =>
      setEvaluating((s) => {
        const next = new Set(s);
        next.delete(row.key);
        return next;
      }),
  });

  if (runs.length === 0) return <EmptyState testId="checkpoints-none">Pick runs on the Runs tab to compare their checkpoints.</EmptyState>;
  const loading = evals.some((e) => e === undefined);
  return (
    <div className="space-y-5" data-testid="compare-checkpoints">
      <section className={`${cardClass} space-y-3 p-4`}>
        <div className="flex flex-wrap items-end gap-4">
          <Field label="Suite">
            <select className={inputClass} value={suite} onChange={(e) => setSuite(e.target.value)} data-testid="checkpoints-suite">
              <option value="">every suite</option>
              {evaluatedSuites.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </Field>
          <ExportReport
            params={{
              runIds: runs.map((r) => r.id),
              ...(suite ? { suite } : {}),
              ...(capabilityRef ? { capability: capabilityRef } : {}),
              ...(alignmentRef ? { alignment: alignmentRef } : {}),
              ...(baseline ? { baseline: baseline.key } : {}),
            }}
            generations={generations}
          />
          {loading && <span className="text-xs text-zinc-500">loading evaluations…</span>}
          {evaluate.error && <span className="text-xs text-rose-600">{evaluate.error.message}</span>}
        </div>
        {rows.length === 0 ? (
          <EmptyState testId="checkpoints-empty">
            No evaluations or checkpoints yet for these runs. A run with an evaluation suite (the demo’s default) evaluates its starting
            model and each checkpoint by itself.
          </EmptyState>
        ) : (
          <EvaluationTable
            rows={rows}
            runs={reportRuns}
            baseline={baseline}
            onBaseline={setBaselineKey}
            onEvaluate={(row) => evaluate.mutate(row)}
            evaluateWith={evalSuite}
            evaluating={evaluating}
          />
        )}
      </section>
      <section className={`${cardClass} space-y-3 p-4`}>
        <h2 className="text-sm font-semibold">The paper’s view: alignment against capability</h2>
        <PaperView
          runs={reportRuns}
          rows={rows}
          capability={capabilityRef}
          alignment={alignmentRef}
          onCapability={setCapability}
          onAlignment={setAlignment}
        />
      </section>
    </div>
  );
}
