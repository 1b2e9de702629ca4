import { useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { RecordFilter, RecordSummary } from '../../../../shared/datasets';
import { FLAG_LABELS } from '../../../../shared/datasets';
import { useApi } from '../../api/context';
import { recordQueries, type RecordSort } from '../../api/queries';
import { focusOnArrival } from '../../lib/row-navigation';
import { shortcutSequencePending } from '../../lib/shortcuts';
import { PAGE_SIZE, useRecordPages } from './useRecordPages';
import { Badge } from '../../components/Badge';
import { EmptyState } from '../../components/EmptyState';
import { formatCount } from '../../lib/format';

const ROW_HEIGHT = 36;
const GRID =
  'grid grid-cols-[2rem_4.5rem_minmax(0,2fr)_minmax(0,1.5fr)_minmax(0,1.5fr)_3.5rem_minmax(0,9rem)_6rem] items-center gap-2 px-2';
/** Beside an open record there is room for the prompt only; the panel shows the rest. */
const COMPACT_GRID = 'grid grid-cols-[2rem_3.5rem_minmax(0,1fr)_3.5rem_5.5rem] items-center gap-2 px-2';

export interface Selection {
  ids: Set<number>;
  /** Every record matching the current filter, not only the ticked ones. */
  allMatching: boolean;
}

function Row({ row, index, compact }: { row: RecordSummary | undefined; index: number; compact: boolean }) {
  if (!row) {
    return (
      <>
        <span />
        <span className="text-xs text-zinc-400 tabular-nums">{index + 1}</span>
        <span className={`${compact ? 'col-span-3' : 'col-span-6'} h-3 w-2/3 animate-pulse rounded bg-zinc-100 dark:bg-zinc-800`} />
      </>
    );
  }
  return (
    <>
      <span className="text-xs text-zinc-500 tabular-nums" data-testid="record-id">
        {row.id}
      </span>
      <span className="truncate" title={row.prompt} data-testid="record-prompt">
        {row.prompt}
      </span>
      {!compact && (
        <>
          <span className="truncate text-emerald-800 dark:text-emerald-300" title={row.chosen}>
            {row.chosen}
          </span>
          <span className="truncate text-rose-800 dark:text-rose-300" title={row.rejected}>
            {row.rejected}
          </span>
        </>
      )}
      <span className="text-xs" data-testid="record-split">
        {row.split ?? '—'}
      </span>
      {!compact && (
        <span className="flex gap-1 overflow-hidden" data-testid="record-tags">
          {row.tags.map((t) => (
            <Badge key={t} tone="indigo">
              {t}
            </Badge>
          ))}
        </span>
      )}
      <span className="flex gap-1 overflow-hidden" data-testid="record-flags">
        {row.flags.map((f) => (
          <span key={f} title={FLAG_LABELS[f]}>
            <Badge tone="amber">{f}</Badge>
          </span>
        ))}
      </span>
    </>
  );
}

/**
 * The records of a filtered view in a virtualized grid: only the rows on
 * screen are in the DOM and only their pages are fetched, so 100k+ records
 * scroll as smoothly as 100. Rows are focusable: ↑/↓ (or j/k) move, Enter
 * opens, Space ticks.
 */
export function RecordsTable({
  datasetId,
  filter,
  sort,
  selection,
  onToggle,
  onOpen,
  openId,
}: {
  datasetId: number;
  filter: RecordFilter;
  sort: RecordSort;
  selection: Selection;
  onToggle: (id: number) => void;
  onOpen: (id: number) => void;
  openId: number | null;
}) {
  const compact = openId !== null;
  const grid = compact ? COMPACT_GRID : GRID;
  const api = useApi();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [focusIndex, setFocusIndex] = useState(0);
  const head = useQuery(recordQueries.page(api, datasetId, filter, sort, 0, PAGE_SIZE));
  const total = head.data?.total ?? 0;
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const { rowAt } = useRecordPages(
    datasetId,
    filter,
    sort,
    { total: head.data?.total ?? null, totalCapped: head.data?.totalCapped ?? false },
    items[0]?.index ?? 0,
    items.at(-1)?.index ?? 0,
  );

  const filterKey = JSON.stringify([filter, sort]);
  useEffect(() => {
    virtualizer.scrollToOffset(0);
    setFocusIndex(0);
    // Only a new view (filter or sort) resets the scroll position.
  }, [filterKey, virtualizer]);

  // On arrival the first row takes the keyboard, so j/k and Enter work without a Tab first.
  const arrived = useRef(false);
  const firstRowShown = items.length > 0;
  useEffect(() => {
    if (arrived.current || !firstRowShown) return;
    arrived.current = true;
    focusOnArrival(scrollRef.current?.querySelector<HTMLElement>('[data-index="0"]'));
  }, [firstRowShown]);

  const focusRow = (index: number) => {
    const next = Math.max(0, Math.min(total - 1, index));
    setFocusIndex(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
    const rowElement = () => scrollRef.current?.querySelector<HTMLElement>(`[data-index="${next}"]`);
    // A row already rendered takes focus at once (so fast typing never lands on the old row); one scrolled in, after it renders.
    const present = rowElement();
    if (present) present.focus();
    else requestAnimationFrame(() => rowElement()?.focus());
  };
  const onKeyDown = (e: KeyboardEvent, index: number, row: RecordSummary | undefined) => {
    if (shortcutSequencePending()) return; // "g j" goes to Jobs
    const moves: Record<string, number> = { ArrowDown: 1, j: 1, ArrowUp: -1, k: -1, PageDown: 15, PageUp: -15 };
    if (e.key in moves) focusRow(index + moves[e.key]!);
    else if (e.key === 'Home') focusRow(0);
    else if (e.key === 'End') focusRow(total - 1);
    else if (e.key === 'Enter' && row) onOpen(row.id);
    else if ((e.key === ' ' || e.key === 'x') && row) onToggle(row.id);
    else return;
    e.preventDefault();
  };

  return (
    <div
      className="flex min-h-0 min-w-0 flex-1 flex-col overflow-hidden rounded-lg border border-zinc-200 bg-white text-sm dark:border-zinc-800 dark:bg-zinc-900"
      role="table"
      aria-label="Records"
      aria-rowcount={total}
    >
      <div
        role="row"
        className={`${grid} h-8 shrink-0 border-b border-zinc-200 bg-zinc-50 text-left text-xs font-medium text-zinc-500 uppercase dark:border-zinc-800 dark:bg-zinc-900`}
      >
        <span />
        <span role="columnheader">id</span>
        <span role="columnheader">Prompt</span>
        {!compact && <span role="columnheader">Chosen</span>}
        {!compact && <span role="columnheader">Rejected</span>}
        <span role="columnheader">Split</span>
        {!compact && <span role="columnheader">Tags</span>}
        <span role="columnheader">Flags</span>
      </div>
      <div ref={scrollRef} className="min-h-0 flex-1 overflow-auto" data-testid="records-table">
        {head.isLoading ? (
          <div className="p-3">
            <EmptyState>Loading records…</EmptyState>
          </div>
        ) : total === 0 ? (
          <div className="p-3">
            <EmptyState testId="records-empty">No records match.</EmptyState>
          </div>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((item) => {
              const row = rowAt(item.index);
              const checked = !!row && (selection.allMatching || selection.ids.has(row.id));
              const open = !!row && row.id === openId;
              return (
                <div
                  key={item.key}
                  role="row"
                  data-index={item.index}
                  data-testid="record-row"
                  data-record-id={row?.id}
                  aria-selected={checked}
                  tabIndex={item.index === focusIndex ? 0 : -1}
                  onFocus={() => setFocusIndex(item.index)}
                  onKeyDown={(e) => onKeyDown(e, item.index, row)}
                  onClick={() => row && onOpen(row.id)}
                  className={`${grid} absolute inset-x-0 top-0 cursor-pointer border-b border-zinc-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-inset dark:border-zinc-800 ${
                    open
                      ? 'bg-indigo-50 dark:bg-indigo-950'
                      : checked
                        ? 'bg-zinc-50 dark:bg-zinc-800/60'
                        : 'hover:bg-zinc-50 dark:hover:bg-zinc-800/40'
                  }`}
                  style={{ height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                >
                  {row ? (
                    <input
                      type="checkbox"
                      aria-label={`Select record ${row.id}`}
                      checked={checked}
                      disabled={selection.allMatching}
                      tabIndex={-1}
                      onClick={(e) => e.stopPropagation()}
                      onChange={() => onToggle(row.id)}
                      data-testid="record-check"
                    />
                  ) : null}
                  <Row row={row} index={item.index} compact={compact} />
                </div>
              );
            })}
          </div>
        )}
      </div>
      <div className="shrink-0 border-t border-zinc-200 px-3 py-1 text-xs text-zinc-500 dark:border-zinc-800" data-testid="records-total">
        {head.isLoading
          ? 'Counting…'
          : head.data?.totalCapped
            ? `More than ${formatCount(total)} matches — showing the first ${formatCount(total)}; narrow the search to see the rest`
            : `${formatCount(total)} ${total === 1 ? 'record' : 'records'}`}
      </div>
    </div>
  );
}
