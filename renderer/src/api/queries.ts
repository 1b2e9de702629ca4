import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { MethodArgs } from '../../../shared/contract';
import type { RecordFilter } from '../../../shared/datasets';
import type { Job, JobStatus } from '../../../shared/jobs';
import type { StudioEvent } from '../../../shared/events';
import type { MetricPoint, MetricSeries, Run } from '../../../shared/runs';
import { batchedRunColumn } from '../lib/compare-metrics';
import { appendPoints, mergeSeries, truncateSeries } from '../lib/series';
import type { ApiClient } from './client';

export type RecordSort = NonNullable<MethodArgs<'records.query'>['sort']>;

/** Query options per domain: one place that knows each query's key and fetcher. */
export const workspaceQueries = {
  info: (api: ApiClient) => queryOptions({ queryKey: ['workspace', 'info'], queryFn: () => api.call('workspace.info', {}) }),
};

export const settingsQueries = {
  all: (api: ApiClient) => queryOptions({ queryKey: ['settings'], queryFn: () => api.call('settings.get', {}) }),
};

const STATUS_RANK: Record<JobStatus, number> = { queued: 0, running: 1, succeeded: 2, failed: 2, cancelled: 2, interrupted: 2, paused: 2 };

/**
 * Whether `a` is an earlier state of the same job than `b`. A job only moves
 * forward within an attempt (queued → running → done, progress rising), and
 * every requeue starts a new attempt.
 */
export function isOlderJob(a: Job, b: Job): boolean {
  if (a.attempt !== b.attempt) return a.attempt < b.attempt;
  if (STATUS_RANK[a.status] !== STATUS_RANK[b.status]) return STATUS_RANK[a.status] < STATUS_RANK[b.status];
  return a.progress < b.progress;
}

/**
 * A fetch that started before a job.updated event can answer after it; keep
 * the newer state so the older answer never rolls a job back (a fast job
 * would otherwise look "running" forever).
 */
function keepNewerJob(old: unknown, next: unknown): unknown {
  return old && isOlderJob(next as Job, old as Job) ? old : next;
}

const RUN_STATUS_RANK: Record<Run['status'], number> = { ...STATUS_RANK, paused: 2 };

/**
 * Whether `a` is an earlier state of the same run than `b`: an earlier
 * attempt (each resume starts one), then queued → running → stopped, then
 * fewer steps recorded.
 */
export function isOlderRun(a: Run, b: Run): boolean {
  if (a.attempt !== b.attempt) return a.attempt < b.attempt;
  if (RUN_STATUS_RANK[a.status] !== RUN_STATUS_RANK[b.status]) return RUN_STATUS_RANK[a.status] < RUN_STATUS_RANK[b.status];
  return a.step < b.step;
}

/** As keepNewerJob: a runs.get answer older than a run.updated event must not roll the run back. */
function keepNewerRun(old: unknown, next: unknown): unknown {
  return old && isOlderRun(next as Run, old as Run) ? old : next;
}

function keepNewerRuns(old: unknown, next: unknown): unknown {
  if (!Array.isArray(old)) return next;
  const previous = new Map((old as Run[]).map((r) => [r.id, r]));
  return (next as Run[]).map((r) => keepNewerRun(previous.get(r.id), r) as Run);
}

function keepNewerJobs(old: unknown, next: unknown): unknown {
  if (!Array.isArray(old)) return next;
  const previous = new Map((old as Job[]).map((j) => [j.id, j]));
  return (next as Job[]).map((j) => keepNewerJob(previous.get(j.id), j) as Job);
}

export const jobQueries = {
  list: (api: ApiClient) =>
    queryOptions({ queryKey: ['jobs', 'list'], queryFn: () => api.call('jobs.list', { limit: 200 }), structuralSharing: keepNewerJobs }),
  detail: (api: ApiClient, id: number) =>
    queryOptions({ queryKey: ['jobs', 'detail', id], queryFn: () => api.call('jobs.get', { id }), structuralSharing: keepNewerJob }),
  logs: (api: ApiClient, id: number) =>
    queryOptions({ queryKey: ['jobs', 'logs', id], queryFn: () => api.call('jobs.logs', { id, tail: 5000 }) }),
};

export const datasetQueries = {
  list: (api: ApiClient) => queryOptions({ queryKey: ['datasets', 'list'], queryFn: () => api.call('datasets.list', {}) }),
  facets: (api: ApiClient, datasetId: number) =>
    queryOptions({ queryKey: ['datasets', datasetId, 'facets'], queryFn: () => api.call('datasets.facets', { datasetId }) }),
  imports: (api: ApiClient, datasetId: number) =>
    queryOptions({ queryKey: ['datasets', datasetId, 'imports'], queryFn: () => api.call('datasets.imports', { datasetId }) }),
  importReport: (api: ApiClient, id: number) =>
    queryOptions({ queryKey: ['imports', id], queryFn: () => api.call('datasets.importReport', { id, errorsLimit: 5000 }) }),
  snapshots: (api: ApiClient, datasetId: number) =>
    queryOptions({ queryKey: ['datasets', datasetId, 'snapshots'], queryFn: () => api.call('snapshots.list', { datasetId }) }),
  duplicates: (api: ApiClient, datasetId: number, threshold: number) =>
    queryOptions({
      queryKey: ['datasets', datasetId, 'duplicates', threshold],
      queryFn: () => api.call('datasets.duplicates', { datasetId, threshold }),
    }),
};

export const recordQueries = {
  /** One page of the records table; the key holds the filter so each filtered view keeps its own page cache. */
  page: (api: ApiClient, datasetId: number, filter: RecordFilter, sort: RecordSort, page: number, pageSize: number) =>
    queryOptions({
      queryKey: ['records', datasetId, 'page', filter, sort, pageSize, page],
      queryFn: () => api.call('records.query', { datasetId, filter, sort, offset: page * pageSize, limit: pageSize }),
      staleTime: 60_000,
    }),
  detail: (api: ApiClient, id: number) =>
    queryOptions({ queryKey: ['records', 'detail', id], queryFn: () => api.call('records.get', { id }) }),
};

export const modelQueries = {
  list: (api: ApiClient) => queryOptions({ queryKey: ['models', 'list'], queryFn: () => api.call('models.list', {}) }),
};

/** Every snapshot of every dataset, for the run launcher (fetched fresh each time it opens). */
export const snapshotQueries = {
  all: (api: ApiClient) => queryOptions({ queryKey: ['snapshots', 'all'], queryFn: () => api.call('snapshots.list', {}), staleTime: 0 }),
};

export const runQueries = {
  list: (api: ApiClient) =>
    queryOptions({ queryKey: ['runs', 'list'], queryFn: () => api.call('runs.list', {}), structuralSharing: keepNewerRuns }),
  detail: (api: ApiClient, id: number) =>
    queryOptions({ queryKey: ['runs', 'detail', id], queryFn: () => api.call('runs.get', { id }), structuralSharing: keepNewerRun }),
  /** Loaded once, then grown by `run.metrics` events; a refetch (resync) merges with what events added. */
  metrics: (api: ApiClient, id: number) =>
    queryOptions({
      queryKey: ['runs', 'metrics', id],
      queryFn: () => api.call('runs.metrics', { id }),
      staleTime: Infinity,
      structuralSharing: (old: unknown, next: unknown) => (old ? mergeSeries(old as MetricSeries, next as MetricSeries) : next),
    }),
  weights: (api: ApiClient, id: number) =>
    queryOptions({ queryKey: ['runs', 'weights', id], queryFn: () => api.call('runs.weights', { id }) }),
  checkpoints: (api: ApiClient, id: number) =>
    queryOptions({ queryKey: ['runs', 'checkpoints', id], queryFn: () => api.call('runs.checkpoints', { id }) }),
  diagnostics: (api: ApiClient, id: number) =>
    queryOptions({ queryKey: ['runs', 'diagnostics', id], queryFn: () => api.call('runs.diagnostics', { id }) }),
};

/** Labeling (issue 18): annotators, queues and a queue's progress and agreement. */
export const labelingQueries = {
  annotators: (api: ApiClient) =>
    queryOptions({ queryKey: ['labeling', 'annotators'], queryFn: () => api.call('labeling.annotators', {}) }),
  queues: (api: ApiClient) => queryOptions({ queryKey: ['labeling', 'queues'], queryFn: () => api.call('labeling.queues', {}) }),
  stats: (api: ApiClient, queueId: number) =>
    queryOptions({ queryKey: ['labeling', 'stats', queueId], queryFn: () => api.call('labeling.stats', { queueId }) }),
  arenaResults: (api: ApiClient, queueId: number) =>
    queryOptions({ queryKey: ['labeling', 'arena', queueId], queryFn: () => api.call('labeling.arenaResults', { queueId }) }),
  itemSources: (api: ApiClient, queueId: number) =>
    queryOptions({ queryKey: ['labeling', 'sources', queueId], queryFn: () => api.call('labeling.itemSources', { queueId, limit: 100 }) }),
  invites: (api: ApiClient) => queryOptions({ queryKey: ['invites', 'list'], queryFn: () => api.call('invites.list', {}) }),
};

/** The Compare page (issue 15): one run's column of one metric per query (they cache apart); 50 runs opening at once are one call per metric (lib/compare-metrics.ts). */
export const compareQueries = {
  /** A finished run's metrics never change; a live one's are read again when the page reopens 10 s later. */
  runColumn: (api: ApiClient, id: number, name: string, live: boolean) =>
    queryOptions({
      queryKey: ['compare', 'metrics', id, name],
      // 5 charts × 50 runs × their columns are hashed on every render of the charts: a plain join instead of
      // the default sorted-JSON hash (nothing reads these queries by key alone, so no default hash has to match).
      queryKeyHashFn: () => `compare\u0000metrics\u0000${id}\u0000${name}`,
      queryFn: () => batchedRunColumn(api, id, name),
      staleTime: live ? 10_000 : Infinity,
    }),
  evalSummary: (api: ApiClient) =>
    queryOptions({ queryKey: ['compare', 'evalSummary'], queryFn: () => api.call('compare.evalSummary', {}) }),
  /** Snapshots never change, so a diff never goes stale. */
  snapshotDiff: (api: ApiClient, a: number, b: number) =>
    queryOptions({
      queryKey: ['compare', 'snapshotDiff', a, b],
      queryFn: () => api.call('compare.snapshotDiff', { a, b }),
      staleTime: Infinity,
    }),
};

/** Evaluation (issue 14): suites, a run's evaluations by step, and one result with a page of its items. */
export const evalQueries = {
  suites: (api: ApiClient) => queryOptions({ queryKey: ['evals', 'suites'], queryFn: () => api.call('evals.suites', {}) }),
  ofRun: (api: ApiClient, runId: number) =>
    queryOptions({ queryKey: ['evals', 'run', runId], queryFn: () => api.call('runs.evals', { id: runId }) }),
  /** A stored result never changes (a re-evaluation stores a new one). */
  result: (api: ApiClient, id: number, offset: number, limit: number) =>
    queryOptions({
      queryKey: ['evals', 'result', id, offset, limit],
      queryFn: () => api.call('evals.get', { id, offset, limit }),
      staleTime: Infinity,
    }),
};

/** A run's list and header values follow its metric events between `run.updated` events. */
function withLatest(run: Run, points: readonly MetricPoint[]): Run {
  const latest = { ...run.latest };
  let step = run.step;
  // Events arrive in the order steps are recorded, so each point is the newest of its metric.
  for (const p of points) {
    latest[p.name] = p.value;
    if (p.name === 'loss') step = Math.max(step, p.step);
  }
  return { ...run, latest, step };
}

function putRun(queryClient: QueryClient, run: Run): void {
  queryClient.setQueryData<Run>(['runs', 'detail', run.id], run);
  queryClient.setQueryData<Run[]>(['runs', 'list'], (list) => {
    if (!list) return list;
    const index = list.findIndex((r) => r.id === run.id);
    if (index < 0) return [run, ...list];
    const next = list.slice();
    next[index] = run;
    return next;
  });
}

/** After records change (tags, edits, merges, splits, imports): every page, facet and count may be stale. */
export function invalidateDataset(queryClient: QueryClient, datasetId: number): Promise<void> {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: ['records'] }),
    queryClient.invalidateQueries({ queryKey: ['datasets', datasetId] }),
    queryClient.invalidateQueries({ queryKey: ['datasets', 'list'] }),
  ]).then(() => undefined);
}

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
      // An eval job queued, ended or stored results: a run's evaluation panel shows its status and numbers.
      if (job.kind === 'eval' && job.status !== 'running') void queryClient.invalidateQueries({ queryKey: ['evals', 'run'] });
      // An imported TRL run's status is its newest import job's (main/core/import-run): refetch the runs when one ends.
      if (job.kind === 'trl-import' && job.finishedAt !== null) void queryClient.invalidateQueries({ queryKey: ['runs'] });
      // A finished import changes datasets, their records and their import lists.
      if (job.kind === 'dataset-import' && job.status !== 'running' && job.status !== 'queued') {
        void queryClient.invalidateQueries({ queryKey: ['datasets'] });
        void queryClient.invalidateQueries({ queryKey: ['records'] });
      }
      break;
    }
    case 'job.log':
      queryClient.setQueryData<{ seq: number }[]>(['jobs', 'logs', event.line.jobId], (lines) =>
        lines && !lines.some((l) => l.seq === event.line.seq) ? [...lines, event.line] : lines,
      );
      break;
    case 'run.updated': {
      const run = event.run;
      putRun(queryClient, run);
      // A resumed run replays the steps after its checkpoint: forget the values it will record again.
      queryClient.setQueryData<MetricSeries>(['runs', 'metrics', run.id], (series) => (series ? truncateSeries(series, run.step) : series));
      void queryClient.invalidateQueries({ queryKey: ['runs', 'checkpoints', run.id] });
      if (run.status !== 'running' && run.status !== 'queued') void queryClient.invalidateQueries({ queryKey: ['models'] });
      break;
    }
    case 'run.metrics': {
      const { runId, points } = event;
      queryClient.setQueryData<MetricSeries>(['runs', 'metrics', runId], (series) => (series ? appendPoints(series, points) : series));
      const detail = queryClient.getQueryData<Run>(['runs', 'detail', runId]);
      if (detail) queryClient.setQueryData<Run>(['runs', 'detail', runId], withLatest(detail, points));
      queryClient.setQueryData<Run[]>(['runs', 'list'], (list) => list?.map((r) => (r.id === runId ? withLatest(r, points) : r)));
      break;
    }
    case 'resync':
      void queryClient.invalidateQueries();
      break;
  }
}
