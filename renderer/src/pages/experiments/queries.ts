import { queryOptions, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ApiClient } from '../../api/client';

/** The experiments' queries: the list, one experiment (progress, runs, estimate) and what its runs measured. */
export const experimentQueries = {
  list: (api: ApiClient) => queryOptions({ queryKey: ['experiments', 'list'], queryFn: () => api.call('experiments.list', {}) }),
  detail: (api: ApiClient, id: number) =>
    queryOptions({ queryKey: ['experiments', 'detail', id], queryFn: () => api.call('experiments.get', { id }) }),
  results: (api: ApiClient, id: number) =>
    queryOptions({ queryKey: ['experiments', 'results', id], queryFn: () => api.call('experiments.results', { id }) }),
};

/** Refetches at most this often while events arrive: a training run reports every step. */
const REFRESH_MS = 1000;

/**
 * Live updates, as the Evaluate page gets them: an experiment is its runs'
 * train and eval jobs, so any job or run event may change its progress,
 * estimate or numbers. The refetch is throttled (a run reports every step),
 * and a `resync` (the connection came back) refetches at once.
 */
export function useExperimentUpdates(api: ApiClient): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const refresh = () => {
      timer = null;
      void queryClient.invalidateQueries({ queryKey: ['experiments'] });
    };
    const off = api.onEvent((event) => {
      const relevant =
        event.type === 'resync' ||
        event.type === 'run.updated' ||
        (event.type === 'job.updated' && (event.job.kind === 'train' || event.job.kind === 'eval'));
      if (relevant && timer === null) timer = setTimeout(refresh, REFRESH_MS);
    });
    return () => {
      off();
      if (timer !== null) clearTimeout(timer);
    };
  }, [api, queryClient]);
}
