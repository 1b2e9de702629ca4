import { decodeRunMetrics } from '../../../shared/compare';
import type { MetricSeries } from '../../../shared/runs';
import { ApiError, type ApiClient } from '../api/client';

/**
 * The Compare page's metric reads, batched: each run has its own query (a
 * finished run's columns are cached for good, a live one's refetched on
 * their own), but the queries asked for in the same turn of the event loop
 * — 50 runs opening at once — go out as one `compare.runMetrics` call,
 * whose packed columns (shared/compare.ts) are a fraction of the JSON the
 * same numbers would be.
 */

/** The contract's cap on ids per call. */
const MAX_IDS = 200;

interface Waiting {
  id: number;
  resolve: (series: MetricSeries) => void;
  reject: (err: unknown) => void;
}

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

async function flush(api: ApiClient, names: string[], waiting: Waiting[]): Promise<void> {
  const ids = [...new Set(waiting.map((w) => w.id))];
  for (let i = 0; i < ids.length; i += MAX_IDS) {
    const chunk = ids.slice(i, i + MAX_IDS);
    const mine = waiting.filter((w) => chunk.includes(w.id));
    try {
      const byId = await fetchChunk(api, names, chunk);
      for (const w of mine) w.resolve(byId.get(w.id) ?? {});
    } catch (err) {
      for (const w of mine) w.reject(err);
    }
  }
}

/** One run's columns of `names`, fetched together with every other run asked for in the same turn. */
export function batchedRunMetrics(api: ApiClient, id: number, names: readonly string[]): Promise<MetricSeries> {
  const byNames = pending.get(api) ?? pending.set(api, new Map()).get(api)!;
  const key = JSON.stringify([...names].sort());
  let waiting = byNames.get(key);
  if (!waiting) {
    const batch: Waiting[] = [];
    waiting = batch;
    byNames.set(key, batch);
    setTimeout(() => {
      byNames.delete(key);
      void flush(api, JSON.parse(key) as string[], batch);
    }, 0);
  }
  const batch = waiting;
  return new Promise((resolve, reject) => batch.push({ id, resolve, reject }));
}
