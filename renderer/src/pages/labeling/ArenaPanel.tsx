import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { ArenaResults, ItemSources, LabelQueue, ResponseSource } from '../../../../shared/labeling';
import { useApi } from '../../api/context';
import { labelingQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { cardClass } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { Table, type Column } from '../../components/Table';
import { formatCount } from '../../lib/format';

type ModelRow = ArenaResults['models'][number];

const round = (x: number | null) => (x === null ? '—' : x.toFixed(0));

const MODEL_COLUMNS: Column<ModelRow>[] = [
  { header: 'Model', className: 'font-medium', cell: (m) => `${m.slot} · ${m.name}`, testId: 'arena-model' },
  { header: 'Wins', align: 'right', className: 'tabular-nums', cell: (m) => formatCount(m.wins), testId: 'arena-wins' },
  { header: 'Losses', align: 'right', className: 'tabular-nums', cell: (m) => formatCount(m.losses) },
  {
    header: 'Ties',
    headerTitle: 'Ties, both-bad included (both-bad also apart)',
    align: 'right',
    className: 'tabular-nums',
    cell: (m) => `${formatCount(m.ties)} (${formatCount(m.bothBad)} both bad)`,
  },
  {
    header: 'Rating',
    headerTitle: 'Bradley–Terry rating (400·s + 1000) with its bootstrap 95% percentiles',
    align: 'right',
    className: 'tabular-nums',
    cell: (m) => (m.rating === null ? '—' : `${round(m.rating)} [${round(m.ratingLow)}, ${round(m.ratingHigh)}]`),
    testId: 'arena-rating',
  },
];

const sourceText = (s: ResponseSource) =>
  s.kind === 'dataset'
    ? 'dataset'
    : `${s.slot} · ${s.modelName}${s.runId !== null ? ` (run #${s.runId}, step ${s.step})` : ''} #${s.sample}`;

/** Which model wrote which side, for the pairs already labeled: asked for, never shown by default, never in the labeler. */
function Sources({ queue }: { queue: LabelQueue }) {
  const api = useApi();
  const { data, error } = useQuery(labelingQueries.itemSources(api, queue.id));
  if (error) return <p className="text-sm text-rose-600">{error.message}</p>;
  if (!data) return null;
  const columns: Column<ItemSources>[] = [
    { header: 'Pair', align: 'right', className: 'tabular-nums', cell: (i) => i.position + 1 },
    { header: 'Response a', cell: (i) => sourceText(i.a) },
    { header: 'Response b', cell: (i) => sourceText(i.b) },
  ];
  return (
    <div className="space-y-1" data-testid="arena-sources">
      <Table columns={columns} rows={data.items} rowKey={(i) => i.itemId} density="compact" empty="No pairs yet." />
      {data.total > data.items.length && (
        <p className="text-xs text-zinc-500">
          The first {data.items.length} of {formatCount(data.total)} pairs.
        </p>
      )}
    </div>
  );
}

/** An arena queue's results: every standing label is a vote between its two models (as Chatbot Arena counts them). */
export function ArenaPanel({ queue }: { queue: LabelQueue }) {
  const api = useApi();
  const { data, error } = useQuery(labelingQueries.arenaResults(api, queue.id));
  const [reveal, setReveal] = useState(false);
  return (
    <section className={`${cardClass} space-y-3 p-4`} data-testid="arena-panel">
      <div>
        <h2 className="text-sm font-semibold">Arena results</h2>
        <p className="text-xs text-zinc-500">
          Each annotator’s standing label is a vote. A’s win rate counts a tie as half a win; its 95% interval is a seeded bootstrap over
          the votes.
        </p>
      </div>
      {error && <p className="text-sm text-rose-600">{error.message}</p>}
      {data && (
        <>
          <p className="text-sm" data-testid="arena-win-rate">
            {formatCount(data.votes)} votes ·{' '}
            {data.winRateA === null
              ? `A’s win rate undefined: ${data.reason ?? 'no votes'}`
              : `A’s win rate ${data.winRateA.toFixed(1)}% [${data.low?.toFixed(1)}, ${data.high?.toFixed(1)}]`}
          </p>
          {data.models.length === 0 ? (
            <EmptyState>No models yet: generate candidates first.</EmptyState>
          ) : (
            <Table columns={MODEL_COLUMNS} rows={data.models} rowKey={(m) => m.slot} density="compact" testId="arena-table" />
          )}
        </>
      )}
      <div>
        <Button variant="ghost" onClick={() => setReveal((r) => !r)} data-testid="arena-reveal">
          {reveal ? 'Hide sources' : 'Reveal which model wrote each response'}
        </Button>
        <p className="text-xs text-zinc-500">For after labeling: the labeler never shows it, so the votes stay blind.</p>
      </div>
      {reveal && <Sources queue={queue} />}
    </section>
  );
}
