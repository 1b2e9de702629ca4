import { useQuery } from '@tanstack/react-query';
import { useApi } from '../../api/context';
import { datasetQueries, jobQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { formatTime } from '../../lib/format';
import { isActive, JobProgress } from './actions';
import { shortHash } from './text';
import { formatCount } from './ui';

export function SnapshotsTab({ datasetId, onExport }: { datasetId: number; onExport: (snapshotId: number) => void }) {
  const api = useApi();
  const { data: snapshots = [], isLoading } = useQuery(datasetQueries.snapshots(api, datasetId));
  // Snapshots being frozen (jobs in worker processes), also after their dialog was closed.
  const { data: jobs = [] } = useQuery(jobQueries.list(api));
  const freezing = jobs.filter((j) => j.kind === 'dataset-snapshot' && isActive(j) && (j.params as { datasetId?: number }).datasetId === datasetId);
  if (isLoading) return null;
  const progress = freezing.map((job) => (
    <div key={job.id} className="mb-3 space-y-1 text-sm">
      <p>{job.title}</p>
      <JobProgress job={job} label="Snapshot progress" testId="snapshot-job" />
    </div>
  ));
  if (snapshots.length === 0) {
    return (
      <>
        {progress}
        <p className="text-sm text-zinc-500">No snapshots yet. Freeze one to train on a fixed version of this dataset.</p>
      </>
    );
  }
  return (
    <>
      {progress}
      <table className="w-full text-sm" data-testid="snapshots-table">
        <thead className="text-left text-xs text-zinc-500 uppercase">
          <tr>
            <th className="py-2 pr-3">Name</th>
            <th className="py-2 pr-3">Content hash</th>
            <th className="py-2 pr-3 text-right">Records</th>
            <th className="py-2 pr-3 text-right">Train</th>
            <th className="py-2 pr-3 text-right">Test</th>
            <th className="py-2 pr-3">Scope</th>
            <th className="py-2 pr-3">Created</th>
            <th className="py-2" />
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {snapshots.map((s) => (
            <tr key={s.id} data-testid="snapshot-row">
              <td className="py-2 pr-3 font-medium">{s.name}</td>
              <td className="py-2 pr-3 font-mono text-xs" title={s.contentHash}>
                {shortHash(s.contentHash)}
              </td>
              <td className="py-2 pr-3 text-right tabular-nums">{formatCount(s.recordCount)}</td>
              <td className="py-2 pr-3 text-right tabular-nums">{formatCount(s.trainCount)}</td>
              <td className="py-2 pr-3 text-right tabular-nums">{formatCount(s.testCount)}</td>
              <td className="max-w-48 truncate py-2 pr-3 text-xs text-zinc-500" title={s.filter ? JSON.stringify(s.filter) : undefined}>
                {s.filter ? 'filtered' : 'all records'}
              </td>
              <td className="py-2 pr-3 whitespace-nowrap text-zinc-500">{formatTime(s.createdAt)}</td>
              <td className="py-2 text-right">
                <Button variant="ghost" className="!px-2 !py-0.5 text-xs" onClick={() => onExport(s.id)} data-testid="snapshot-export">
                  Export…
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
