import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { EvalResult } from '../../../../shared/evals';
import {
  PAIR_CATEGORIES,
  PAIR_CATEGORY_LABELS,
  type DrilldownPair,
  type PairCategory,
  type PairSide,
} from '../../../../shared/pair-drilldown';
import type { Run } from '../../../../shared/runs';
import { useApi } from '../../api/context';
import { evalQueries } from '../../api/queries';
import { Badge } from '../../components/Badge';
import { Button, Toggle } from '../../components/Button';
import { cardClass } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { Field, inputClass } from '../../components/Field';
import { Table, type Column } from '../../components/Table';
import { navigate } from '../../lib/router';
import { ui } from '../../lib/ui-store';

/**
 * Per-pair drill-down (issue 15 item 7): two checkpoints' preference
 * accuracy on the same split, pair by pair — flipped either way, right in
 * both, never learned — each pair's texts and log-prob margins under each
 * checkpoint, and a selection sent to a relabel queue.
 */

interface ResultOption {
  result: EvalResult;
  label: string;
}

const PAGE = 50;
const fmt = (x: number | null) => (x === null ? '—' : x.toFixed(3));

function SideCell({ side }: { side: PairSide | null }) {
  if (!side) return <span className="text-zinc-400">—</span>;
  return (
    <span
      className={
        side.correct === null
          ? 'text-zinc-400'
          : side.correct
            ? 'text-emerald-700 dark:text-emerald-400'
            : 'text-rose-700 dark:text-rose-400'
      }
    >
      {side.correct === null ? 'not scored' : side.correct ? 'right' : 'wrong'} <span className="tabular-nums">{fmt(side.logpMargin)}</span>
    </span>
  );
}

function PairDetail({ pair, names }: { pair: DrilldownPair; names: { a: string; b: string; base: string | null } }) {
  const rows: [string, PairSide | null][] = [
    [names.a, pair.a],
    [names.b, pair.b],
    ...(names.base && pair.base ? ([[names.base, pair.base]] as [string, PairSide][]) : []),
  ];
  return (
    <div className="space-y-3 rounded-md border border-zinc-200 p-3 dark:border-zinc-800" data-testid="pair-detail">
      <p className="text-sm whitespace-pre-wrap">
        <span className="font-medium">Prompt: </span>
        {pair.prompt}
      </p>
      <div className="grid grid-cols-2 gap-3 text-sm">
        <div>
          <div className="text-xs font-medium text-emerald-700 uppercase dark:text-emerald-400">Chosen</div>
          <p className="whitespace-pre-wrap" data-testid="pair-chosen">
            {pair.chosen}
          </p>
        </div>
        <div>
          <div className="text-xs font-medium text-rose-700 uppercase dark:text-rose-400">Rejected</div>
          <p className="whitespace-pre-wrap">{pair.rejected}</p>
        </div>
      </div>
      <Table
        density="compact"
        columns={[
          { header: 'Model', cell: (r) => r[0] },
          { header: 'log π(chosen)', cell: (r) => fmt(r[1]?.chosenLogp ?? null), align: 'right' },
          { header: 'log π(rejected)', cell: (r) => fmt(r[1]?.rejectedLogp ?? null), align: 'right' },
          { header: 'margin', cell: (r) => fmt(r[1]?.logpMargin ?? null), align: 'right', testId: 'pair-margin' },
          { header: 'per-token margin', cell: (r) => fmt(r[1]?.logpPerTokenMargin ?? null), align: 'right' },
        ]}
        rows={rows}
        rowKey={(r) => r[0]}
      />
    </div>
  );
}

export function PairsTab({ runs }: { runs: readonly Run[] }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const evals = useQueries({ queries: runs.map((r) => evalQueries.ofRun(api, r.id)) });

  const options = useMemo<ResultOption[]>(() => {
    const out: ResultOption[] = [];
    runs.forEach((run, i) => {
      for (const point of [...(evals[i]?.data ?? [])].sort((x, y) => x.step - y.step))
        for (const result of point.results)
          if (result.kind === 'preference') out.push({ result, label: `#${run.id} ${run.name} — step ${point.step} (${result.label})` });
    });
    return out;
  }, [runs, evals]);

  const [picked, setPicked] = useState<{ a: number | null; b: number | null }>({ a: null, b: null });
  // By default: the first run's first evaluated step against the last run's last one.
  const a = options.find((o) => o.result.id === picked.a) ?? options[0];
  const b = options.find((o) => o.result.id === picked.b) ?? options.filter((o) => o.result.dataHash === a?.result.dataHash).at(-1);
  // The base: A's run at step 0 on the same data, when it was evaluated.
  const base = a
    ? options.find((o) => o.result.runId === a.result.runId && o.result.runStep === 0 && o.result.dataHash === a.result.dataHash)
    : undefined;
  const baseId = base && base.result.id !== a?.result.id && base.result.id !== b?.result.id ? base.result.id : undefined;

  const [category, setCategory] = useState<PairCategory | null>(null);
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<Map<string, DrilldownPair>>(new Map());
  const [open, setOpen] = useState<string | null>(null);

  const drill = useQuery({
    queryKey: ['drilldown', a?.result.id, b?.result.id, baseId, category, offset],
    queryFn: () =>
      api.call('compare.pairs', {
        a: a!.result.id,
        b: b!.result.id,
        ...(baseId !== undefined ? { base: baseId } : {}),
        ...(category ? { category } : {}),
        offset,
        limit: PAGE,
      }),
    enabled: a !== undefined && b !== undefined,
    // Stored results never change.
    staleTime: Infinity,
  });

  const sendToRelabel = async () => {
    const data = drill.data;
    if (!data) return;
    const recordIds = [...new Set([...selected.values()].flatMap((p) => (p.recordId === null ? [] : [p.recordId])))];
    try {
      const queue = await api.call('labeling.createQueue', {
        name: `Relabel: ${selected.size} pair${selected.size === 1 ? '' : 's'} from ${a!.label.split(' (')[0]} vs ${b!.label.split(' (')[0]}`.slice(
          0,
          200,
        ),
        kind: 'relabel',
        snapshotId: data.snapshotId,
        recordIds,
      });
      void queryClient.invalidateQueries({ queryKey: ['labeling', 'queues'] });
      setSelected(new Map());
      ui.toast({ kind: 'info', title: 'Relabel queue made', message: `“${queue.name}” holds ${queue.total} pairs.` });
      navigate(`/labeling/${queue.id}`);
    } catch (err) {
      ui.toast({ kind: 'error', title: 'Cannot make the queue', message: err instanceof Error ? err.message : String(err) });
    }
  };

  const names = { a: `A: ${a?.label ?? ''}`, b: `B: ${b?.label ?? ''}`, base: baseId !== undefined ? `base: ${base!.label}` : null };
  const toggle = (p: DrilldownPair) =>
    setSelected((s) => {
      const next = new Map(s);
      if (next.has(p.itemId)) next.delete(p.itemId);
      else next.set(p.itemId, p);
      return next;
    });
  const columns: Column<DrilldownPair>[] = [
    {
      header: '',
      cell: (p) => (
        <input
          type="checkbox"
          aria-label={`select ${p.itemId}`}
          checked={selected.has(p.itemId)}
          disabled={p.recordId === null}
          onClick={(e) => e.stopPropagation()}
          onChange={() => toggle(p)}
          data-testid="pair-select"
        />
      ),
    },
    { header: 'Pair', cell: (p) => p.itemId, className: 'tabular-nums' },
    { header: 'Prompt', cell: (p) => p.prompt, className: 'max-w-80 truncate', title: (p) => p.prompt },
    { header: 'A', cell: (p) => <SideCell side={p.a} />, headerTitle: 'right or wrong under A, and log π(chosen) − log π(rejected)' },
    { header: 'B', cell: (p) => <SideCell side={p.b} />, headerTitle: 'right or wrong under B, and the margin' },
    ...(baseId !== undefined ? [{ header: 'Base', cell: (p: DrilldownPair) => <SideCell side={p.base} /> }] : []),
    {
      header: 'Category',
      cell: (p) => <Badge tone={p.category.includes('to') ? 'amber' : 'zinc'}>{PAIR_CATEGORY_LABELS[p.category]}</Badge>,
      testId: 'pair-category',
    },
  ];

  if (options.length === 0)
    return (
      <section className={`${cardClass} p-4`} data-testid="compare-pairs">
        <EmptyState testId="pairs-none">
          None of the picked runs has a preference evaluation yet: give a run an evaluation suite (the demo has one), or evaluate its
          checkpoints on the Evaluate page.
        </EmptyState>
      </section>
    );

  const picker = (label: string, value: ResultOption | undefined, key: 'a' | 'b') => (
    <Field label={label}>
      <select
        className={inputClass}
        value={value?.result.id ?? ''}
        onChange={(e) => {
          setPicked({ ...picked, [key]: Number(e.target.value) });
          setOffset(0);
          setSelected(new Map());
        }}
        data-testid={`pairs-${key}`}
      >
        {options
          .filter((o) => key === 'a' || o.result.dataHash === a?.result.dataHash)
          .map((o) => (
            <option key={o.result.id} value={o.result.id}>
              {o.label}
            </option>
          ))}
      </select>
    </Field>
  );
  const data = drill.data;
  return (
    <section className={`${cardClass} space-y-4 p-4`} data-testid="compare-pairs">
      <div className="space-y-1">
        <h2 className="text-sm font-semibold">Per-pair drill-down</h2>
        <p className="text-xs text-zinc-500">
          A pair is right for a checkpoint when log π(chosen) &gt; log π(rejected). Flipped: right under one checkpoint and wrong under the
          other; never learned: wrong under both and under the base. Click a pair to see both responses and the margins.
        </p>
      </div>
      <div className="flex flex-wrap items-end gap-3">
        {picker('Checkpoint A', a, 'a')}
        {picker('Checkpoint B', b, 'b')}
        {names.base && <span className="text-xs text-zinc-500">{names.base}</span>}
      </div>
      {drill.error && <p className="text-sm text-rose-600">{drill.error.message}</p>}
      {data && (
        <>
          <div className="flex flex-wrap gap-1.5" data-testid="pairs-categories">
            <Toggle on={category === null} onClick={() => (setCategory(null), setOffset(0))} testId="pairs-cat-all">
              all ({Object.values(data.counts).reduce((s, n) => s + n, 0)})
            </Toggle>
            {PAIR_CATEGORIES.filter((c) => data.counts[c] > 0 || c !== 'missing').map((c) => (
              <Toggle key={c} on={category === c} onClick={() => (setCategory(c), setOffset(0))} testId={`pairs-cat-${c}`}>
                {PAIR_CATEGORY_LABELS[c]} ({data.counts[c]})
              </Toggle>
            ))}
          </div>
          <div className="flex items-center gap-3">
            <Button variant="primary" disabled={selected.size === 0} onClick={() => void sendToRelabel()} data-testid="pairs-relabel">
              Send {selected.size || ''} to relabel queue
            </Button>
            <span className="text-xs text-zinc-500">
              {data.total === 0 ? 'no pairs' : `${offset + 1}–${Math.min(offset + PAGE, data.total)} of ${data.total}`}
            </span>
            <Button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              Previous
            </Button>
            <Button disabled={offset + PAGE >= data.total} onClick={() => setOffset(offset + PAGE)}>
              Next
            </Button>
          </div>
          <Table
            columns={columns}
            rows={data.pairs}
            rowKey={(p) => p.itemId}
            rowTestId="pair-row"
            testId="pairs-table"
            density="compact"
            onOpen={(p) => setOpen(open === p.itemId ? null : p.itemId)}
            empty="No pair in this category."
          />
          {open && data.pairs.find((p) => p.itemId === open) && (
            <PairDetail pair={data.pairs.find((p) => p.itemId === open)!} names={names} />
          )}
        </>
      )}
    </section>
  );
}
