import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import type { Run } from '../../../../shared/runs';
import { useApi } from '../../api/context';
import { compareQueries, runQueries } from '../../api/queries';
import { Toggle } from '../../components/Button';
import { cardClass } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { Field, inputClass, RangeField } from '../../components/Field';
import { X_AXES, type XAxis } from '../../lib/compare-align';
import { flatRunSettings } from '../../../../shared/compare-settings';
import { compareStatePath, parseCompareState, type CompareState } from '../../lib/compare-url';
import { currentPath } from '../../lib/router';
import { chartColumns, CompareCharts, isLiveRun, type ChartSettings } from './CompareCharts';
import { CompareRunsTable, type RunRow } from './CompareRunsTable';
import { WhatChanged } from './WhatChanged';
import { GenerationsTab, INITIAL_GENERATIONS, useReportGenerations, type GenerationsState } from './GenerationsTab';
import { PairsTab } from './PairsTab';
import { ArenaTab } from './ArenaTab';
import { CheckpointsTab } from './CheckpointsTab';

/**
 * Compare (issue 15): runs side by side. The page's state is its URL
 * (lib/compare-url.ts), so a comparison can be bookmarked and shared. Its
 * tabs grow with the comparisons that land (checkpoints, generations, the
 * arena); only the ones that exist are shown.
 */
const TABS = [
  { id: 'runs', label: 'Runs' },
  { id: 'checkpoints', label: 'Checkpoints' },
  { id: 'generations', label: 'Generations' },
  { id: 'pairs', label: 'Pairs' },
  { id: 'arena', label: 'Arena' },
] as const;
type TabId = (typeof TABS)[number]['id'];

/** What the charts start with when the URL names no metric: the loss and held-out accuracy. */
const DEFAULT_METRICS = ['loss', 'eval/logp_accuracy'];

/** Metrics not worth a chart of their own (the x axes and bookkeeping). */
const NOT_CHARTED = new Set(['step']);

function useCompareState(): [CompareState, (patch: Partial<CompareState>) => void] {
  const [state, setState] = useState(() => parseCompareState(currentPath()));
  // A link opened while the page shows (or back/forward) replaces the state.
  useEffect(() => {
    const onHash = () => {
      const path = currentPath();
      if (path.startsWith('/compare')) setState(parseCompareState(path));
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  // The URL follows the state without a navigation (no hashchange, no history entry per slider move).
  useEffect(() => {
    const path = compareStatePath(state);
    if (currentPath() !== path) window.history.replaceState(null, '', `#${path}`);
  }, [state]);
  return [state, (patch) => setState((s) => ({ ...s, ...patch }))];
}

export function ComparePage() {
  const api = useApi();
  const [state, update] = useCompareState();
  const { data: runs = [], isLoading } = useQuery(runQueries.list(api));
  const { data: summaries = [] } = useQuery(compareQueries.evalSummary(api));
  const [pair, setPair] = useState<[number, number] | null>(null);
  const [tab, setTab] = useState<TabId>('runs');
  // The Generations tab's choices live here: they outlive a tab switch, and the report (Checkpoints tab) includes its set.
  const [generations, setGenerations] = useState<GenerationsState>(INITIAL_GENERATIONS);
  const reportGenerations = useReportGenerations(generations);

  const rows = useMemo<RunRow[]>(() => {
    const evals = new Map(summaries.map((s) => [s.runId, s.metrics]));
    return runs.map((run) => ({ run, settings: flatRunSettings(run), evals: evals.get(run.id) ?? {} }));
  }, [runs, summaries]);
  const byId = useMemo(() => new Map(runs.map((r) => [r.id, r])), [runs]);
  const picked = useMemo(() => state.runs.map((id) => byId.get(id)).filter((r): r is Run => r !== undefined), [state.runs, byId]);

  const available = useMemo(
    () => [...new Set(picked.flatMap((r) => Object.keys(r.latest)))].filter((m) => !NOT_CHARTED.has(m)).sort(),
    [picked],
  );
  const metrics = state.metrics.length ? state.metrics : DEFAULT_METRICS.filter((m) => available.includes(m));
  const axis = X_AXES.find((a) => a.id === state.x)!;
  // What is fetched does not wait for the runs list: the address names the runs (and the metrics, or the defaults), so
  // their columns load alongside it instead of after it. The charts read the same queries; asked in the charts' order
  // (the loss and the axis's columns first: every chart needs them), each chart is drawn as its own columns arrive.
  const requested = state.metrics.length ? state.metrics : DEFAULT_METRICS;
  const fetched = useMemo(() => [...new Set(requested.flatMap((m) => chartColumns(m, state.x)))], [requested, state.x]);
  // Prefetched, not observed: the page does not re-render (nor its 50-row table) as each metric's columns arrive.
  const queryClient = useQueryClient();
  useEffect(() => {
    for (const id of state.runs)
      for (const name of fetched) void queryClient.prefetchQuery(compareQueries.runColumn(api, id, name, isLiveRun(byId.get(id)?.status)));
    // byId only refines the staleness of a live run; the charts' own queries carry it once the runs list is in.
  }, [api, queryClient, state.runs, fetched]);

  const settings = useMemo<ChartSettings>(
    () => ({ x: state.x, relative: state.relative, smoothing: state.smoothing, group: state.group }),
    [state.x, state.relative, state.smoothing, state.group],
  );
  const toggleMetric = (m: string) => update({ metrics: metrics.includes(m) ? metrics.filter((x) => x !== m) : [...metrics, m] });
  const twoOf = picked.map((r) => r.id);
  const shownPair: [number, number] = pair && twoOf.includes(pair[0]) && twoOf.includes(pair[1]) ? pair : [twoOf[0] ?? 0, twoOf[1] ?? 0];

  return (
    <div className="space-y-5" data-testid="compare-page">
      <div>
        <h1 className="text-xl font-semibold">Compare</h1>
        <p className="mt-1 text-sm text-zinc-500">
          Runs side by side: pick runs below, overlay their curves, and see what changed between two of them. The address of this page is
          the comparison — bookmark it or send it.
        </p>
      </div>
      <div role="tablist" aria-label="Comparisons" className="flex gap-1 border-b border-zinc-200 dark:border-zinc-800">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            onClick={() => setTab(t.id)}
            data-testid={`compare-tab-${t.id}`}
            className={`-mb-px border-b-2 px-3 py-1.5 text-sm font-medium ${tab === t.id ? 'border-indigo-600 text-indigo-700 dark:text-indigo-300' : 'border-transparent text-zinc-500 hover:text-zinc-800 dark:hover:text-zinc-200'}`}
          >
            {t.label}
          </button>
        ))}
      </div>

      {isLoading ? null : (
        <CompareRunsTable
          rows={rows}
          selected={state.runs}
          onSelect={(ids) => update({ runs: ids })}
          group={state.group}
          onGroup={(group) => update({ group })}
        />
      )}

      {tab === 'generations' && (
        <GenerationsTab runs={picked} state={generations} onState={(patch) => setGenerations((g) => ({ ...g, ...patch }))} />
      )}
      {tab === 'pairs' && <PairsTab runs={picked} />}
      {tab === 'arena' && <ArenaTab runs={picked} />}
      {tab === 'checkpoints' && <CheckpointsTab runs={picked} generations={reportGenerations} />}
      {tab === 'runs' && (
        <section className={`${cardClass} space-y-3 p-4`} data-testid="compare-curves">
          <div className="flex flex-wrap items-end gap-4">
            <h2 className="text-sm font-semibold">Curves</h2>
            <Field label="X axis" hint={axis.help}>
              <select
                className={inputClass}
                value={state.x}
                onChange={(e) => update({ x: e.target.value as XAxis })}
                data-testid="compare-x-axis"
              >
                {X_AXES.map((a) => (
                  <option key={a.id} value={a.id} title={a.help}>
                    {a.label}
                  </option>
                ))}
              </select>
            </Field>
            <Toggle
              on={state.relative}
              onClick={() => update({ relative: !state.relative })}
              testId="compare-relative"
              title="x as the share of each run done (0–1), so runs of different lengths line up"
            >
              Align by relative step
            </Toggle>
            <RangeField
              label="Smoothing"
              value={state.smoothing}
              onChange={(smoothing) => update({ smoothing })}
              min={0}
              max={0.99}
              step={0.01}
              testId="compare-smoothing"
              className="text-xs text-zinc-500"
            />
          </div>
          {picked.length === 0 ? (
            <EmptyState testId="compare-none">Pick runs in the table to overlay their curves.</EmptyState>
          ) : (
            <>
              <div className="flex flex-wrap gap-1.5" data-testid="compare-metrics">
                {available.map((m) => (
                  <Toggle key={m} on={metrics.includes(m)} onClick={() => toggleMetric(m)} testId={`metric-${m}`}>
                    {m}
                  </Toggle>
                ))}
              </div>
              <p className="text-xs text-zinc-500">
                Smoothing is TensorBoard’s debiased EMA; raw points stay faint behind it. Drag across a chart to zoom every chart,
                double-click to zoom out; hovering one moves the cursor in all. {axis.help}
              </p>
              <CompareCharts metrics={metrics} runs={picked} settings={settings} />
            </>
          )}
        </section>
      )}

      {tab === 'runs' && <WhatChanged runs={picked} pair={shownPair} onPair={setPair} />}
    </div>
  );
}
