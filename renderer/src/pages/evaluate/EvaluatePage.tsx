import { useMutation, useQueries, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { EvalJobResult, EvalModelRef } from '../../../../shared/evals';
import type { Job } from '../../../../shared/jobs';
import { useApi } from '../../api/context';
import { evalQueries, jobQueries, modelQueries, runQueries } from '../../api/queries';
import { JobStatusBadge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { cardClass } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { Field, inputClass } from '../../components/Field';
import { Table, type Column } from '../../components/Table';
import { formatMetricCell, itemKey, metricColumns, type ItemMetrics } from '../../../../shared/eval-columns';

/** A model to evaluate, as the picker and the table key it: "model:3", "run:2:14". */
const refKey = (ref: EvalModelRef): string => ('modelId' in ref ? `model:${ref.modelId}` : `run:${ref.runId}:${ref.step}`);

function parseRef(key: string): EvalModelRef {
  const [kind, a, b] = key.split(':');
  return kind === 'model' ? { modelId: Number(a) } : { runId: Number(a), step: Number(b) };
}

/** What an eval job evaluated, from its parameters (jobs.list keeps them as the job was started). */
function evalTarget(job: Job): { ref: EvalModelRef; suite: string } | null {
  const params = job.params as { model?: { modelId?: number; runId?: number; step?: number }; suite?: string | { name?: string } };
  const model = params.model;
  if (!model) return null;
  const ref: EvalModelRef | null =
    model.modelId !== undefined
      ? { modelId: model.modelId }
      : model.runId !== undefined && model.step !== undefined
        ? { runId: model.runId, step: model.step }
        : null;
  if (!ref) return null;
  const suite = typeof params.suite === 'string' ? params.suite : (params.suite?.name ?? 'custom');
  return { ref, suite };
}

interface Row {
  key: string;
  /** The model's newest job on the suite. */
  job: Job;
  model: string;
  /** The numbers of the newest job that succeeded: this one, or (while it queues or runs) an earlier one. */
  items: ItemMetrics[];
  /** The job the numbers come from, when it is an earlier one than `job`. */
  earlier: Job | null;
}

const succeededResult = (job: Job): EvalJobResult | null => (job.status === 'succeeded' ? (job.result as EvalJobResult | null) : null);

function toRow(key: string, job: Job, lastSucceeded: Job | null): Row {
  const result = succeededResult(job) ?? (lastSucceeded ? succeededResult(lastSucceeded) : null);
  // Until it succeeds the job's title names the model ("Evaluate <model> on <suite>").
  const model = result?.modelName ?? /^Evaluate (.*) on [^ ]+$/.exec(job.title)?.[1] ?? job.title;
  const items = (result?.items ?? []).map((i) => ({ kind: i.kind, label: i.label, metrics: i.metrics, resultId: i.resultId }));
  return { key, job, model, items, earlier: job.status === 'succeeded' ? null : lastSucceeded };
}

/** A checkbox per model and per checkpoint of every run. */
function ModelChoices({ picked, toggle }: { picked: Set<string>; toggle: (key: string) => void }) {
  const api = useApi();
  const { data: models, error } = useQuery(modelQueries.list(api));
  const { data: runs } = useQuery(runQueries.list(api));
  const checkpoints = useQueries({ queries: (runs ?? []).map((r) => runQueries.checkpoints(api, r.id)) });
  const box = (key: string, label: string, hint?: string) => (
    <label key={key} className="flex items-center gap-2 text-sm" title={hint}>
      <input type="checkbox" checked={picked.has(key)} onChange={() => toggle(key)} data-testid={`pick-${key.replace(/:/g, '-')}`} />
      <span className="truncate">{label}</span>
    </label>
  );
  if (error) return <p className="text-sm text-rose-600">{error.message}</p>;
  if (!models) return <EmptyState>Loading models…</EmptyState>;
  const withCheckpoints = (runs ?? []).flatMap((run, i) => {
    const list = checkpoints[i]?.data ?? [];
    return list.length > 0 ? [{ run, steps: list.map((c) => c.step).sort((a, b) => a - b) }] : [];
  });
  return (
    <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
      <div className="space-y-1" data-testid="pick-models">
        <div className="text-xs font-medium text-zinc-500 uppercase">Models</div>
        {models.length === 0 ? (
          <EmptyState>No models registered yet: register a model folder from New run.</EmptyState>
        ) : (
          models.map((m) => box(`model:${m.id}`, m.name, m.path))
        )}
      </div>
      <div className="space-y-1" data-testid="pick-checkpoints">
        <div className="text-xs font-medium text-zinc-500 uppercase">Run checkpoints</div>
        {withCheckpoints.length === 0 ? (
          <EmptyState>No run has a checkpoint on disk yet.</EmptyState>
        ) : (
          withCheckpoints.map(({ run, steps }) => (
            <div key={run.id}>
              <div className="truncate text-sm text-zinc-600 dark:text-zinc-300">
                #{run.id} {run.name}
              </div>
              <div className="flex flex-wrap gap-x-4 pl-3">
                {steps.map((step) => box(`run:${run.id}:${step}`, `step ${step}`, `${run.name}, checkpoint at step ${step}`))}
              </div>
            </div>
          ))
        )}
      </div>
    </div>
  );
}

/**
 * The Evaluate page (issue 14 item 8): pick models — registered ones, the
 * demo model, any run's checkpoint — and a suite, and start; the table (a row
 * per model, a column per metric of the suite, with its standard error or
 * interval) fills in as each eval job ends, and a model evaluated before on
 * the same data and settings comes back from the cache at once. A cell opens
 * the result item by item.
 */
export function EvaluatePage() {
  const api = useApi();
  const { data: suites, error: suitesError } = useQuery(evalQueries.suites(api));
  const { data: jobs } = useQuery(jobQueries.list(api));
  const [suiteChoice, setSuiteChoice] = useState<string | null>(null);
  const suite = suiteChoice ?? suites?.[0]?.name ?? null;
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [all, setAll] = useState(false);
  const toggle = (key: string) =>
    setPicked((current) => {
      const next = new Set(current);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  const start = useMutation({
    mutationFn: async () => {
      // One job per model, in the order picked: each queues on the device lane behind the ones before.
      for (const key of picked) await api.call('evals.start', { model: parseRef(key), suite: suite! });
    },
    onSuccess: () => setPicked(new Set()),
  });

  // The newest eval job of each model on this suite; while it waits or runs, the numbers of the last one that succeeded
  // stay (an evaluation of the same model, data and settings gives them again from the cache).
  const rows = useMemo(() => {
    const newest = new Map<string, { job: Job; succeeded: Job | null }>();
    for (const job of jobs ?? []) {
      if (job.kind !== 'eval') continue;
      const target = evalTarget(job);
      if (!target || target.suite !== suite) continue;
      const key = refKey(target.ref);
      const seen = newest.get(key) ?? { job, succeeded: null };
      if (seen.job.id < job.id) seen.job = job;
      if (job.status === 'succeeded' && (!seen.succeeded || seen.succeeded.id < job.id)) seen.succeeded = job;
      newest.set(key, seen);
    }
    return [...newest.entries()].map(([key, n]) => toRow(key, n.job, n.succeeded)).sort((a, b) => b.job.id - a.job.id);
  }, [jobs, suite]);
  const columns = useMemo(
    () =>
      metricColumns(
        rows.map((r) => r.items),
        all,
      ),
    [rows, all],
  );

  const tableColumns: Column<Row>[] = [
    { header: 'Model', cell: (r) => r.model, className: 'max-w-64 truncate', title: (r) => r.job.title, testId: 'eval-model' },
    {
      header: 'Status',
      cell: (r) => (
        <span className="flex items-center gap-2">
          <JobStatusBadge job={r.job} />
          {r.job.status === 'running' && <span className="text-xs text-zinc-500 tabular-nums">{Math.round(r.job.progress * 100)}%</span>}
        </span>
      ),
      title: (r) => r.job.error?.message ?? r.job.queueReason ?? r.job.progressMessage ?? undefined,
      testId: 'eval-status',
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
          <a
            className={`hover:underline ${r.earlier ? 'text-zinc-400' : ''}`}
            href={`#/evaluate/results/${item.resultId}`}
            title={
              r.earlier
                ? `From job #${r.earlier.id}, while job #${r.job.id} evaluates again; open ${c.label} item by item`
                : `Open ${c.label}: item by item`
            }
          >
            {formatMetricCell(item.metrics, c.metric)}
          </a>
        );
      },
    })),
  ];
  // Items heading the metric columns, so a reader knows which data each belongs to.
  const items = [...new Map(columns.map((c) => [c.itemKey, c])).values()];

  return (
    <div className="max-w-7xl space-y-5" data-testid="evaluate-page">
      <div>
        <h1 className="text-xl font-semibold">Evaluate</h1>
        <p className="mt-1 text-sm text-zinc-500">
          Models and checkpoints on a suite: alignment (preference accuracy) and capability (multiple choice, perplexity), each result
          cached by model, data and settings.
        </p>
      </div>
      <section className={`${cardClass} space-y-4 p-4`}>
        {suitesError && <p className="text-sm text-rose-600">{suitesError.message}</p>}
        {suites && suites.length === 0 ? (
          <EmptyState testId="evaluate-no-suites">
            No suites in this workspace: the demo suite needs the demo dataset and its snapshot.
          </EmptyState>
        ) : (
          <Field label="Suite" hint={suites?.find((s) => s.name === suite)?.description}>
            <select
              className={inputClass}
              value={suite ?? ''}
              onChange={(e) => setSuiteChoice(e.target.value)}
              data-testid="evaluate-suite"
            >
              {(suites ?? []).map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name} v{s.version}
                </option>
              ))}
            </select>
          </Field>
        )}
        <ModelChoices picked={picked} toggle={toggle} />
        <div className="flex items-center gap-3">
          <Button
            variant="primary"
            disabled={picked.size === 0 || suite === null || start.isPending}
            onClick={() => start.mutate()}
            data-testid="evaluate-start"
          >
            {start.isPending ? 'Starting…' : `Evaluate ${picked.size || ''} on ${suite ?? '…'}`}
          </Button>
          {start.error && (
            <span className="text-sm text-rose-600" data-testid="evaluate-error">
              {start.error.message}
            </span>
          )}
        </div>
      </section>
      {suite !== null && (
        <section className={`${cardClass} space-y-2 p-4`}>
          <div className="flex flex-wrap items-baseline justify-between gap-2">
            <h2 className="text-sm font-semibold">Results on "{suite}"</h2>
            <label className="flex items-center gap-2 text-xs text-zinc-500">
              <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} data-testid="evaluate-all" />
              all metrics
            </label>
          </div>
          {items.length > 0 && (
            <p className="text-xs text-zinc-500">
              {items.map((c) => `${c.kind}: ${c.label}`).join(' · ')} — value ± standard error, or [95% interval]; click a value for its
              items.
            </p>
          )}
          <div className="overflow-x-auto">
            <Table
              columns={tableColumns}
              rows={rows}
              rowKey={(r) => r.key}
              loading={jobs === undefined}
              testId="evaluate-table"
              rowTestId="evaluate-row"
              empty={`Nothing evaluated on "${suite}" yet: pick models above and start.`}
            />
          </div>
        </section>
      )}
    </div>
  );
}
