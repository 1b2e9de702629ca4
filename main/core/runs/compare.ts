/**
 * Comparing runs (issue 15): several runs' metric columns in one call, each
 * run's best and final held-out numbers, and what changed between two runs'
 * dataset snapshots (the `snapshot-diff` job, snapshot-diff.ts).
 */
import { higherIsBetter, type RunEvalSummary, type RunsMetricSeries } from '../../../shared/compare';
import { StudioError } from '../../../shared/result';
import type { Db } from '../db/open';
import type { Handlers } from '../handlers';
import { resultOf } from '../jobs/registry';
import type { JobStore } from '../jobs/store';
import type { JobSupervisor } from '../jobs/supervisor';
import { getSnapshot } from '../datasets/snapshots';
import { CompareStore } from './compare-store';
import { snapshotSide } from './snapshot-diff';

/** The held-out summary of every run: per `eval/…` metric its final value and its best (highest; lowest for a loss). */
export function evalSummaries(store: CompareStore): RunEvalSummary[] {
  const byRun = new Map<number, RunEvalSummary>();
  for (const r of store.evalExtremes()) {
    const summary = byRun.get(r.run_id) ?? byRun.set(r.run_id, { runId: r.run_id, metrics: {} }).get(r.run_id)!;
    const high = higherIsBetter(r.name);
    summary.metrics[r.name] = {
      final: r.final,
      finalStep: r.final_step,
      best: high ? r.max : r.min,
      bestStep: high ? r.max_step : r.min_step,
    };
  }
  return [...byRun.values()];
}

type CompareMethods = Extract<keyof Handlers, `compare.${string}`>;

export function compareHandlers(deps: { db: Db; jobs: JobSupervisor; jobStore: JobStore }): Pick<Handlers, CompareMethods> {
  const store = new CompareStore(deps.db);
  return {
    'compare.runMetrics': ({ ids, names }) => {
      const existing = store.existingRuns(ids);
      const missing = ids.filter((id) => !existing.has(id));
      if (missing.length) throw new StudioError('NOT_FOUND', `No run ${missing.map((id) => `#${id}`).join(', ')}.`, { ids: missing });
      const out: RunsMetricSeries = {};
      for (const id of ids) out[String(id)] = store.series(id, names);
      return out;
    },
    'compare.evalSummary': () => evalSummaries(store),
    'compare.snapshotDiff': async ({ a, b }) => {
      const left = getSnapshot(deps.db, a);
      const right = getSnapshot(deps.db, b);
      // A snapshot's hash covers every record's content and split, in order: equal hashes, nothing to read.
      if (left.contentHash === right.contentHash) {
        return {
          a: snapshotSide(left),
          b: snapshotSide(right),
          identical: true,
          unchanged: right.recordCount,
          added: 0,
          removed: 0,
          changed: 0,
          samples: { added: [], removed: [], changed: [] },
        };
      }
      // Snapshots never change, so an earlier diff of the same two still holds.
      const cached = store.cachedDiffJob(a, b);
      const job = cached !== undefined ? deps.jobStore.get(cached) : await deps.jobs.outcome(deps.jobs.start('snapshot-diff', { a, b }).id);
      return resultOf(job, 'snapshot-diff');
    },
  };
}
