import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { EvalItemResult } from '../../../../shared/evals';
import { useApi } from '../../api/context';
import { evalQueries } from '../../api/queries';
import { Badge } from '../../components/Badge';
import { BackLink, Button } from '../../components/Button';
import { cardClass, Detail } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { Table, type Column } from '../../components/Table';
import { formatDetail, formatMetricCell, metricColumns } from '../../../../shared/eval-columns';

const PAGE = 50;

/** Right, wrong, or neither (a document's perplexity, an item that could not be scored). */
function Verdict({ correct }: { correct: boolean | null }) {
  if (correct === null) return <Badge tone="muted">—</Badge>;
  return correct ? <Badge tone="emerald">right</Badge> : <Badge tone="rose">wrong</Badge>;
}

/**
 * One evaluation result item by item (issue 14: which pairs a model ranks
 * right or wrong, which questions it answers, each document's likelihood),
 * a page at a time through `evals.get`.
 */
export function EvalResultPage({ id }: { id: number }) {
  const api = useApi();
  const [offset, setOffset] = useState(0);
  const { data, error, isFetching } = useQuery(evalQueries.result(api, id, offset, PAGE));
  const detailKeys = useMemo(() => {
    const keys = new Set<string>();
    for (const item of data?.items ?? []) for (const key of Object.keys(item.detail)) keys.add(key);
    return [...keys];
  }, [data]);

  if (error) return <p className="text-sm text-rose-600">{error.message}</p>;
  if (!data) return <EmptyState>Loading the result…</EmptyState>;
  const { result, items, total } = data;
  const metrics = metricColumns([[{ kind: result.kind, label: result.label, metrics: result.metrics }]], true);
  const columns: Column<EvalItemResult>[] = [
    { header: '#', cell: (i) => i.seq + 1, align: 'right', className: 'tabular-nums text-zinc-500' },
    { header: 'Item', cell: (i) => i.itemId, className: 'font-mono text-xs whitespace-nowrap', testId: 'eval-item-id' },
    { header: 'Result', cell: (i) => <Verdict correct={i.correct} />, testId: 'eval-item-verdict' },
    ...detailKeys.map<Column<EvalItemResult>>((key) => ({
      header: key,
      cell: (i) => formatDetail(i.detail[key]),
      title: (i) => formatDetail(i.detail[key]),
      className: 'max-w-72 truncate tabular-nums',
    })),
  ];

  return (
    <div className="max-w-7xl space-y-5" data-testid="eval-result-page">
      <div>
        <BackLink to="/evaluate">Evaluate</BackLink>
        <h1 className="mt-1 text-xl font-semibold">
          {result.modelName} · {result.label}
        </h1>
        <p className="mt-1 text-sm text-zinc-500">
          {result.kind} · result #{result.id}
          {result.runId !== null && (
            <>
              {' · '}
              <a className="hover:underline" href={`#/runs/${result.runId}`}>
                run #{result.runId}, step {result.runStep}
              </a>
            </>
          )}
        </p>
      </div>
      <section className={`${cardClass} space-y-3 p-4`}>
        <dl className="grid grid-cols-2 gap-3 md:grid-cols-4" data-testid="eval-result-metrics">
          {metrics.map((c) => (
            <Detail key={c.metric} label={c.metric} className="tabular-nums">
              {formatMetricCell(result.metrics, c.metric)}
            </Detail>
          ))}
          <Detail label="Scored / invalid" className="tabular-nums">
            {result.summary.scored} / {result.summary.invalid}
          </Detail>
        </dl>
        {result.summary.problems.length > 0 && (
          <ul className="list-disc pl-5 text-sm text-amber-700 dark:text-amber-300" data-testid="eval-result-problems">
            {result.summary.problems.map((p, i) => (
              <li key={i}>
                {p.line !== undefined ? `line ${p.line}: ` : ''}
                {p.reason}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className={`${cardClass} space-y-3 p-4`}>
        <div className="flex items-center justify-between gap-3 text-sm">
          <span className="text-zinc-500 tabular-nums" data-testid="eval-items-range">
            {total === 0 ? 'No items' : `Items ${offset + 1}–${Math.min(offset + PAGE, total)} of ${total}`}
            {isFetching ? ' …' : ''}
          </span>
          <span className="flex gap-2">
            <Button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))} data-testid="eval-items-prev">
              Previous
            </Button>
            <Button disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)} data-testid="eval-items-next">
              Next
            </Button>
          </span>
        </div>
        <div className="overflow-x-auto">
          <Table
            columns={columns}
            rows={items}
            rowKey={(i) => i.seq}
            density="compact"
            testId="eval-items"
            rowTestId="eval-item"
            empty="This result has no per-item rows."
          />
        </div>
      </section>
    </div>
  );
}
