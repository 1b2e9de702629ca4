import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import type { Run } from '../../../../shared/runs';
import { missingSnapshotReason } from '../../../../shared/trl-import';
import { useApi } from '../../api/context';
import { jobQueries, runQueries } from '../../api/queries';
import { BackLink, Button } from '../../components/Button';
import { ProgressBar } from '../../components/ProgressBar';
import { navigate } from '../../lib/router';
import { lastStep } from '../../lib/series';
import { MetricCharts } from './MetricCharts';
import { RunEvals } from './RunEvals';
import { ExportForCluster } from './ExportForCluster';
import { Checkpoints, Diagnostics, LogTail, Provenance, WeightHistogram } from './RunPanels';
import { RunStatusBadge } from '../../components/Badge';
import { cardClass } from '../../components/Card';
import { barStatus, evalAccuracy, formatMetric, objectiveLabel, RESUMABLE } from './run-format';
import { EmptyState } from '../../components/EmptyState';

/** How often the page asks for derived views (diagnostics, w_w histogram) while steps stream in. */
const DERIVED_REFRESH_MS = 3_000;

function Controls({ run }: { run: Run }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const pause = useMutation({ mutationFn: () => api.call('runs.pause', { id: run.id }) });
  const resume = useMutation({ mutationFn: () => api.call('runs.resume', { id: run.id }) });
  const cancel = useMutation({ mutationFn: () => api.call('runs.cancel', { id: run.id }) });
  const rerun = useMutation({
    mutationFn: () => api.call('runs.rerun', { id: run.id }),
    onSuccess: (next) => {
      void queryClient.invalidateQueries({ queryKey: ['runs', 'list'] });
      navigate(`/runs/${next.id}`);
    },
  });
  // A pause takes effect at the next checkpoint; say so until the status changes.
  const pausing = pause.isSuccess && run.status === 'running' && pause.submittedAt > (run.startedAt ?? 0);
  const busy = pause.isPending || resume.isPending || cancel.isPending || rerun.isPending;
  // An imported run whose snapshot is not here has no records to train on: both buttons say why instead of failing.
  const noSnapshot = missingSnapshotReason(run);
  return (
    <div className="flex flex-wrap gap-2" data-testid="run-controls">
      {run.status === 'running' && (
        <Button
          onClick={() => pause.mutate()}
          disabled={busy || pausing}
          data-testid="run-pause"
          title="Checkpoint now and stop; Resume continues from there"
        >
          {pausing ? 'Pausing…' : 'Pause'}
        </Button>
      )}
      {RESUMABLE.includes(run.status) && (
        <Button
          variant="primary"
          onClick={() => resume.mutate()}
          disabled={busy}
          data-testid="run-resume"
          title="Continue from the last checkpoint"
        >
          Resume
        </Button>
      )}
      {(run.status === 'running' || run.status === 'queued' || run.status === 'paused') && (
        <Button
          variant="danger"
          onClick={() => cancel.mutate()}
          disabled={busy}
          data-testid="run-cancel"
          title="Stop for good; checkpoints stay"
        >
          Cancel
        </Button>
      )}
      {run.status !== 'running' && run.status !== 'queued' && run.status !== 'paused' && (
        <Button
          onClick={() => rerun.mutate()}
          disabled={busy || noSnapshot !== null}
          data-testid="run-rerun"
          title={noSnapshot ?? 'A new run with the same config, snapshot and model'}
        >
          Re-run
        </Button>
      )}
      <ExportForCluster source={{ id: run.id }} disabledReason={noSnapshot} />
      {noSnapshot && (
        <p className="max-w-md basis-full text-xs text-zinc-500" data-testid="run-snapshot-missing">
          {noSnapshot}
        </p>
      )}
      {rerun.error && (
        <p className="max-w-md basis-full text-xs text-rose-600" data-testid="run-rerun-error">
          {rerun.error.message}
        </p>
      )}
    </div>
  );
}

function finishedLine(run: Run): string | null {
  if (run.status !== 'succeeded') return null;
  // An imported run's job is its import: the run itself may still be going on the cluster.
  if (run.imported)
    return `Imported from TRL up to step ${run.step} of ${run.totalSteps}${run.step < run.totalSteps ? ' (import again for later steps)' : ''}.`;
  const tokens = run.latest['tokens_per_second'];
  return `Finished all ${run.totalSteps} steps${tokens ? ` · last ${Math.round(tokens)} tokens/s` : ''}.`;
}

function RunProgress({ run }: { run: Run }) {
  const api = useApi();
  const { data: job } = useQuery({ ...jobQueries.detail(api, run.jobId), enabled: run.jobId > 0 });
  const progress = job?.progress ?? (run.totalSteps > 0 ? run.step / run.totalSteps : 0);
  const active = run.status === 'running' || run.status === 'queued';
  // A finished job keeps its last progress line ("Exporting…"); it only means something while the run is active.
  const message =
    run.status === 'queued' ? (run.queueReason ?? 'Queued') : active ? (job?.progressMessage ?? run.progressMessage) : finishedLine(run);
  return (
    <section className={`${cardClass} space-y-2 p-4`}>
      <div className="flex items-center justify-between gap-4 text-sm">
        <span className="tabular-nums" data-testid="run-step">
          Step {run.step} of {run.totalSteps}
        </span>
        <span className="flex gap-4 text-zinc-500 tabular-nums">
          <span>loss {formatMetric(run.latest['loss'])}</span>
          <span>eval acc. {formatMetric(evalAccuracy(run))}</span>
          <span>{Math.round(progress * 100)}%</span>
        </span>
      </div>
      <div data-testid="run-progress">
        <ProgressBar value={progress} status={barStatus(run.status)} label={`Progress of run ${run.id}`} />
      </div>
      {message && (
        <p className="text-sm text-zinc-500" data-testid="run-progress-message">
          {message}
        </p>
      )}
      {run.error && run.error.code !== 'PAUSED' && (
        <p className="rounded-md bg-rose-50 p-3 text-sm text-rose-800 dark:bg-rose-950 dark:text-rose-200" data-testid="run-error">
          <span className="font-mono text-xs font-semibold">{run.error.code}</span> {run.error.message}
        </p>
      )}
      {run.status === 'paused' && run.error && <p className="text-sm text-sky-700 dark:text-sky-300">{run.error.message}</p>}
    </section>
  );
}

export function RunPage({ id }: { id: number }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const { data: run, error } = useQuery(runQueries.detail(api, id));
  const { data: series } = useQuery(runQueries.metrics(api, id));
  const mmpo = run?.config.objective.objective === 'mmpo';
  const { data: weights } = useQuery({ ...runQueries.weights(api, id), enabled: mmpo });
  const { data: checkpoints } = useQuery(runQueries.checkpoints(api, id));
  const { data: diagnostics } = useQuery(runQueries.diagnostics(api, id));

  // Diagnostics and the w_w histogram derive from all metrics: refresh them as steps arrive, at most every few seconds.
  const step = lastStep(series);
  const lastRefresh = useRef(0);
  useEffect(() => {
    if (step === 0) return;
    const refresh = () => {
      lastRefresh.current = Date.now();
      void queryClient.invalidateQueries({ queryKey: ['runs', 'diagnostics', id] });
      void queryClient.invalidateQueries({ queryKey: ['runs', 'weights', id] });
    };
    const wait = lastRefresh.current + DERIVED_REFRESH_MS - Date.now();
    if (wait <= 0) {
      refresh();
      return;
    }
    const timer = window.setTimeout(refresh, wait);
    return () => window.clearTimeout(timer);
  }, [step, id, queryClient]);

  if (error) return <p className="text-sm text-rose-600">{error.message}</p>;
  if (!run) return <EmptyState>Loading…</EmptyState>;
  return (
    <div className="max-w-7xl space-y-5" data-testid="run-page">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <BackLink to="/runs">Runs</BackLink>
          <h1 className="mt-1 flex items-center gap-3 text-xl font-semibold">
            <span className="truncate" data-testid="run-name">
              #{run.id} {run.name}
            </span>
            <RunStatusBadge status={run.status} />
          </h1>
          <p className="mt-1 text-sm text-zinc-500">
            {objectiveLabel(run)} · {run.config.lora ? `LoRA r=${run.config.lora.rank}` : 'full fine-tune'} · micro-batch{' '}
            {run.config.microBatchSize} × {run.config.gradAccumulation} · lr {run.config.optimizer.lr}
          </p>
        </div>
        <Controls run={run} />
      </div>
      <RunProgress run={run} />
      <Provenance run={run} />
      <MetricCharts series={series ?? {}} objective={run.config.objective} runId={run.id} />
      <RunEvals run={run} />
      <div className="grid grid-cols-1 gap-5 lg:grid-cols-2">
        <div className="space-y-5">
          <Diagnostics items={diagnostics} steps={step} />
          {mmpo && <WeightHistogram data={weights} />}
        </div>
        <Checkpoints items={checkpoints} />
      </div>
      <LogTail jobId={run.jobId} />
    </div>
  );
}
