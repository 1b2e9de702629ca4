import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { Job } from '../../../shared/jobs';
import type { StudioEvent } from '../../../shared/events';
import type { ApiClient } from './client';

/** Query options per domain: one place that knows each query's key and fetcher. */
export const workspaceQueries = {
  info: (api: ApiClient) => queryOptions({ queryKey: ['workspace', 'info'], queryFn: () => api.call('workspace.info', {}) }),
};

export const settingsQueries = {
  all: (api: ApiClient) => queryOptions({ queryKey: ['settings'], queryFn: () => api.call('settings.get', {}) }),
};

export const jobQueries = {
  list: (api: ApiClient) => queryOptions({ queryKey: ['jobs', 'list'], queryFn: () => api.call('jobs.list', { limit: 200 }) }),
  detail: (api: ApiClient, id: number) => queryOptions({ queryKey: ['jobs', 'detail', id], queryFn: () => api.call('jobs.get', { id }) }),
  logs: (api: ApiClient, id: number) =>
    queryOptions({ queryKey: ['jobs', 'logs', id], queryFn: () => api.call('jobs.logs', { id, limit: 5000 }) }),
};

/** Applies a server event to the query cache, so every view updates live without polling. */
export function applyEvent(queryClient: QueryClient, event: StudioEvent): void {
  switch (event.type) {
    case 'job.updated': {
      const job = event.job;
      queryClient.setQueryData<Job>(['jobs', 'detail', job.id], job);
      queryClient.setQueryData<Job[]>(['jobs', 'list'], (list) => {
        if (!list) return list;
        const index = list.findIndex((j) => j.id === job.id);
        if (index < 0) return [job, ...list];
        const next = list.slice();
        next[index] = job;
        return next;
      });
      if (job.status !== 'running') void queryClient.invalidateQueries({ queryKey: ['workspace', 'info'] });
      break;
    }
    case 'job.log':
      queryClient.setQueryData<{ seq: number }[]>(['jobs', 'logs', event.line.jobId], (lines) =>
        lines && !lines.some((l) => l.seq === event.line.seq) ? [...lines, event.line] : lines,
      );
      break;
    case 'resync':
      void queryClient.invalidateQueries();
      break;
  }
}
