import { queryOptions, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { Run } from '../../../../shared/runs';
import { SIDE_BY_SIDE_SAMPLING, type SideBySideCell, type SideBySideRow, type SideBySideSet } from '../../../../shared/side-by-side';
import type { ApiClient } from '../../api/client';
import { useApi } from '../../api/context';
import { modelQueries, snapshotQueries } from '../../api/queries';
import { Badge } from '../../components/Badge';
import { Button, Toggle } from '../../components/Button';
import { cardClass } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { Field, inputClass } from '../../components/Field';
import { SnapshotSplitFields } from './SnapshotSplitFields';
import { cellSegments, filterRows, outputsDiffer, verdictFlips } from '../../lib/compare-generations';
import { ui } from '../../lib/ui-store';
import { useModelOptions } from './model-options';

/**
 * Side-by-side generations (issue 15 item 6): a prompt set through the base
 * and checkpoints, a column each. *Generate* starts the evaluation's win-rate
 * jobs (each checkpoint against the first column), which reuse every answer
 * already stored; the table reads what is stored and fills in as jobs end.
 */

/** Rows shown at once; more on request (a set holds at most 500 prompts). */
const PAGE = 50;

function Cell({ row, column, reference }: { row: SideBySideRow; column: number; reference: number }) {
  const cell: SideBySideCell = row.cells[column]!;
  if (cell.text === null) return <span className="text-xs text-zinc-400">not generated yet</span>;
  const v = cell.verdict;
  return (
    <div className="space-y-1">
      <p className="text-sm whitespace-pre-wrap" data-testid="sbs-text">
        {cellSegments(row, column, reference).map((s, i) =>
          s.changed ? (
            <mark key={i} className="rounded-sm bg-amber-200 dark:bg-amber-700/60">
              {s.text}
            </mark>
          ) : (
            <span key={i}>{s.text}</span>
          ),
        )}
      </p>
      {v && (
        <div className="flex flex-wrap gap-1" data-testid="sbs-verdict">
          {v.pass !== null && (
            <Badge tone={v.pass ? 'emerald' : 'rose'} title={v.reason ?? undefined}>
              {v.pass ? 'follows the rule' : 'breaks the rule'}
            </Badge>
          )}
          {v.vsBase && (
            <Badge tone={v.vsBase === 'win' ? 'emerald' : v.vsBase === 'loss' ? 'rose' : 'zinc'}>{`${v.vsBase} vs column 1`}</Badge>
          )}
        </div>
      )}
    </div>
  );
}

/**
 * The tab's choices, kept by the Compare page: they outlive a switch to
 * another tab, and *Export report* (Checkpoints tab) includes the set
 * generated here with the prompts its filters keep.
 */
export interface GenerationsState {
  /** Column keys in order (useModelOptions); null: the defaults. */
  chosen: string[] | null;
  source: 'snapshot' | 'typed';
  snapshotId: number | null;
  split: 'test' | 'train';
  typed: string;
  judgeModel: number | null;
  maxTokens: number;
  /** The column the others are diffed against. */
  reference: number;
  differOnly: boolean;
  flipsOnly: boolean;
  shown: number;
  /** The set last generated (what the grid shows). */
  asked: SideBySideSet | null;
}

export const INITIAL_GENERATIONS: GenerationsState = {
  chosen: null,
  source: 'snapshot',
  snapshotId: null,
  split: 'test',
  typed: '',
  judgeModel: null,
  maxTokens: SIDE_BY_SIDE_SAMPLING.maxTokens,
  reference: 0,
  differOnly: false,
  flipsOnly: false,
  shown: PAGE,
  asked: null,
};

/** What the report takes from the tab: the set and, when a filter is on, the prompts it keeps (by hash). */
export interface ReportGenerations {
  set: SideBySideSet;
  keep: string[] | null;
}

// Under ['evals', 'run']: every eval job that ends invalidates that prefix (api/queries.ts), so cells fill in as columns finish.
const generationsQuery = (api: ApiClient, asked: SideBySideSet | null) =>
  queryOptions({
    queryKey: ['evals', 'run', 'side-by-side', asked],
    queryFn: () => api.call('compare.generations', asked!),
    enabled: asked !== null,
  });

/** The report's generations: the set generated on the tab, narrowed to the rows its filters keep. */
export function useReportGenerations(state: GenerationsState): ReportGenerations | null {
  const api = useApi();
  const filtered = state.differOnly || state.flipsOnly;
  const { data } = useQuery({ ...generationsQuery(api, state.asked), enabled: state.asked !== null && filtered });
  return useMemo(() => {
    if (!state.asked) return null;
    if (!filtered || !data) return { set: state.asked, keep: null };
    return { set: state.asked, keep: filterRows(data.rows, state).map((r) => r.promptHash) };
  }, [state, filtered, data]);
}

export function GenerationsTab({
  runs,
  state,
  onState,
}: {
  runs: readonly Run[];
  state: GenerationsState;
  onState: (patch: Partial<GenerationsState>) => void;
}) {
  const api = useApi();
  const { data: models = [] } = useQuery(modelQueries.list(api));
  const { data: snapshots = [] } = useQuery(snapshotQueries.all(api));
  const { options, defaults } = useModelOptions(runs);
  const { chosen, source, snapshotId, split, typed, judgeModel, maxTokens, reference, differOnly, flipsOnly, shown, asked } = state;
  const columnKeys = (chosen ?? defaults).filter((k) => options.some((o) => o.key === k));
  const setChosen = (v: string[]) => onState({ chosen: v });
  const setSource = (v: 'snapshot' | 'typed') => onState({ source: v });
  const setSnapshotId = (v: number | null) => onState({ snapshotId: v });
  const setSplit = (v: 'test' | 'train') => onState({ split: v });
  const setTyped = (v: string) => onState({ typed: v });
  const setJudgeModel = (v: number | null) => onState({ judgeModel: v });
  const setMaxTokens = (v: number) => onState({ maxTokens: v });
  const setReference = (v: number) => onState({ reference: v });
  const setDifferOnly = (v: boolean) => onState({ differOnly: v });
  const setFlipsOnly = (v: boolean) => onState({ flipsOnly: v });
  const setShown = (v: number) => onState({ shown: v });

  const snapshot = snapshotId ?? runs[0]?.snapshotId ?? snapshots[0]?.id ?? null;
  const texts = typed
    .split('\n')
    .map((t) => t.trim())
    .filter(Boolean);
  const set: SideBySideSet | null =
    columnKeys.length < 2 || (source === 'snapshot' ? snapshot === null : texts.length === 0)
      ? null
      : {
          columns: columnKeys.map((k) => options.find((o) => o.key === k)!.ref),
          prompts: source === 'snapshot' ? { snapshotId: snapshot!, split } : { texts },
          judge: judgeModel === null ? { kind: 'rules' } : { kind: 'model', model: { modelId: judgeModel } },
          sampling: { ...SIDE_BY_SIDE_SAMPLING, maxTokens },
        };

  const table = useQuery(generationsQuery(api, asked));

  const generate = async () => {
    if (!set) return;
    try {
      const jobs = await api.call('compare.generate', set);
      onState({ asked: set, shown: PAGE });
      ui.toast({
        kind: 'info',
        title: 'Generating',
        message: `${jobs.length} evaluation job${jobs.length === 1 ? '' : 's'} queued; stored answers are reused.`,
      });
    } catch (err) {
      ui.toast({ kind: 'error', title: 'Cannot generate', message: err instanceof Error ? err.message : String(err) });
    }
  };

  const data = table.data;
  const rows = data ? filterRows(data.rows, { differOnly, flipsOnly }) : [];
  const toggleColumn = (key: string) => setChosen(columnKeys.includes(key) ? columnKeys.filter((k) => k !== key) : [...columnKeys, key]);

  return (
    <section className={`${cardClass} space-y-4 p-4`} data-testid="compare-generations">
      <div className="space-y-2">
        <h2 className="text-sm font-semibold">Side-by-side generations</h2>
        <p className="text-xs text-zinc-500">
          Pick the columns in order — the first is the base every other column is judged against — and a prompt set. Generating runs an
          evaluation job per column (a win-rate item against the first column); answers already generated with the same settings come from
          the generations cache.
        </p>
        <div className="flex flex-wrap gap-1.5" data-testid="sbs-columns">
          {options.map((o) => (
            <Toggle key={o.key} on={columnKeys.includes(o.key)} onClick={() => toggleColumn(o.key)} testId={`sbs-column-${o.key}`}>
              {columnKeys.includes(o.key) ? `${columnKeys.indexOf(o.key) + 1}. ${o.label}` : o.label}
            </Toggle>
          ))}
        </div>
      </div>
      <div className="flex flex-wrap items-end gap-3">
        <Field label="Prompts">
          <select
            className={inputClass}
            value={source}
            onChange={(e) => setSource(e.target.value as 'snapshot' | 'typed')}
            data-testid="sbs-source"
          >
            <option value="snapshot">a snapshot’s split</option>
            <option value="typed">typed prompts</option>
          </select>
        </Field>
        {source === 'snapshot' ? (
          <SnapshotSplitFields
            snapshots={snapshots}
            snapshot={snapshot}
            onSnapshot={setSnapshotId}
            split={split}
            onSplit={setSplit}
            testId="sbs-snapshot"
          />
        ) : (
          <Field label="One prompt per line" className="min-w-80 grow">
            <textarea className={inputClass} rows={3} value={typed} onChange={(e) => setTyped(e.target.value)} data-testid="sbs-typed" />
          </Field>
        )}
        <Field
          label="Judge"
          hint="The rule checker judges the demo's prompts (each has a rule); a model judges any prompt, in both orders."
        >
          <select
            className={inputClass}
            value={judgeModel ?? ''}
            onChange={(e) => setJudgeModel(e.target.value === '' ? null : Number(e.target.value))}
            data-testid="sbs-judge"
          >
            <option value="">rules (the demo’s checker)</option>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                model: {m.name}
              </option>
            ))}
          </select>
        </Field>
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
        <Button variant="primary" disabled={!set} onClick={() => void generate()} data-testid="sbs-generate">
          Generate
        </Button>
      </div>

      {!asked ? (
        <EmptyState testId="sbs-none">Pick at least two columns and a prompt set, then Generate.</EmptyState>
      ) : table.error ? (
        <p className="text-sm text-rose-600" data-testid="sbs-error">
          {table.error.message}
        </p>
      ) : !data ? null : (
        <div className="space-y-3">
          <div className="flex flex-wrap items-end gap-3">
            <Field label="Diff against">
              <select
                className={inputClass}
                value={reference}
                onChange={(e) => setReference(Number(e.target.value))}
                data-testid="sbs-reference"
              >
                {data.columns.map((c, i) => (
                  <option key={i} value={i}>
                    {i + 1}. {c.name}
                  </option>
                ))}
              </select>
            </Field>
            <Toggle on={differOnly} onClick={() => setDifferOnly(!differOnly)} testId="sbs-differ">
              Only where outputs differ ({data.rows.filter(outputsDiffer).length})
            </Toggle>
            <Toggle on={flipsOnly} onClick={() => setFlipsOnly(!flipsOnly)} testId="sbs-flips">
              Only where the judge flips ({data.rows.filter(verdictFlips).length})
            </Toggle>
            <span className="text-xs text-zinc-500" data-testid="sbs-progress">
              {data.columns.map((c) => `${c.generated}/${data.rows.length}`).join(' · ')} generated
            </span>
          </div>
          <div className="overflow-x-auto">
            <div
              className="grid gap-x-3 gap-y-2 text-sm"
              style={{ gridTemplateColumns: `minmax(12rem, 1fr) repeat(${data.columns.length}, minmax(14rem, 1fr))` }}
              data-testid="sbs-grid"
            >
              <div className="text-xs font-medium text-zinc-500 uppercase">Prompt</div>
              {data.columns.map((c, i) => (
                <div key={i} className="text-xs font-medium text-zinc-500" data-testid="sbs-column-head" title={c.modelHash}>
                  {i + 1}. {c.name}
                </div>
              ))}
              {rows.slice(0, shown).map((row) => (
                <div key={row.promptHash} className="contents" data-testid="sbs-row">
                  <div className="border-t border-zinc-100 pt-2 text-sm whitespace-pre-wrap text-zinc-600 dark:border-zinc-800 dark:text-zinc-300">
                    {row.prompt}
                  </div>
                  {row.cells.map((_, i) => (
                    <div key={i} className="border-t border-zinc-100 pt-2 dark:border-zinc-800" data-testid="sbs-cell">
                      <Cell row={row} column={i} reference={reference} />
                    </div>
                  ))}
                </div>
              ))}
            </div>
          </div>
          {rows.length === 0 && <EmptyState testId="sbs-empty">No prompt matches these filters.</EmptyState>}
          {rows.length > shown && <Button onClick={() => setShown(shown + PAGE)}>Show {Math.min(PAGE, rows.length - shown)} more</Button>}
        </div>
      )}
    </section>
  );
}
