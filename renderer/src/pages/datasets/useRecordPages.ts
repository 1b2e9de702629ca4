import { useQueries } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { RecordFilter, RecordSummary } from '../../../../shared/datasets';
import { useApi } from '../../api/context';
import { recordQueries, type RecordSort } from '../../api/queries';

export const PAGE_SIZE = 250;

/**
 * Rows of a filtered, sorted view fetched page by page as they scroll into
 * view. Each page is its own query, keyed by the filter, so going back to a
 * filter (or scrolling back up) reads from the cache. The caller reads page 0
 * itself (same query, so one request): its `total` sizes the scroll area.
 */
export function useRecordPages(datasetId: number, filter: RecordFilter, sort: RecordSort, firstIndex: number, lastIndex: number) {
  const api = useApi();
  const pages = useMemo(() => {
    const from = Math.floor(Math.max(0, firstIndex) / PAGE_SIZE);
    const to = Math.floor(Math.max(0, lastIndex) / PAGE_SIZE);
    const set = new Set<number>();
    for (let p = from; p <= to; p++) set.add(p);
    return [...set];
  }, [firstIndex, lastIndex]);
  const results = useQueries({ queries: pages.map((page) => recordQueries.page(api, datasetId, filter, sort, page, PAGE_SIZE)) });
  const byPage = new Map<number, RecordSummary[]>();
  results.forEach((r, i) => {
    if (r.data) byPage.set(pages[i]!, r.data.rows);
  });
  return {
    rowAt: (index: number): RecordSummary | undefined => byPage.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE],
  };
}
