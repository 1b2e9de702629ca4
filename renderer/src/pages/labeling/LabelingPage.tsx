import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { LabelQueue } from '../../../../shared/labeling';
import { useApi } from '../../api/context';
import { labelingQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { ProgressBar } from '../../components/ProgressBar';
import { Table, type Column } from '../../components/Table';
import { formatCount, formatTime } from '../../lib/format';
import { navigate } from '../../lib/router';
import { AnnotatorPicker } from './annotator';
import { NewQueueDialog } from './NewQueueDialog';
import { formatRate } from './stats-format';

/** Who has labeled how much, and how fast, from the queue's stats. */
function AnnotatorsCell({ queue }: { queue: LabelQueue }) {
  const api = useApi();
  const { data: stats } = useQuery({ ...labelingQueries.stats(api, queue.id), staleTime: 10_000 });
  if (!stats) return null;
  if (stats.annotators.length === 0) return <span className="text-zinc-500">no labels yet</span>;
  return (
    <span className="text-xs">
      {stats.annotators.map((a, i) => (
        <span key={a.annotatorId} title={`${a.labeled} labels, ${a.skipped} skipped, ${formatRate(a.labelsPerHour)} per hour on screen`}>
          {i > 0 && ' · '}
          {a.name} {formatCount(a.labeled)} <span className="text-zinc-500">({formatRate(a.labelsPerHour)}/h)</span>
        </span>
      ))}
    </span>
  );
}

const QUEUE_COLUMNS: Column<LabelQueue>[] = [
  {
    header: 'Queue',
    className: 'max-w-64',
    cell: (q) => (
      <div className="truncate font-medium" title={q.name}>
        {q.name}
      </div>
    ),
  },
  { header: 'Kind', cell: (q) => q.kind },
  { header: 'Order', className: 'whitespace-nowrap', cell: (q) => (q.order === 'random' ? `random (seed ${q.seed})` : q.order) },
  { header: 'Overlap', align: 'right', className: 'tabular-nums', cell: (q) => q.overlap },
  {
    header: 'Done',
    headerTitle: 'Pairs that k annotators have labeled, of all pairs in the queue',
    className: 'w-48',
    testId: 'queue-progress',
    cell: (q) => (
      <div className="space-y-1">
        <div className="text-xs tabular-nums">
          {formatCount(q.done)} / {formatCount(q.total)}
        </div>
        <ProgressBar value={q.total ? q.done / q.total : 0} status={q.done === q.total ? 'succeeded' : 'queued'} label={`${q.name} done`} />
      </div>
    ),
  },
  { header: 'Annotators (labels, per hour)', cell: (q) => <AnnotatorsCell queue={q} /> },
  { header: 'Created', className: 'whitespace-nowrap text-zinc-500', cell: (q) => formatTime(q.createdAt) },
];

export function LabelingPage() {
  const api = useApi();
  const { data: queues = [], isLoading } = useQuery(labelingQueries.queues(api));
  const [creating, setCreating] = useState(false);
  return (
    <div className="max-w-6xl space-y-4" data-testid="labeling-page">
      <div className="flex items-center justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold">Labeling</h1>
          <p className="mt-1 text-sm text-zinc-500">
            Queues of pairs to judge, one at a time, keyboard first; every key press is saved before it counts.
          </p>
        </div>
        <Button variant="primary" onClick={() => setCreating(true)} data-testid="new-queue">
          New queue
        </Button>
      </div>
      <AnnotatorPicker />
      <Table
        columns={QUEUE_COLUMNS}
        rows={queues}
        rowKey={(q) => q.id}
        loading={isLoading}
        empty="No label queues yet. Make one from a dataset or snapshot with “New queue”."
        testId="queues-table"
        rowTestId="queue-row"
        onOpen={(q) => navigate(`/labeling/${q.id}`)}
      />
      {creating && <NewQueueDialog onClose={() => setCreating(false)} />}
    </div>
  );
}
