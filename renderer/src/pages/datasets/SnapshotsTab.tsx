import { useQuery } from '@tanstack/react-query';
import type { Snapshot } from '../../../../shared/datasets';
import { useApi } from '../../api/context';
import { datasetQueries, jobQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { Table, type Column } from '../../components/Table';
import { formatCount, formatTime } from '../../lib/format';
import { isActive, JobProgress } from './actions';
import { shortHash } from './text';

function snapshotColumns(onExport: (snapshotId: number) => void): Column<Snapshot>[] {
  return [
    { header: 'Name', className: 'font-medium', cell: (s) => s.name },
    { header: 'Content hash', className: 'font-mono text-xs', title: (s) => s.contentHash, cell: (s) => shortHash(s.contentHash) },
    { header: 'Records', align: 'right', className: 'tabular-nums', cell: (s) => formatCount(s.recordCount) },
    { header: 'Train', align: 'right', className: 'tabular-nums', cell: (s) => formatCount(s.trainCount) },
    { header: 'Test', align: 'right', className: 'tabular-nums', cell: (s) => formatCount(s.testCount) },
    {
      header: 'Scope',
      className: 'max-w-48 truncate text-xs text-zinc-500',
      title: (s) => (s.filter ? JSON.stringify(s.filter) : undefined),
      cell: (s) => (s.filter ? 'filtered' : 'all records'),
    },
    { header: 'Created', className: 'whitespace-nowrap text-zinc-500', cell: (s) => formatTime(s.createdAt) },
    {
      header: '',
      align: 'right',
      cell: (s) => (
        <Button variant="ghost" className="!px-2 !py-0.5 text-xs" onClick={() => onExport(s.id)} data-testid="snapshot-export">
          Export…
        </Button>
      ),
    },
  ];
}

export function SnapshotsTab({ datasetId, onExport }: { datasetId: number; onExport: (snapshotId: number) => void }) {
  const api = useApi();
  const { data: snapshots = [], isLoading } = useQuery(datasetQueries.snapshots(api, datasetId));
  // Snapshots being frozen (jobs in worker processes), also after their dialog was closed.
  const { data: jobs = [] } = useQuery(jobQueries.list(api));
  const freezing = jobs.filter(
    (j) => j.kind === 'dataset-snapshot' && isActive(j) && (j.params as { datasetId?: number }).datasetId === datasetId,
  );
  if (isLoading) return null;
  const progress = freezing.map((job) => (
    <div key={job.id} className="mb-3 space-y-1 text-sm">
      <p>{job.title}</p>
      <JobProgress job={job} label="Snapshot progress" testId="snapshot-job" />
    </div>
  ));
  return (
    <>
      {progress}
      <Table
        columns={snapshotColumns(onExport)}
        rows={snapshots}
        rowKey={(s) => s.id}
        empty="No snapshots yet. Freeze one to train on a fixed version of this dataset."
        testId="snapshots-table"
        rowTestId="snapshot-row"
      />
    </>
  );
}
