import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import { higherIsBetter, type RunEvalSummary } from '../../../../shared/compare';
import type { Run } from '../../../../shared/runs';
import { settingAt, settingLabel } from '../../../../shared/run-settings';
import { Badge, RunStatusBadge } from '../../components/Badge';
import { Button, Toggle } from '../../components/Button';
import { EmptyState } from '../../components/EmptyState';
import { Field, inputClass } from '../../components/Field';
import { runColor } from '../../../../shared/run-color';
import { allKeys, differingKeys, formatSetting, type SettingValue } from '../../../../shared/compare-settings';
import { groupBy } from '../../lib/compare-group';
import { formatMetric } from '../runs/run-format';

/**
 * The Compare page's runs table: every run, filtered by text and objective,
 * sorted by any column, grouped by any setting, showing only the settings
 * that differ among the listed runs (or all of them), and each run's final
 * and best held-out numbers. Rows are virtualized, so hundreds of runs stay
 * as quick as ten; a click (or Space) picks a run for the charts.
 */

export interface RunRow {
  run: Run;
  settings: Record<string, SettingValue>;
  evals: RunEvalSummary['metrics'];
}

type Sort = { key: string; descending: boolean };

const ROW_HEIGHT = 36;

/** "β", "Learning rate": a setting's label where the run form describes it, else its key. */
export function settingName(key: string, objective = 'mmpo'): string {
  const described = settingAt(key, objective as Parameters<typeof settingAt>[1]);
  return described ? settingLabel(described) : key;
}

function sortValue(row: RunRow, key: string): SettingValue | undefined {
  if (key === '#') return row.run.id;
  if (key === 'name') return row.run.name;
  if (key === 'status') return row.run.status;
  if (key.startsWith('eval/')) return row.evals[key]?.best;
  return row.settings[key];
}

function compareValues(a: SettingValue | undefined, b: SettingValue | undefined): number {
  // Missing values sort last either way.
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : 1;
  if (b === undefined || b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

type Line = { kind: 'group'; key: string; count: number; ids: number[] } | { kind: 'run'; row: RunRow };

export function CompareRunsTable({
  rows,
  selected,
  onSelect,
  group,
  onGroup,
}: {
  rows: readonly RunRow[];
  selected: readonly number[];
  onSelect: (ids: number[]) => void;
  group: string | null;
  onGroup: (key: string | null) => void;
}) {
  const [text, setText] = useState('');
  const [objective, setObjective] = useState('');
  const [showAll, setShowAll] = useState(false);
  const [sort, setSort] = useState<Sort>({ key: '#', descending: true });
  const chosen = useMemo(() => new Set(selected), [selected]);

  const objectives = useMemo(() => [...new Set(rows.map((r) => String(r.settings['objective'])))].sort(), [rows]);
  const listed = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return rows.filter(
      (r) =>
        (!objective || r.settings['objective'] === objective) &&
        (!needle || `#${r.run.id} ${r.run.name} ${Object.values(r.settings).map(formatSetting).join(' ')}`.toLowerCase().includes(needle)),
    );
  }, [rows, text, objective]);
  const settingKeys = useMemo(() => {
    const all = allKeys(listed.map((r) => r.settings));
    return showAll ? all : differingKeys(listed.map((r) => r.settings));
  }, [listed, showAll]);
  const evalKeys = useMemo(() => [...new Set(listed.flatMap((r) => Object.keys(r.evals)))].sort(), [listed]);
  const groupKeys = useMemo(() => allKeys(rows.map((r) => r.settings)), [rows]);

  const lines = useMemo<Line[]>(() => {
    const sorted = [...listed].sort((a, b) => {
      const order = compareValues(sortValue(a, sort.key), sortValue(b, sort.key));
      return (sort.descending ? -order : order) || b.run.id - a.run.id;
    });
    if (group === null) return sorted.map((row) => ({ kind: 'run', row }));
    return groupBy(sorted, (r) => formatSetting(r.settings[group])).flatMap<Line>((g) => [
      { kind: 'group', key: g.key, count: g.rows.length, ids: g.rows.map((r) => r.run.id) },
      ...g.rows.map((row) => ({ kind: 'run' as const, row })),
    ]);
  }, [listed, sort, group]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: lines.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });

  const toggle = (id: number) => onSelect(chosen.has(id) ? selected.filter((s) => s !== id) : [...selected, id]);
  const columns = [
    '2rem',
    'minmax(16rem, 2fr)',
    '7rem',
    ...settingKeys.map(() => 'minmax(7rem, 1fr)'),
    ...evalKeys.map(() => 'minmax(9rem, 1fr)'),
  ];
  const grid = { display: 'grid', gridTemplateColumns: columns.join(' '), alignItems: 'center', columnGap: '0.75rem' };
  const minWidth = `${24 + 7 + settingKeys.length * 7.75 + evalKeys.length * 9.75 + 4}rem`;

  const header = (key: string, label: string, title?: string, testId?: string) => (
    <button
      type="button"
      role="columnheader"
      className="truncate text-left hover:text-zinc-800 dark:hover:text-zinc-200"
      title={title ? `${title} — click to sort` : 'Click to sort'}
      data-testid={testId}
      aria-sort={sort.key === key ? (sort.descending ? 'descending' : 'ascending') : 'none'}
      onClick={() => setSort((s) => ({ key, descending: s.key === key ? !s.descending : key.startsWith('eval/') && higherIsBetter(key) }))}
    >
      {label}
      {sort.key === key ? (sort.descending ? ' ↓' : ' ↑') : ''}
    </button>
  );

  return (
    <section className="space-y-2" data-testid="compare-runs">
      <div className="flex flex-wrap items-end gap-3">
        <Field label="Filter">
          <input
            className={inputClass}
            value={text}
            placeholder="name, id or any setting"
            onChange={(e) => setText(e.target.value)}
            data-testid="compare-filter"
          />
        </Field>
        <Field label="Objective">
          <select className={inputClass} value={objective} onChange={(e) => setObjective(e.target.value)} data-testid="compare-objective">
            <option value="">any</option>
            {objectives.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Group by" hint="Groups the table, and draws each group's runs as one mean line with a min/max band">
          <select className={inputClass} value={group ?? ''} onChange={(e) => onGroup(e.target.value || null)} data-testid="compare-group">
            <option value="">no grouping</option>
            {groupKeys.map((k) => (
              <option key={k} value={k}>
                {settingName(k)}
              </option>
            ))}
          </select>
        </Field>
        <Toggle
          on={showAll}
          onClick={() => setShowAll((v) => !v)}
          testId="compare-show-all"
          title="Settings the listed runs share are hidden"
        >
          Show all settings
        </Toggle>
        <span className="ml-auto flex items-center gap-2 text-xs text-zinc-500">
          <span data-testid="compare-selected-count">
            {selected.length} of {rows.length} picked
          </span>
          <Button
            variant="ghost"
            className="!px-2 !py-0.5 text-xs"
            onClick={() => onSelect([...new Set([...selected, ...listed.map((r) => r.run.id)])])}
            data-testid="compare-select-listed"
          >
            Pick all listed
          </Button>
          <Button variant="ghost" className="!px-2 !py-0.5 text-xs" onClick={() => onSelect([])} disabled={selected.length === 0}>
            Clear
          </Button>
        </span>
      </div>
      <div
        className="overflow-hidden rounded-lg border border-zinc-200 bg-white text-sm dark:border-zinc-800 dark:bg-zinc-900"
        role="table"
        aria-label="Runs to compare"
        aria-rowcount={lines.length}
      >
        <div ref={scrollRef} className="max-h-96 overflow-auto" data-testid="compare-runs-table">
          <div style={{ minWidth }}>
            <div
              role="row"
              style={grid}
              className="sticky top-0 z-10 h-8 border-b border-zinc-200 bg-zinc-50 px-2 text-xs font-medium text-zinc-500 dark:border-zinc-800 dark:bg-zinc-900"
            >
              <span />
              {header('#', 'Run')}
              {header('status', 'Status')}
              {settingKeys.map((k) => header(k, settingName(k), k, `setting-${k}`))}
              {evalKeys.map((k) =>
                header(k, k, `${k}: final / best (${higherIsBetter(k) ? 'highest' : 'lowest'}); sorts by best`, `eval-${k}`),
              )}
            </div>
            {lines.length === 0 ? (
              <div className="p-3">
                <EmptyState testId="compare-runs-empty">
                  {rows.length ? 'No run matches the filter.' : 'No runs yet: train one first.'}
                </EmptyState>
              </div>
            ) : (
              <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
                {virtualizer.getVirtualItems().map((item) => {
                  const line = lines[item.index]!;
                  const place = { height: ROW_HEIGHT, transform: `translateY(${item.start}px)` };
                  if (line.kind === 'group') {
                    const all = line.ids.every((id) => chosen.has(id));
                    return (
                      <div
                        key={`g:${line.key}`}
                        role="row"
                        data-testid="compare-group-row"
                        className="absolute inset-x-0 top-0 flex items-center gap-3 border-b border-zinc-200 bg-zinc-50 px-2 text-xs font-medium text-zinc-600 dark:border-zinc-800 dark:bg-zinc-800/60 dark:text-zinc-300"
                        style={place}
                      >
                        <input
                          type="checkbox"
                          aria-label={`Pick the group ${line.key}`}
                          checked={all}
                          onChange={() =>
                            onSelect(all ? selected.filter((id) => !line.ids.includes(id)) : [...new Set([...selected, ...line.ids])])
                          }
                        />
                        <span>
                          {settingName(group ?? '')} = {line.key} · {line.count} run{line.count === 1 ? '' : 's'}
                        </span>
                      </div>
                    );
                  }
                  const { run, settings, evals } = line.row;
                  const picked = chosen.has(run.id);
                  return (
                    <div
                      key={run.id}
                      role="row"
                      tabIndex={0}
                      aria-selected={picked}
                      data-testid="compare-run-row"
                      data-run-id={run.id}
                      onClick={() => toggle(run.id)}
                      onKeyDown={(e) => {
                        if (e.key === ' ' || e.key === 'Enter') {
                          e.preventDefault();
                          toggle(run.id);
                        }
                      }}
                      className={`absolute inset-x-0 top-0 cursor-pointer border-b border-zinc-100 px-2 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-inset dark:border-zinc-800 ${
                        picked ? 'bg-indigo-50/60 dark:bg-indigo-950/40' : 'hover:bg-zinc-50 dark:hover:bg-zinc-800/40'
                      }`}
                      style={{ ...grid, ...place }}
                    >
                      <input
                        type="checkbox"
                        aria-label={`Pick run ${run.id}`}
                        checked={picked}
                        tabIndex={-1}
                        onClick={(e) => e.stopPropagation()}
                        onChange={() => toggle(run.id)}
                        data-testid="compare-run-check"
                      />
                      <span role="cell" className="flex min-w-0 items-center gap-2">
                        <span
                          className="inline-block h-2.5 w-2.5 shrink-0 rounded-full"
                          style={{ background: runColor(run.id) }}
                          data-testid="run-color"
                          data-color={runColor(run.id)}
                        />
                        <span className="truncate font-medium" title={run.name}>
                          #{run.id} {run.name}
                        </span>
                        {run.imported && (
                          <Badge
                            tone="sky"
                            testId="run-imported"
                            title={`Trained elsewhere with TRL; imported from ${run.imported.sourceDir}`}
                          >
                            TRL
                          </Badge>
                        )}
                      </span>
                      <span role="cell">
                        <RunStatusBadge status={run.status} />
                      </span>
                      {settingKeys.map((k) => (
                        <span
                          key={k}
                          role="cell"
                          className="truncate tabular-nums"
                          title={formatSetting(settings[k])}
                          data-testid={`cell-${k}`}
                        >
                          {formatSetting(settings[k])}
                        </span>
                      ))}
                      {evalKeys.map((k) => {
                        const e = evals[k];
                        return (
                          <span
                            key={k}
                            role="cell"
                            className="truncate tabular-nums"
                            data-testid={`cell-${k}`}
                            title={
                              e
                                ? `final ${formatMetric(e.final)} at step ${e.finalStep}; best ${formatMetric(e.best)} at step ${e.bestStep}`
                                : undefined
                            }
                          >
                            {e ? `${formatMetric(e.final)} / ${formatMetric(e.best)}` : '—'}
                          </span>
                        );
                      })}
                    </div>
                  );
                })}
              </div>
            )}
          </div>
        </div>
      </div>
      <p className="text-xs text-zinc-500">
        {showAll ? 'Every setting is shown.' : `Only the ${settingKeys.length} settings that differ among the listed runs are shown.`}{' '}
        Held-out columns read <em>final / best</em>: the last evaluation and the best one (highest, or lowest for a loss).
      </p>
    </section>
  );
}
