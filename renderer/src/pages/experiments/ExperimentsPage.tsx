import { useQuery } from '@tanstack/react-query';
import type { ExperimentSummary } from '../../../../shared/experiments';
import { useApi } from '../../api/context';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { ProgressBar } from '../../components/ProgressBar';
import { Table, type Column } from '../../components/Table';
import { formatTime } from '../../lib/format';
import { navigate } from '../../lib/router';
import { progressStatus, STATUS_TONE, statusHint } from './experiment-status';
import { experimentQueries, useExperimentUpdates } from './queries';

const COLUMNS: Column<ExperimentSummary>[] = [
  {
    header: 'Experiment',
    className: 'max-w-72 truncate font-medium',
    title: (e) => e.name,
    cell: (e) => (
      <span>
        #{e.id} {e.name}
      </span>
    ),
  },
  {
    header: 'Status',
    cell: (e) => (
      <Badge tone={STATUS_TONE[e.status]} title={statusHint(e.status)}>
        {e.status}
      </Badge>
    ),
  },
  { header: 'Runs', align: 'right', className: 'tabular-nums', cell: (e) => e.runs },
  {
    header: 'Progress',
    className: 'w-48',
    cell: (e) => (
      <div className="flex items-center gap-2">
        <ProgressBar value={e.progress} status={progressStatus(e.status)} label={`Progress of ${e.name}`} />
        <span className="text-xs tabular-nums">{Math.round(e.progress * 100)}%</span>
      </div>
    ),
  },
  { header: 'Created', className: 'whitespace-nowrap text-zinc-500', cell: (e) => formatTime(e.createdAt) },
];

/** Experiments (issue 19): grids of runs made with Sweep on the launcher or `studio sweep`, newest first. */
export function ExperimentsPage() {
  const api = useApi();
  useExperimentUpdates(api);
  const { data, error, isLoading } = useQuery(experimentQueries.list(api));
  return (
    <div className="max-w-6xl space-y-4" data-testid="experiments-page">
      <div className="flex items-center justify-between gap-3">
        <h1 className="text-xl font-semibold">Experiments</h1>
        <Button variant="primary" onClick={() => navigate('/runs/new')} data-testid="experiments-new" title="Sweep from the run launcher">
          New sweep
        </Button>
      </div>
      {error && <p className="text-sm text-rose-600">{error.message}</p>}
      <Table
        columns={COLUMNS}
        rows={data ?? []}
        loading={isLoading}
        rowKey={(e) => e.id}
        testId="experiments-table"
        rowTestId="experiment-row"
        onOpen={(e) => navigate(`/experiments/${e.id}`)}
        empty="No experiments yet: on New run, set up the shared settings and press Sweep to vary objectives, β and seeds — or run studio sweep."
      />
    </div>
  );
}
