import { useQuery } from '@tanstack/react-query';
import { useState, type RefObject } from 'react';
import { RecordFlag, RecordKind, FLAG_LABELS } from '../../../../shared/datasets';
import { useApi } from '../../api/context';
import { datasetQueries, type RecordSort } from '../../api/queries';
import { Button, Toggle } from '../../components/Button';
import { EMPTY_FILTER, toggle, type FilterState, type LengthField, type SplitChoice } from './filters';
import { Badge } from '../../components/Badge';
import { inputClass } from '../../components/Field';

const SORTS: { value: RecordSort; label: string }[] = [
  { value: 'id', label: 'Oldest first' },
  { value: '-id', label: 'Newest first' },
  { value: '-promptChars', label: 'Longest prompt' },
  { value: 'promptChars', label: 'Shortest prompt' },
  { value: '-chosenChars', label: 'Longest chosen' },
  { value: 'chosenChars', label: 'Shortest chosen' },
  { value: '-rejectedChars', label: 'Longest rejected' },
  { value: 'rejectedChars', label: 'Shortest rejected' },
];
const SPLITS: SplitChoice[] = ['train', 'test', 'none'];
const LENGTHS: { field: LengthField; label: string }[] = [
  { field: 'promptChars', label: 'Prompt' },
  { field: 'chosenChars', label: 'Chosen' },
  { field: 'rejectedChars', label: 'Rejected' },
];

function parseBound(text: string): number | undefined {
  const n = Number.parseInt(text, 10);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export function FilterBar({
  datasetId,
  state,
  onChange,
  sort,
  onSort,
  searchRef,
}: {
  datasetId: number;
  state: FilterState;
  onChange: (next: FilterState) => void;
  sort: RecordSort;
  onSort: (sort: RecordSort) => void;
  searchRef: RefObject<HTMLInputElement | null>;
}) {
  const api = useApi();
  const { data: facets } = useQuery(datasetQueries.facets(api, datasetId));
  const [showLengths, setShowLengths] = useState(false);
  const set = (patch: Partial<FilterState>) => onChange({ ...state, ...patch });
  const setRange = (field: LengthField, bound: 'min' | 'max', text: string) =>
    set({ ranges: { ...state.ranges, [field]: { ...state.ranges[field], [bound]: parseBound(text) } } });
  const active = JSON.stringify(state) !== JSON.stringify(EMPTY_FILTER);

  return (
    <div className="space-y-2" data-testid="filter-bar">
      <div className="flex flex-wrap items-center gap-2">
        <input
          ref={searchRef}
          type="search"
          className={`${inputClass} w-72`}
          placeholder="Search words, or word* for prefixes  ( / )"
          title="All words must match, as whole words (case and accents ignored). End a word with * to match words that start with it."
          aria-label="Search records"
          value={state.search}
          onChange={(e) => set({ search: e.target.value })}
          onKeyDown={(e) => e.key === 'Escape' && (e.currentTarget.blur(), e.stopPropagation())}
          data-testid="search-input"
        />
        <select
          className={inputClass}
          value={sort}
          onChange={(e) => onSort(e.target.value as RecordSort)}
          aria-label="Sort"
          data-testid="sort-select"
        >
          {SORTS.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
        <select
          className={inputClass}
          value={state.kind}
          onChange={(e) => set({ kind: e.target.value as RecordKind | '' })}
          aria-label="Kind"
          data-testid="filter-kind"
        >
          <option value="">All kinds</option>
          {RecordKind.options.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
        <select
          className={inputClass}
          value=""
          onChange={(e) => e.target.value && set({ tags: toggle(state.tags, e.target.value) })}
          aria-label="Filter by tag"
          data-testid="filter-tag"
        >
          <option value="">+ Tag</option>
          {facets?.tags.map((t) => (
            <option key={t.name} value={t.name}>
              {t.name} ({t.count})
            </option>
          ))}
        </select>
        <select
          className={`${inputClass} max-w-56`}
          value=""
          onChange={(e) => e.target.value && set({ sources: toggle(state.sources, e.target.value) })}
          aria-label="Filter by source file"
          data-testid="filter-source"
        >
          <option value="">+ Source file</option>
          {facets?.sources.map((s) => (
            <option key={s.file} value={s.file}>
              {s.file} ({s.count})
            </option>
          ))}
        </select>
        <Button
          variant="ghost"
          className="!px-2 !py-1 text-xs"
          aria-expanded={showLengths}
          onClick={() => setShowLengths(!showLengths)}
          data-testid="filter-lengths"
        >
          Lengths {showLengths ? '▴' : '▾'}
        </Button>
        {active && (
          <Button variant="ghost" className="!px-2 !py-1 text-xs" onClick={() => onChange(EMPTY_FILTER)} data-testid="filter-clear">
            Clear filters
          </Button>
        )}
      </div>
      <div className="flex flex-wrap items-center gap-1.5">
        <span className="text-xs text-zinc-500">Split</span>
        {SPLITS.map((s) => (
          <Toggle
            key={s}
            on={state.splits.includes(s)}
            onClick={() => set({ splits: toggle(state.splits, s) })}
            testId={`filter-split-${s}`}
          >
            {s}
          </Toggle>
        ))}
        <span className="ml-3 text-xs text-zinc-500">Flags</span>
        {RecordFlag.options.map((f) => (
          <Toggle
            key={f}
            on={state.flags.includes(f)}
            onClick={() => set({ flags: toggle(state.flags, f) })}
            testId={`filter-flag-${f}`}
            title={FLAG_LABELS[f]}
          >
            {f}
          </Toggle>
        ))}
        {state.tags.map((t) => (
          <button
            key={t}
            type="button"
            className="ml-2"
            onClick={() => set({ tags: toggle(state.tags, t) })}
            aria-label={`Remove tag filter ${t}`}
            data-testid="active-tag-filter"
          >
            <Badge tone="indigo">tag: {t} ✕</Badge>
          </button>
        ))}
        {state.sources.map((s) => (
          <button
            key={s}
            type="button"
            className="ml-2"
            onClick={() => set({ sources: toggle(state.sources, s) })}
            aria-label={`Remove source filter ${s}`}
          >
            <Badge>source: {s} ✕</Badge>
          </button>
        ))}
      </div>
      {showLengths && (
        <div className="flex flex-wrap gap-4 text-xs" data-testid="length-filters">
          {LENGTHS.map(({ field, label }) => (
            <div key={field} className="flex items-center gap-1">
              <span className="text-zinc-500">{label} chars</span>
              <input
                type="number"
                min={0}
                className={`${inputClass} w-20`}
                placeholder="min"
                aria-label={`${label} minimum characters`}
                value={state.ranges[field]?.min ?? ''}
                onChange={(e) => setRange(field, 'min', e.target.value)}
              />
              <span>–</span>
              <input
                type="number"
                min={0}
                className={`${inputClass} w-20`}
                placeholder="max"
                aria-label={`${label} maximum characters`}
                value={state.ranges[field]?.max ?? ''}
                onChange={(e) => setRange(field, 'max', e.target.value)}
              />
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
