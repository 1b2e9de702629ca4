import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ArenaLeaderboard } from '../../../../shared/arena';
import type { Run } from '../../../../shared/runs';
import { SIDE_BY_SIDE_SAMPLING } from '../../../../shared/side-by-side';
import { useApi } from '../../api/context';
import { labelingQueries, modelQueries, snapshotQueries } from '../../api/queries';
import { Button, Toggle } from '../../components/Button';
import { cardClass } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { Field, inputClass } from '../../components/Field';
import { SnapshotSplitFields } from './SnapshotSplitFields';
import { Table, type Column } from '../../components/Table';
import { navigate } from '../../lib/router';
import { ui } from '../../lib/ui-store';
import { useModelOptions } from './model-options';

/**
 * The arena (issue 15 item 8): pick checkpoints, generate their answers on a
 * snapshot's split (the evaluation's jobs, cached), make one blind arena
 * queue of them for the labeler, let the rule checker vote beside people,
 * and read the Bradley–Terry leaderboard with its 95% intervals; decisive
 * votes build a preference dataset.
 */

type Row = ArenaLeaderboard['models'][number];
const fmt = (x: number | null) => (x === null ? '—' : x.toFixed(0));

const LEADERBOARD_COLUMNS: Column<Row & { rank: number }>[] = [
  { header: '#', cell: (r) => r.rank, className: 'tabular-nums' },
  { header: 'Model', cell: (r) => r.name, title: (r) => r.modelHash, testId: 'arena-model' },
  {
    header: 'Rating',
    headerTitle: 'Bradley–Terry 400·s + 1000 on all votes, and the 2.5–97.5 percentiles of 1000 bootstrap rounds',
    cell: (r) => `${fmt(r.rating)} [${fmt(r.low)}, ${fmt(r.high)}]`,
    className: 'tabular-nums',
    testId: 'arena-rating',
  },
  { header: 'Wins', cell: (r) => r.wins, align: 'right' },
  { header: 'Losses', cell: (r) => r.losses, align: 'right' },
  { header: 'Ties', cell: (r) => r.ties, align: 'right', headerTitle: 'both-bad counts as a tie' },
];

export function ArenaTab({ runs }: { runs: readonly Run[] }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const { options, defaults } = useModelOptions(runs);
  const { data: snapshots = [] } = useQuery(snapshotQueries.all(api));
  const { data: queues = [] } = useQuery(labelingQueries.queues(api));
  const [chosen, setChosen] = useState<string[] | null>(null);
  const keys = (chosen ?? defaults).filter((k) => options.some((o) => o.key === k));
  const [snapshotId, setSnapshotId] = useState<number | null>(null);
  const [split, setSplit] = useState<'test' | 'train'>('test');
  const [maxTokens, setMaxTokens] = useState(SIDE_BY_SIDE_SAMPLING.maxTokens);
  const [name, setName] = useState('');
  const [queueId, setQueueId] = useState<number | null>(null);
  const [datasetName, setDatasetName] = useState('');
  const [judgeModel, setJudgeModel] = useState<number | null>(null);
  const { data: registered = [] } = useQuery(modelQueries.list(api));

  const snapshot = snapshotId ?? runs[0]?.snapshotId ?? snapshots[0]?.id ?? null;
  const models = keys.map((k) => options.find((o) => o.key === k)!.ref);
  const sampling = { ...SIDE_BY_SIDE_SAMPLING, maxTokens };
  const arenas = queues.filter((q) => q.kind === 'arena');
  const shown = queueId ?? arenas[0]?.id ?? null;
  // Under ['labeling'], so a new label or queue anywhere refreshes it.
  const board = useQuery({
    queryKey: ['labeling', 'arena-leaderboard', shown],
    queryFn: () => api.call('arena.leaderboard', { queueId: shown! }),
    enabled: shown !== null,
  });

  const act = async (title: string, fn: () => Promise<string>) => {
    try {
      ui.toast({ kind: 'info', title, message: await fn() });
    } catch (err) {
      ui.toast({ kind: 'error', title: `${title}: failed`, message: err instanceof Error ? err.message : String(err) });
    }
  };
  const generate = () =>
    act('Generating answers', async () => {
      const jobs = await api.call('compare.generate', { columns: models, prompts: { snapshotId: snapshot!, split }, sampling });
      return `${jobs.length} evaluation job${jobs.length === 1 ? '' : 's'} queued (stored answers are reused). Make the arena once they end.`;
    });
  const create = () =>
    act('Arena made', async () => {
      const made = await api.call('arena.create', {
        name: name.trim() || `Arena: ${models.length} models`,
        models,
        snapshotId: snapshot!,
        split,
        sampling,
      });
      await queryClient.invalidateQueries({ queryKey: ['labeling'] });
      setQueueId(made.queueId);
      return `${made.pairs} blind pairs (${made.identical} left out: both answered alike).`;
    });
  const judge = () =>
    act('Judge', async () => {
      const r = await api.call('arena.judge', {
        queueId: shown!,
        judge: judgeModel === null ? { kind: 'rules' } : { kind: 'model', model: { modelId: judgeModel } },
      });
      await queryClient.invalidateQueries({ queryKey: ['labeling'] });
      if (r.jobs.length)
        return `${r.jobs.length} evaluation job${r.jobs.length === 1 ? '' : 's'} queued to judge the matchups in both orders: press again when they end.`;
      return `${r.voted} votes as ${r.annotator}; ${r.already} voted before; ${r.unjudged} it could not judge.`;
    });
  const build = () =>
    act('Building a dataset', async () => {
      const job = await api.call('labeling.startBuild', { queueId: shown!, datasetName: datasetName.trim() || 'From the arena' });
      return `Job #${job.id}: every decisive vote becomes a preference pair (see Datasets when it ends).`;
    });

  return (
    <section className={`${cardClass} space-y-4 p-4`} data-testid="compare-arena">
      <div className="space-y-2">
        <h2 className="text-sm font-semibold">Arena</h2>
        <p className="text-xs text-zinc-500">
          Pick two or more models and a prompt set; generate their answers (evaluation jobs, cached), then make a blind arena queue: the
          pairs of models take turns over the prompts and the sides are random. Label it in Labeling; the rule checker can vote as annotator
          judge:rules. Ratings are Bradley–Terry (400·s + 1000) with bootstrap 95% intervals over all votes.
        </p>
        <div className="flex flex-wrap gap-1.5">
          {options.map((o) => (
            <Toggle
              key={o.key}
              on={keys.includes(o.key)}
              onClick={() => setChosen(keys.includes(o.key) ? keys.filter((k) => k !== o.key) : [...keys, o.key])}
              testId={`arena-model-${o.key}`}
            >
              {o.label}
            </Toggle>
          ))}
        </div>
      </div>
      <div className="flex flex-wrap items-end gap-3">
        <SnapshotSplitFields snapshots={snapshots} snapshot={snapshot} onSnapshot={setSnapshotId} split={split} onSplit={setSplit} />
        <Field label="Max new tokens">
          <input
            className={`${inputClass} w-20`}
            type="number"
            min={1}
            max={4096}
            value={maxTokens}
            onChange={(e) => setMaxTokens(Math.max(1, Number(e.target.value) || 1))}
          />
        </Field>
        <Button disabled={models.length < 2 || snapshot === null} onClick={() => void generate()} data-testid="arena-generate">
          1. Generate answers
        </Button>
        <Field label="Queue name">
          <input
            className={inputClass}
            value={name}
            placeholder={`Arena: ${models.length} models`}
            onChange={(e) => setName(e.target.value)}
          />
        </Field>
        <Button
          variant="primary"
          disabled={models.length < 2 || snapshot === null}
          onClick={() => void create()}
          data-testid="arena-create"
        >
          2. Make arena queue
        </Button>
      </div>

      {arenas.length === 0 ? (
        <EmptyState testId="arena-none">No arena queue yet.</EmptyState>
      ) : (
        <div className="space-y-3">
          <div className="flex flex-wrap items-end gap-3">
            <Field label="Arena queue">
              <select
                className={inputClass}
                value={shown ?? ''}
                onChange={(e) => setQueueId(Number(e.target.value))}
                data-testid="arena-queue"
              >
                {arenas.map((q) => (
                  <option key={q.id} value={q.id}>
                    {q.name} ({q.done}/{q.total})
                  </option>
                ))}
              </select>
            </Field>
            <Button onClick={() => navigate(`/labeling/${shown}`)}>Label it</Button>
            <Field label="Judge">
              <select
                className={inputClass}
                value={judgeModel ?? ''}
                onChange={(e) => setJudgeModel(e.target.value === '' ? null : Number(e.target.value))}
              >
                <option value="">rules (judge:rules)</option>
                {registered.map((m) => (
                  <option key={m.id} value={m.id}>
                    model: {m.name}
                  </option>
                ))}
              </select>
            </Field>
            <Button onClick={() => void judge()} data-testid="arena-judge">
              Judge votes
            </Button>
            <Field label="New dataset">
              <input
                className={inputClass}
                value={datasetName}
                placeholder="From the arena"
                onChange={(e) => setDatasetName(e.target.value)}
              />
            </Field>
            <Button onClick={() => void build()} data-testid="arena-build">
              Build dataset from arena votes
            </Button>
          </div>
          {board.error && <p className="text-sm text-rose-600">{board.error.message}</p>}
          {board.data && (
            <>
              <p className="text-xs text-zinc-500" data-testid="arena-votes">
                {board.data.votes} votes
                {Object.keys(board.data.byAnnotator).length > 0 &&
                  ` (${Object.entries(board.data.byAnnotator)
                    .map(([who, n]) => `${who}: ${n}`)
                    .join(', ')})`}
              </p>
              <Table
                columns={LEADERBOARD_COLUMNS}
                rows={board.data.models.map((m, i) => ({ ...m, rank: i + 1 }))}
                rowKey={(r) => r.modelHash}
                testId="arena-leaderboard"
                rowTestId="arena-row"
                density="compact"
              />
            </>
          )}
        </div>
      )}
    </section>
  );
}
