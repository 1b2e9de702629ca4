import { useQuery } from '@tanstack/react-query';
import type { LabelQueue, LabelStats } from '../../../../shared/labeling';
import { useApi } from '../../api/context';
import { labelingQueries } from '../../api/queries';
import { Badge } from '../../components/Badge';
import { cardClass, Stat } from '../../components/Card';
import { Table, type Column } from '../../components/Table';
import { formatCount } from '../../lib/format';
import { ArenaPanel } from './ArenaPanel';
import { BuildPanel } from './BuildPanel';
import { ConflictsPanel } from './ConflictsPanel';
import { formatRate, formatShare, formatStat } from './stats-format';

type AnnotatorRow = LabelStats['annotators'][number];
type AgreementRow = LabelStats['agreement']['pairs'][number];

const ANNOTATOR_COLUMNS: Column<AnnotatorRow>[] = [
  { header: 'Annotator', className: 'font-medium', cell: (a) => a.name },
  { header: 'Labels', align: 'right', className: 'tabular-nums', testId: 'stats-labeled', cell: (a) => formatCount(a.labeled) },
  { header: 'Skipped', align: 'right', className: 'tabular-nums', cell: (a) => formatCount(a.skipped) },
  {
    header: 'Per hour',
    headerTitle: 'Current labels per hour of time on screen',
    align: 'right',
    className: 'tabular-nums',
    cell: (a) => formatRate(a.labelsPerHour),
  },
  {
    header: 'Picked left',
    headerTitle:
      'Position bias: the share of decisive labels (A or B better) that picked the response shown on the left, with its 95% Wilson interval. Flagged when the interval excludes 50% and n ≥ 30.',
    className: 'tabular-nums',
    testId: 'stats-bias',
    cell: (a) =>
      a.positionBias.share === null ? (
        <span className="text-zinc-500">— (no decisive label)</span>
      ) : (
        <span className="flex items-center gap-2">
          {formatShare(a.positionBias.share)}
          <span className="text-xs text-zinc-500">
            [{formatShare(a.positionBias.low)}, {formatShare(a.positionBias.high)}] n={a.positionBias.n}
          </span>
          {a.positionBias.flagged && (
            <Badge tone="amber" title="The 95% interval excludes 50%: this annotator favours one side">
              position bias
            </Badge>
          )}
        </span>
      ),
  },
  {
    header: 'Swap consistency',
    headerTitle:
      'Pairs served again later with the sides swapped: the share answered with the same label (in the pair’s own order). Low values mean the side, not the content, decided.',
    className: 'tabular-nums',
    testId: 'stats-swap',
    cell: (a) =>
      !a.swapConsistency || a.swapConsistency.n === 0 ? (
        <span className="text-zinc-500">— (no re-serve answered yet)</span>
      ) : (
        <span>
          {formatShare(a.swapConsistency.share)}{' '}
          <span className="text-xs text-zinc-500">
            {a.swapConsistency.same} of {a.swapConsistency.n}
          </span>
        </span>
      ),
  },
];

const AGREEMENT_COLUMNS: Column<AgreementRow>[] = [
  { header: 'Annotators', cell: (p) => `${p.first} · ${p.second}` },
  { header: 'Both labeled', align: 'right', className: 'tabular-nums', cell: (p) => formatCount(p.n) },
  { header: 'Agreement', align: 'right', className: 'tabular-nums', cell: (p) => formatShare(p.percent) },
  {
    header: 'Cohen’s kappa',
    headerTitle: 'Agreement beyond chance: 1 is perfect, 0 is what chance gives',
    align: 'right',
    className: 'tabular-nums',
    testId: 'stats-kappa',
    cell: (p) => formatStat(p.kappa),
  },
  { header: '', className: 'text-xs text-zinc-500', cell: (p) => p.reason ?? '' },
];

/** A queue's progress and agreement, from `labeling.stats`. */
export function StatsView({ queue }: { queue: LabelQueue }) {
  const api = useApi();
  const { data: stats, error } = useQuery({ ...labelingQueries.stats(api, queue.id), refetchInterval: 10_000 });
  if (error) return <p className="text-sm text-rose-600">{error.message}</p>;
  if (!stats) return null;
  const { agreement } = stats;
  return (
    <div className="max-w-5xl space-y-4" data-testid="queue-stats">
      <div className={`${cardClass} grid grid-cols-4 gap-4 p-4`}>
        <Stat label="Pairs done" value={`${formatCount(stats.progress.done)} / ${formatCount(stats.progress.total)}`} testId="stats-done" />
        <Stat label="Labels" value={formatCount(stats.progress.labels)} testId="stats-labels" />
        <Stat label="Annotators" value={stats.annotators.length} />
        <div title={agreement.alphaReason ?? `Krippendorff's α (nominal) over ${agreement.alphaUnits} pairs with two or more labels`}>
          <Stat label="Krippendorff’s alpha" value={formatStat(agreement.alpha)} testId="stats-alpha" />
          {agreement.alphaReason && <p className="text-xs text-zinc-500">{agreement.alphaReason}</p>}
        </div>
      </div>
      <section className="space-y-2">
        <h2 className="text-sm font-semibold">Annotators</h2>
        <Table
          columns={ANNOTATOR_COLUMNS}
          rows={stats.annotators}
          rowKey={(a) => a.annotatorId}
          density="compact"
          empty="No labels yet."
          testId="stats-annotators"
        />
      </section>
      <section className="space-y-2">
        <h2 className="text-sm font-semibold">Agreement per annotator pair</h2>
        <Table
          columns={AGREEMENT_COLUMNS}
          rows={agreement.pairs}
          rowKey={(p) => `${p.first}:${p.second}`}
          density="compact"
          empty="Agreement needs two annotators on the same pairs (overlap 2 or more)."
          testId="stats-agreement"
        />
      </section>
      {queue.kind === 'arena' && <ArenaPanel queue={queue} />}
      <ConflictsPanel queue={queue} />
      <BuildPanel queue={queue} />
    </div>
  );
}
