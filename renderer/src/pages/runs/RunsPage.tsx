import { useMutation, useQuery } from '@tanstack/react-query';
import type { Run } from '../../../../shared/runs';
import { useApi } from '../../api/context';
import { runQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { formatTime } from '../../lib/format';
import { navigate } from '../../lib/router';
import { useRowNavigation } from '../../lib/row-navigation';
import { evalAccuracy, formatMetric, objectiveLabel, RESUMABLE, RunStatusBadge } from './ui';

/** Interrupted runs first (they need a decision), then active ones, then the rest, newest first. */
function ordered(runs: Run[]): Run[] {
  const rank = (r: Run) => (r.status === 'interrupted' ? 0 : r.status === 'running' || r.status === 'queued' || r.status === 'paused' ? 1 : 2);
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

export function RunsPage() {
  const api = useApi();
  const { data: runs = [], isLoading } = useQuery(runQueries.list(api));
  const rows = useRowNavigation<HTMLTableSectionElement>(runs.length > 0);
  const interrupted = runs.filter((r) => r.status === 'interrupted').length;
  return (
    <div className="max-w-6xl space-y-4">
      <div className="flex items-center justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold">Runs</h1>
          <p className="mt-1 text-sm text-zinc-500">Training runs on frozen snapshots, with live metrics, checkpoints and their provenance.</p>
        </div>
        <Button variant="primary" onClick={() => navigate('/runs/new')} data-testid="new-run">
          New run
        </Button>
      </div>
      {interrupted > 0 && (
        <div
          role="status"
          className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
          data-testid="interrupted-banner"
        >
          <span className="font-medium">{interrupted === 1 ? '1 run was interrupted' : `${interrupted} runs were interrupted`}</span> — the studio
          stopped while {interrupted === 1 ? 'it was' : 'they were'} training. Resume continues from the last checkpoint.
        </div>
      )}
      {isLoading ? null : runs.length === 0 ? (
        <p className="text-sm text-zinc-500">No runs yet. Start one from a dataset snapshot and a model with “New run”.</p>
      ) : (
        <table className="w-full text-sm" data-testid="runs-table">
          <thead className="text-left text-xs text-zinc-500 uppercase">
            <tr>
              <th className="py-2 pr-3">Run</th>
              <th className="py-2 pr-3">Status</th>
              <th className="py-2 pr-3">Model</th>
              <th className="py-2 pr-3">Snapshot</th>
              <th className="py-2 pr-3">Objective</th>
              <th className="py-2 pr-3 text-right">Step</th>
              <th className="py-2 pr-3 text-right">Loss</th>
              <th className="py-2 pr-3 text-right" title="Held-out preference accuracy at the latest evaluation">
                Eval acc.
              </th>
              <th className="py-2 pr-3">Created</th>
              <th className="py-2" />
            </tr>
          </thead>
          <tbody ref={rows.ref} onKeyDown={rows.onKeyDown} className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {ordered(runs).map((run) => (
              <tr
                key={run.id}
                tabIndex={0}
                data-nav-row
                data-testid="run-row"
                className={`cursor-pointer hover:bg-zinc-100 focus:bg-indigo-50 focus:outline-none dark:hover:bg-zinc-900 dark:focus:bg-indigo-950 ${
                  run.status === 'interrupted' ? 'bg-amber-50/60 dark:bg-amber-950/30' : ''
                }`}
                onClick={() => navigate(`/runs/${run.id}`)}
                onKeyDown={(e) => e.key === 'Enter' && e.target === e.currentTarget && navigate(`/runs/${run.id}`)}
              >
                <td className="max-w-64 py-2 pr-3">
                  <div className="truncate font-medium" title={run.name}>
                    #{run.id} {run.name}
                  </div>
                </td>
                <td className="py-2 pr-3" title={run.queueReason ?? run.error?.message ?? undefined}>
                  <RunStatusBadge status={run.status} />
                  {run.status === 'queued' && run.queueReason && <div className="max-w-40 truncate text-xs text-zinc-500">{run.queueReason}</div>}
                </td>
                <td className="max-w-40 truncate py-2 pr-3" title={run.modelName}>
                  {run.modelName}
                </td>
                <td className="max-w-40 truncate py-2 pr-3" title={`${run.datasetName} · ${run.snapshotName}`}>
                  {run.snapshotName}
                </td>
                <td className="py-2 pr-3 whitespace-nowrap">{objectiveLabel(run)}</td>
                <td className="py-2 pr-3 text-right whitespace-nowrap tabular-nums" data-testid="run-step">
                  {run.step} / {run.totalSteps}
                </td>
                <td className="py-2 pr-3 text-right tabular-nums">{formatMetric(run.latest['loss'])}</td>
                <td className="py-2 pr-3 text-right tabular-nums">{formatMetric(evalAccuracy(run))}</td>
                <td className="py-2 pr-3 whitespace-nowrap text-zinc-500">{formatTime(run.createdAt)}</td>
                <td className="py-2 text-right">{RESUMABLE.includes(run.status) && <ResumeButton run={run} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
