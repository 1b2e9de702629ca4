import { queryOptions, useQueries, useQueryClient, type QueryClient, type QueryKey } from '@tanstack/react-query';
import { useMemo } from 'react';
import { recordCursor, type RecordFilter, type RecordSort, type RecordSummary } from '../../../../shared/datasets';
import type { ApiClient } from '../../api/client';
import { useApi } from '../../api/context';
import { recordQueries } from '../../api/queries';

export const PAGE_SIZE = 250;

interface View {
  datasetId: number;
  filter: RecordFilter;
  sort: RecordSort;
  /** The view's size from page 0 (null while unknown) and whether a search capped it. */
  total: number | null;
  totalCapped: boolean;
}

/** Page 0 is the head query the table and the dataset header share (it counts); later pages have keys of their own. */
function pageKey(api: ApiClient, view: View, page: number): QueryKey {
  return page === 0
    ? recordQueries.page(api, view.datasetId, view.filter, view.sort, 0, PAGE_SIZE).queryKey
    : ['records', view.datasetId, 'keyset-page', view.filter, view.sort, PAGE_SIZE, page];
}

/** A neighbour page's rows, if they are loaded and still valid (not marked stale by an edit). */
function loadedRows(queryClient: QueryClient, key: QueryKey): RecordSummary[] | undefined {
  const state = queryClient.getQueryState<{ rows: RecordSummary[] }>(key);
  return state?.data && !state.isInvalidated ? state.data.rows : undefined;
}

/**
 * Fetches page `page` (> 0) by key where it can: right after the last row of
 * the page above, or right before the first row of the page below, so the
 * database seeks through the index instead of reading and skipping every
 * earlier row (OFFSET). A jump far from any loaded page reads from the nearer
 * end of the view instead; scrolling on from there is by key again.
 */
function keysetPage(api: ApiClient, queryClient: QueryClient, view: View, page: number) {
  return queryOptions({
    queryKey: pageKey(api, view, page),
    staleTime: 60_000,
    queryFn: async () => {
      const base = { datasetId: view.datasetId, filter: view.filter, sort: view.sort, offset: 0, limit: PAGE_SIZE, count: false };
      const aboveKey = pageKey(api, view, page - 1);
      // Pages come into view together while scrolling: wait for the one above if it is on its way.
      if (queryClient.getQueryState(aboveKey)?.fetchStatus === 'fetching')
        await queryClient.fetchQuery({ queryKey: aboveKey }).catch(() => undefined);
      const above = loadedRows(queryClient, aboveKey);
      if (above?.length === PAGE_SIZE) return api.call('records.query', { ...base, after: recordCursor(above.at(-1)!, view.sort) });
      const below = loadedRows(queryClient, pageKey(api, view, page + 1));
      if (below?.length) return api.call('records.query', { ...base, before: recordCursor(below[0]!, view.sort) });
      const start = page * PAGE_SIZE;
      if (view.total !== null && !view.totalCapped && start > view.total / 2 && start < view.total) {
        const end = Math.min(view.total, start + PAGE_SIZE);
        return api.call('records.query', { ...base, fromEnd: true, offset: view.total - end, limit: end - start });
      }
      return api.call('records.query', { ...base, offset: start });
    },
  });
}

/**
 * Rows of a filtered, sorted view fetched page by page as they scroll into
 * view. Each page is its own query, keyed by the filter, so going back to a
 * filter (or scrolling back up) reads from the cache. The caller reads page 0
 * itself (same query, so one request): its `total` sizes the scroll area and
 * is passed in here.
 */
export function useRecordPages(
  datasetId: number,
  filter: RecordFilter,
  sort: RecordSort,
  total: { total: number | null; totalCapped: boolean },
  firstIndex: number,
  lastIndex: number,
) {
  const api = useApi();
  const queryClient = useQueryClient();
  const pages = useMemo(() => {
    const from = Math.floor(Math.max(0, firstIndex) / PAGE_SIZE);
    const to = Math.floor(Math.max(0, lastIndex) / PAGE_SIZE);
    const list: number[] = [];
    for (let p = from; p <= to; p++) list.push(p);
    return list;
  }, [firstIndex, lastIndex]);
  const view: View = { datasetId, filter, sort, ...total };
  const results = useQueries({
    queries: pages.map((page) =>
      page === 0 ? recordQueries.page(api, datasetId, filter, sort, 0, PAGE_SIZE) : keysetPage(api, queryClient, view, page),
    ),
  });
  const byPage = new Map<number, RecordSummary[]>();
  results.forEach((r, i) => {
    if (r.data) byPage.set(pages[i]!, r.data.rows);
  });
  return {
    rowAt: (index: number): RecordSummary | undefined => byPage.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE],
  };
}
