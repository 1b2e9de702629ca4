import type { RecordFilter, RecordFlag, RecordKind } from '../../../../shared/datasets';

export type SplitChoice = 'train' | 'test' | 'none';
export type LengthField = 'promptChars' | 'chosenChars' | 'rejectedChars';
export type Ranges = Partial<Record<LengthField, { min?: number; max?: number }>>;

/** What the filter bar holds; `toRecordFilter` turns it into the contract's filter. */
export interface FilterState {
  search: string;
  kind: RecordKind | '';
  splits: SplitChoice[];
  flags: RecordFlag[];
  tags: string[];
  sources: string[];
  ranges: Ranges;
}

export const EMPTY_FILTER: FilterState = { search: '', kind: '', splits: [], flags: [], tags: [], sources: [], ranges: {} };

export function toRecordFilter(state: FilterState, search: string): RecordFilter {
  const filter: RecordFilter = {};
  if (search.trim()) filter.search = search.trim();
  if (state.kind) filter.kinds = [state.kind];
  if (state.splits.length) filter.splits = state.splits;
  if (state.flags.length) filter.flags = state.flags;
  if (state.tags.length) filter.tags = state.tags;
  if (state.sources.length) filter.sources = state.sources;
  for (const [field, range] of Object.entries(state.ranges) as [LengthField, { min?: number; max?: number }][]) {
    if (range.min !== undefined || range.max !== undefined) filter[field] = range;
  }
  return filter;
}

export function isEmptyFilter(filter: RecordFilter): boolean {
  return Object.keys(filter).length === 0;
}

export function toggle<T>(list: T[], value: T): T[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}
