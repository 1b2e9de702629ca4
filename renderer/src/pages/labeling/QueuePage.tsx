import { useQuery } from '@tanstack/react-query';
import { useApi } from '../../api/context';
import { labelingQueries } from '../../api/queries';
import { BackLink } from '../../components/Button';
import { EmptyState } from '../../components/EmptyState';
import { formatCount } from '../../lib/format';
import { navigate } from '../../lib/router';
import { AnnotatorPicker, useAnnotatorChoice } from './annotator';
import { Labeler } from './Labeler';
import { NoPairsYet, orderLabel, QueueTools } from './QueueTools';
import { StatsView } from './StatsView';

type Tab = 'label' | 'stats';
const TABS: { id: Tab; label: string }[] = [
  { id: 'label', label: 'Label' },
  { id: 'stats', label: 'Stats' },
];

/** A queue: the labeler (`/labeling/:id`) and its stats (`/labeling/:id/stats`), one tab each. */
export function QueuePage({ id, tab }: { id: number; tab: Tab }) {
  const api = useApi();
  const { data: queues, error } = useQuery(labelingQueries.queues(api));
  const { data: annotators } = useQuery(labelingQueries.annotators(api));
  const [annotatorId] = useAnnotatorChoice();
  const queue = queues?.find((q) => q.id === id);
  const annotator = annotators?.find((a) => a.id === annotatorId);
  if (error) return <EmptyState>{error.message}</EmptyState>;
  if (!queues) return null;
  if (!queue) return <EmptyState testId="queue-missing">There is no label queue #{id}.</EmptyState>;
  return (
    <div className="space-y-3" data-testid="queue-page">
      <div>
        <BackLink to="/labeling">Labeling</BackLink>
        <div className="flex items-baseline gap-3">
          <h1 className="text-xl font-semibold">{queue.name}</h1>
          <span className="text-sm text-zinc-500 tabular-nums" data-testid="queue-done">
            {formatCount(queue.done)} / {formatCount(queue.total)} done · overlap {queue.overlap}
          </span>
          <span className="text-sm text-zinc-500" data-testid="queue-order-label">
            order {orderLabel(queue)}
          </span>
          {queue.prompts && (
            <span className="text-sm text-zinc-500 tabular-nums" data-testid="queue-prompts">
              prompts {formatCount(queue.prompts.filled)} / {formatCount(queue.prompts.total)} with candidates
            </span>
          )}
        </div>
      </div>
      <QueueTools queue={queue} />
      <div role="tablist" className="flex gap-1 border-b border-zinc-200 dark:border-zinc-800">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            onClick={() => navigate(t.id === 'label' ? `/labeling/${id}` : `/labeling/${id}/stats`)}
            data-testid={`tab-${t.id}`}
            className={`-mb-px border-b-2 px-3 py-1.5 text-sm focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 ${
              tab === t.id
                ? 'border-indigo-600 font-medium text-indigo-700 dark:text-indigo-300'
                : 'border-transparent text-zinc-500 hover:text-zinc-800 dark:hover:text-zinc-200'
            }`}
          >
            {t.label}
          </button>
        ))}
      </div>
      {tab === 'stats' && <StatsView queue={queue} />}
      {tab === 'label' &&
        ((queue.kind === 'prompts' || queue.kind === 'arena') && queue.total === 0 ? (
          <NoPairsYet queue={queue} />
        ) : annotator ? (
          <Labeler key={`${queue.id}:${annotator.id}`} queue={queue} annotatorId={annotator.id} annotatorName={annotator.name} />
        ) : annotators ? (
          <div className="space-y-2">
            <EmptyState>Who is labeling? Pick your profile or make one; this browser remembers it.</EmptyState>
            <AnnotatorPicker />
          </div>
        ) : null)}
    </div>
  );
}
