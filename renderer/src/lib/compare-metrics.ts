import { decodeRunMetrics } from '../../../shared/compare';
import type { MetricSeries } from '../../../shared/runs';
import { ApiError, type ApiClient } from '../api/client';

/**
 * The Compare page's metric reads, batched: each (run, metric) column is its
 * own query (a finished run's columns are cached for good, a live one's
 * refetched on their own), but the columns asked for in the same turn of the
 * event loop — 5 charts of 50 runs opening at once — go out as one
 * `compare.runMetrics` call per metric, in the order first asked, whose
 * packed columns (shared/compare.ts) are a fraction of the JSON the same
 * numbers would be. One call per metric rather than one for all: the server
 * answers them one after another, and the first screen's charts are drawn
 * while it reads the columns of the charts below.
 */

/** The contract's cap on ids per call. */
const MAX_IDS = 200;

/** One run's column of one metric; null where the run has not logged it. */
export type RunColumn = MetricSeries[string] | null;

interface Waiting {
  id: number;
  resolve: (column: RunColumn) => void;
  reject: (err: unknown) => void;
}

/** Per client, the columns asked for in this turn: by metric, in the order first asked. */
const pending = new WeakMap<ApiClient, Map<string, Waiting[]>>();

/** Run ids a NOT_FOUND answer names (compare.runMetrics lists them in its details). */
function missingIds(err: unknown): number[] {
  if (!(err instanceof ApiError) || err.code !== 'NOT_FOUND') return [];
  const ids = (err.details as { ids?: unknown } | undefined)?.ids;
  return Array.isArray(ids) ? ids.filter((id): id is number => typeof id === 'number') : [];
}

async function fetchChunk(api: ApiClient, names: string[], ids: number[]): Promise<Map<number, MetricSeries>> {
  try {
    const packed = await api.call('compare.runMetrics', { ids, names });
    return new Map(packed.map((p) => [p.runId, decodeRunMetrics(p)]));
  } catch (err) {
    // A run the address names that this workspace lacks has no columns; it must not cost the others theirs.
    const missing = missingIds(err);
    const rest = ids.filter((id) => !missing.includes(id));
    if (missing.length === 0 || rest.length === ids.length) throw err;
    return rest.length ? fetchChunk(api, names, rest) : new Map();
  }
}

async function flush(api: ApiClient, name: string, waiting: Waiting[]): Promise<void> {
  const ids = [...new Set(waiting.map((w) => w.id))];
  for (let i = 0; i < ids.length; i += MAX_IDS) {
    const chunk = ids.slice(i, i + MAX_IDS);
    const mine = waiting.filter((w) => chunk.includes(w.id));
    try {
      const byId = await fetchChunk(api, [name], chunk);
      for (const w of mine) w.resolve(byId.get(w.id)?.[name] ?? null);
    } catch (err) {
      for (const w of mine) w.reject(err);
    }
  }
}

/** One run's column of `name`, fetched together with the same metric of every other run asked for in the same turn. */
export function batchedRunColumn(api: ApiClient, id: number, name: string): Promise<RunColumn> {
  let byName = pending.get(api);
  if (!byName) {
    const batch = new Map<string, Waiting[]>();
    byName = batch;
    pending.set(api, batch);
    setTimeout(() => {
      pending.delete(api);
      for (const [metric, waiting] of batch) void flush(api, metric, waiting);
    }, 0);
  }
  const waiting = byName.get(name) ?? byName.set(name, []).get(name)!;
  return new Promise((resolve, reject) => waiting.push({ id, resolve, reject }));
}
