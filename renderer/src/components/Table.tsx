import type { Key, KeyboardEvent, ReactNode } from 'react';
import { useRowNavigation } from '../lib/row-navigation';
import { EmptyState } from './EmptyState';

export interface Column<T> {
  header: ReactNode;
  /** The header cell's tooltip. */
  headerTitle?: string;
  headerClassName?: string;
  cell: (row: T) => ReactNode;
  align?: 'right';
  /** Classes of this column's cells (widths, truncation, tone). */
  className?: string;
  /** A cell's tooltip, from its row. */
  title?: (row: T) => string | undefined;
  testId?: string;
  /** Classes of one cell, from its row (e.g. marking the best value of a column). */
  cellClassName?: (row: T) => string;
  /** Data attributes of one cell, from its row, for tests and styling hooks. */
  cellData?: (row: T) => Record<`data-${string}`, string | boolean | undefined>;
}

const DENSITY = {
  /** A page's main table. */
  page: { table: 'text-sm', head: '', th: 'py-2 pr-3 last:pr-0', td: 'py-2 pr-3 last:pr-0' },
  /** A table inside a panel. */
  compact: { table: 'text-sm', head: '', th: 'py-1.5 pr-3 last:pr-0', td: 'py-1.5 pr-3 last:pr-0' },
  /** Small print in a framed, scrolling box with a sticky header (import previews and reports). */
  dense: { table: 'text-xs', head: 'sticky top-0 bg-zinc-50 dark:bg-zinc-900', th: 'px-2 py-1.5', td: 'px-2 py-1' },
} as const;

/**
 * The studio's one table: a header, the rows, and what to say when there are
 * none. With `onOpen`, rows are keyboard-focusable (`data-nav-row`): j/k or
 * ↑/↓ move between them (lib/row-navigation.ts), Enter or a click opens one,
 * and the first row takes the keyboard when the rows first appear.
 */
export function Table<T>({
  columns,
  rows,
  rowKey,
  testId,
  rowTestId,
  empty,
  loading = false,
  onOpen,
  rowClassName,
  density = 'page',
  frameClassName,
  hideHeader = false,
  rowData,
}: {
  columns: Column<T>[];
  rows: readonly T[];
  rowKey: (row: T, index: number) => Key;
  testId?: string;
  rowTestId?: string;
  /** Shown instead of the table when there are no rows; nothing when absent. */
  empty?: ReactNode;
  /** While the rows load, nothing is shown (no flash of the empty state). */
  loading?: boolean;
  onOpen?: (row: T) => void;
  rowClassName?: (row: T) => string;
  density?: keyof typeof DENSITY;
  /** For dense tables: the scrolling frame's height (e.g. max-h-72). */
  frameClassName?: string;
  hideHeader?: boolean;
  /** Data attributes of a row (`data-row`, `data-status`, …), for tests and styling hooks. */
  rowData?: (row: T) => Record<`data-${string}`, string | boolean | undefined>;
}) {
  const nav = useRowNavigation<HTMLTableSectionElement>(onOpen !== undefined && rows.length > 0);
  if (loading) return null;
  if (rows.length === 0) return empty === undefined ? null : <EmptyState>{empty}</EmptyState>;
  const style = DENSITY[density];
  const align = (c: Column<T>) => (c.align === 'right' ? 'text-right' : '');
  const table = (
    <table className={`w-full ${style.table}`} data-testid={testId}>
      {!hideHeader && (
        <thead className={`text-left text-zinc-500 uppercase ${density === 'dense' ? '' : 'text-xs'} ${style.head}`}>
          <tr>
            {columns.map((c, i) => (
              <th key={i} className={`${style.th} ${align(c)} ${c.headerClassName ?? ''}`} title={c.headerTitle}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
      )}
      <tbody
        ref={onOpen ? nav.ref : undefined}
        onKeyDown={onOpen ? nav.onKeyDown : undefined}
        className="divide-y divide-zinc-100 dark:divide-zinc-800"
      >
        {rows.map((row, index) => (
          <tr
            key={rowKey(row, index)}
            data-testid={rowTestId}
            {...rowData?.(row)}
            className={`${onOpen ? 'cursor-pointer hover:bg-zinc-100 focus:bg-indigo-50 focus:outline-none dark:hover:bg-zinc-900 dark:focus:bg-indigo-950' : ''} ${rowClassName?.(row) ?? ''}`}
            {...(onOpen
              ? {
                  tabIndex: 0,
                  'data-nav-row': true,
                  onClick: () => onOpen(row),
                  // Enter on a button inside the row is the button's, not the row's.
                  onKeyDown: (e: KeyboardEvent) => e.key === 'Enter' && e.target === e.currentTarget && onOpen(row),
                }
              : {})}
          >
            {columns.map((c, i) => (
              <td
                key={i}
                className={`${style.td} ${align(c)} ${c.className ?? ''} ${c.cellClassName?.(row) ?? ''}`}
                title={c.title?.(row)}
                data-testid={c.testId}
                {...c.cellData?.(row)}
              >
                {c.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
  return density === 'dense' ? (
    <div className={`overflow-auto rounded-lg border border-zinc-200 dark:border-zinc-800 ${frameClassName ?? ''}`}>{table}</div>
  ) : (
    table
  );
}
