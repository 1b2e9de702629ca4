import { useMutation, useQuery } from '@tanstack/react-query';
import type { Run } from '../../../../shared/runs';
import { useApi } from '../../api/context';
import { runQueries } from '../../api/queries';
import { Badge, RunStatusBadge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { Table, type Column } from '../../components/Table';
import { formatTime } from '../../lib/format';
import { navigate } from '../../lib/router';
import { ImportTrlRun } from './ImportTrlRun';
import { evalAccuracy, formatMetric, objectiveLabel, RESUMABLE } from './run-format';

/** Interrupted runs first (they need a decision), then active ones, then the rest, newest first. */
function ordered(runs: Run[]): Run[] {
  const rank = (r: Run) =>
    r.status === 'interrupted' ? 0 : r.status === 'running' || r.status === 'queued' || r.status === 'paused' ? 1 : 2;
  return [...runs].sort((a, b) => rank(a) - rank(b) || b.id - a.id);
}

function ResumeButton({ run }: { run: Run }) {
  const api = useApi();
  const resume = useMutation({ mutationFn: () => api.call('runs.resume', { id: run.id }) });
  return (
    <Button
      variant={run.status === 'interrupted' ? 'primary' : 'secondary'}
      className="!px-2 !py-0.5 text-xs"
      disabled={resume.isPending}
      data-testid="run-resume"
      onClick={(e) => {
        e.stopPropagation();
        resume.mutate();
      }}
    >
      Resume
    </Button>
  );
}

const RUN_COLUMNS: Column<Run>[] = [
  {
    header: 'Run',
    className: 'max-w-64',
    cell: (run) => (
      <div className="truncate font-medium" title={run.name}>
        #{run.id} {run.name}{' '}
        {run.imported && (
          <Badge tone="sky" testId="run-imported" title={`Trained elsewhere with TRL; imported from ${run.imported.sourceDir}`}>
            TRL
          </Badge>
        )}
      </div>
    ),
  },
  {
    header: 'Status',
    title: (run) => run.queueReason ?? run.error?.message ?? undefined,
    cell: (run) => (
      <>
        <RunStatusBadge status={run.status} />
        {run.status === 'queued' && run.queueReason && <div className="max-w-40 truncate text-xs text-zinc-500">{run.queueReason}</div>}
      </>
    ),
  },
  { header: 'Model', className: 'max-w-40 truncate', title: (run) => run.modelName, cell: (run) => run.modelName },
  {
    header: 'Snapshot',
    className: 'max-w-40 truncate',
    title: (run) => `${run.datasetName} · ${run.snapshotName}`,
    cell: (run) => run.snapshotName,
  },
  { header: 'Objective', className: 'whitespace-nowrap', cell: objectiveLabel },
  {
    header: 'Step',
    align: 'right',
    className: 'whitespace-nowrap tabular-nums',
    testId: 'run-step',
    cell: (run) => `${run.step} / ${run.totalSteps}`,
  },
  { header: 'Loss', align: 'right', className: 'tabular-nums', cell: (run) => formatMetric(run.latest['loss']) },
  {
    header: 'Eval acc.',
    headerTitle: 'Held-out preference accuracy at the latest evaluation',
    align: 'right',
    className: 'tabular-nums',
    cell: (run) => formatMetric(evalAccuracy(run)),
  },
  { header: 'Created', className: 'whitespace-nowrap text-zinc-500', cell: (run) => formatTime(run.createdAt) },
  { header: '', align: 'right', cell: (run) => RESUMABLE.includes(run.status) && <ResumeButton run={run} /> },
];

export function RunsPage() {
  const api = useApi();
  const { data: runs = [], isLoading } = useQuery(runQueries.list(api));
  const interrupted = runs.filter((r) => r.status === 'interrupted').length;
  return (
    <div className="max-w-6xl space-y-4">
      <div className="flex items-center justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold">Runs</h1>
          <p className="mt-1 text-sm text-zinc-500">
            Training runs on frozen snapshots, with live metrics, checkpoints and their provenance.
          </p>
        </div>
        <div className="flex gap-2">
          <ImportTrlRun />
          <Button variant="primary" onClick={() => navigate('/runs/new')} data-testid="new-run">
            New run
          </Button>
        </div>
      </div>
      {interrupted > 0 && (
        <div
          role="status"
          className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
          data-testid="interrupted-banner"
        >
          <span className="font-medium">{interrupted === 1 ? '1 run was interrupted' : `${interrupted} runs were interrupted`}</span> — the
          studio stopped while {interrupted === 1 ? 'it was' : 'they were'} training. Resume continues from the last checkpoint.
        </div>
      )}
      <Table
        columns={RUN_COLUMNS}
        rows={ordered(runs)}
        rowKey={(run) => run.id}
        loading={isLoading}
        empty="No runs yet. Start one from a dataset snapshot and a model with “New run”."
        testId="runs-table"
        rowTestId="run-row"
        onOpen={(run) => navigate(`/runs/${run.id}`)}
        rowClassName={(run) => (run.status === 'interrupted' ? 'bg-amber-50/60 dark:bg-amber-950/30' : '')}
      />
    </div>
  );
}
