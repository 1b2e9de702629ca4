import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Experiment, ExperimentRun } from '../../../../shared/experiments';
import { useApi } from '../../api/context';
import { Badge, RunStatusBadge } from '../../components/Badge';
import { BackLink, Button } from '../../components/Button';
import { cardClass } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { ProgressBar } from '../../components/ProgressBar';
import { Table, type Column } from '../../components/Table';
import { formatDuration } from '../../lib/format';
import { navigate } from '../../lib/router';
import { ExperimentReport } from './ExperimentReport';
import { progressStatus, STATUS_TONE, statusHint } from './experiment-status';
import { experimentQueries, useExperimentUpdates } from './queries';

const RUN_COLUMNS: Column<ExperimentRun>[] = [
  { header: 'Setting', className: 'whitespace-nowrap', cell: (r) => r.label },
  {
    header: 'Run',
    className: 'max-w-64 truncate',
    title: (r) => r.name,
    cell: (r) => (
      <span>
        #{r.runId} {r.name}
      </span>
    ),
  },
  {
    header: 'Status',
    title: (r) => r.queueReason ?? r.error ?? undefined,
    cell: (r) => (
      <span className="flex items-center gap-2">
        <RunStatusBadge status={r.status} />
        {/* Waiting its turn: the experiment starts it, so it has no Resume of its own. */}
        {r.status === 'queued' && r.queueReason && <span className="max-w-56 truncate text-xs text-zinc-500">{r.queueReason}</span>}
      </span>
    ),
  },
  { header: 'Steps', align: 'right', className: 'tabular-nums', cell: (r) => `${r.step} / ${r.totalSteps}` },
  {
    header: 'Evaluations',
    align: 'right',
    className: 'tabular-nums whitespace-nowrap',
    title: (r) =>
      r.evalsByHand > 0
        ? `${r.evalsByHand} more started by hand (another suite or step): not counted here, nor in the report.`
        : 'Step 0 and every scheduled checkpoint, on the run’s evaluation suite.',
    cell: (r) => `${r.evalsDone} / ${r.evalsPlanned}${r.evalsByHand > 0 ? ` (+${r.evalsByHand} by hand)` : ''}`,
  },
];

/** "about 12m (9m–16m) left": the estimate, or why there is none yet. */
function timeLeft(exp: Experiment): string {
  if (exp.status === 'succeeded' || exp.status === 'cancelled') return '';
  if (!exp.estimate) return exp.estimateNote;
  const { seconds, low, high, basis } = exp.estimate;
  return `About ${formatDuration(seconds * 1000)} left (${formatDuration(low * 1000)}–${formatDuration(high * 1000)}), ${basis}.`;
}

function Controls({ exp }: { exp: Experiment }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const act = useMutation({
    mutationFn: (action: 'pause' | 'resume' | 'cancel') => api.call(`experiments.${action}`, { id: exp.id }),
    onSuccess: (next) => {
      queryClient.setQueryData(experimentQueries.detail(api, exp.id).queryKey, next);
      void queryClient.invalidateQueries({ queryKey: ['experiments'] });
    },
  });
  const finished = exp.status === 'succeeded' || exp.state === 'cancelled';
  return (
    <div className="flex flex-wrap items-center gap-2">
      {exp.state === 'paused' || exp.status === 'incomplete' ? (
        <Button variant="primary" disabled={act.isPending} onClick={() => act.mutate('resume')} data-testid="experiment-resume">
          Resume
        </Button>
      ) : (
        <Button
          disabled={act.isPending || finished || exp.status === 'pausing'}
          onClick={() => act.mutate('pause')}
          data-testid="experiment-pause"
          title="Running runs stop at a checkpoint; queued runs and evaluations wait until you resume."
        >
          Pause
        </Button>
      )}
      <Button
        variant="danger"
        disabled={act.isPending || finished}
        onClick={() => {
          if (window.confirm(`Cancel every run and evaluation of “${exp.name}”? Checkpoints and results stay.`)) act.mutate('cancel');
        }}
        data-testid="experiment-cancel"
      >
        Cancel
      </Button>
      {act.error && <span className="text-sm text-rose-600">{act.error.message}</span>}
    </div>
  );
}

/**
 * An experiment (issue 19 item 4): overall progress and the time left, pause,
 * resume and cancel of the whole, its runs, and the report — verdicts, table
 * and the paper's view — refreshed from job and run events as runs train and
 * their checkpoints are evaluated.
 */
export function ExperimentPage({ id }: { id: number }) {
  const api = useApi();
  useExperimentUpdates(api);
  const { data: exp, error } = useQuery(experimentQueries.detail(api, id));
  const { data: results, error: resultsError } = useQuery(experimentQueries.results(api, id));
  if (error) return <EmptyState testId="experiment-error">{error.message}</EmptyState>;
  if (!exp) return <EmptyState>Loading the experiment…</EmptyState>;
  const pct = Math.round(exp.progress * 100);
  return (
    <div className="max-w-6xl space-y-4" data-testid="experiment-page">
      <div>
        <BackLink to="/experiments">Experiments</BackLink>
        <div className="mt-1 flex flex-wrap items-center gap-3">
          <h1 className="text-xl font-semibold">{exp.name}</h1>
          <Badge tone={STATUS_TONE[exp.status]} title={statusHint(exp.status)} testId="experiment-status">
            {exp.status}
          </Badge>
        </div>
      </div>
      <section className={`${cardClass} space-y-3 p-4`}>
        <div className="flex flex-wrap items-center justify-between gap-3">
          <div className="text-sm tabular-nums" data-testid="experiment-progress">
            {pct}% · {exp.stepsDone} / {exp.stepsTotal} training steps · {exp.evalsDone} / {exp.evalsPlanned} evaluations · {exp.runs} runs
            {exp.evalsByHand > 0 && ` · ${exp.evalsByHand} more evaluations started by hand, not counted`}
          </div>
          <Controls exp={exp} />
        </div>
        <ProgressBar value={exp.progress} status={progressStatus(exp.status)} label="Experiment progress" />
        <p className="text-xs text-zinc-500" data-testid="experiment-estimate">
          {timeLeft(exp)}
        </p>
        <p className="text-xs text-zinc-500" data-testid="experiment-axes">
          {exp.axes
            .map((a) => `${a.path} (${a.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')})`)
            .join(' × ')}
          . Every other setting is shared ({Object.keys(exp.shared).length} settings).
        </p>
      </section>
      {resultsError ? (
        <EmptyState>{resultsError.message}</EmptyState>
      ) : results ? (
        <ExperimentReport results={results} />
      ) : (
        <EmptyState>Loading the results…</EmptyState>
      )}
      <section className={`${cardClass} space-y-3 p-4`}>
        <h2 className="text-sm font-semibold">Runs</h2>
        <Table
          columns={RUN_COLUMNS}
          rows={exp.cells}
          rowKey={(r) => r.runId}
          testId="experiment-runs"
          rowTestId="experiment-run"
          density="compact"
          onOpen={(r) => navigate(`/runs/${r.runId}`)}
          rowData={(r) => ({ 'data-status': r.status })}
        />
      </section>
    </div>
  );
}
