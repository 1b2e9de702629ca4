/**
 * Comparing runs (issue 15): several runs' metric columns in one call, each
 * run's best and final held-out numbers, and what changed between two runs'
 * dataset snapshots (the `snapshot-diff` job, snapshot-diff.ts).
 */
import { higherIsBetter, packSteps, type PackedRunMetrics, type RunEvalSummary } from '../../../shared/compare';
import type { MetricSeries } from '../../../shared/runs';
import { StudioError } from '../../../shared/result';
import type { Db } from '../db/open';
import type { Handlers } from '../handlers';
import { resultOf } from '../jobs/registry';
import type { JobStore } from '../jobs/store';
import type { JobSupervisor } from '../jobs/supervisor';
import { getSnapshot } from '../datasets/snapshots';
import { CompareStore } from './compare-store';
import { snapshotSide } from './snapshot-diff';

const base64 = (array: Int32Array | Float32Array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');

/** A run's columns packed for the wire (shared/compare.ts PackedRunMetrics): steps once, values as Float32. */
export function packSeries(runId: number, series: MetricSeries): PackedRunMetrics {
  const union = new Set<number>();
  for (const column of Object.values(series)) for (const step of column.steps) union.add(step);
  const steps = [...union].sort((a, b) => a - b);
  const columns: PackedRunMetrics['columns'] = {};
  for (const [name, column] of Object.entries(series)) {
    // A column's steps are a subset of the union: as many means the same.
    const own = column.steps.length === steps.length ? {} : { steps: packSteps(column.steps, base64) };
    columns[name] = { ...own, values: base64(Float32Array.from(column.values)) };
  }
  return { runId, steps: packSteps(steps, base64), columns };
}

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

/** The runs' side of `compare.*`; the report, generations and pairs have their own modules (compare-report.ts, evals/side-by-side.ts, evals/drilldown.ts). */
type CompareMethods = 'compare.runMetrics' | 'compare.evalSummary' | 'compare.snapshotDiff';

export function compareHandlers(deps: { db: Db; jobs: JobSupervisor; jobStore: JobStore }): Pick<Handlers, CompareMethods> {
  const store = new CompareStore(deps.db);
  return {
    'compare.runMetrics': ({ ids, names }) => {
      const existing = store.existingRuns(ids);
      const missing = ids.filter((id) => !existing.has(id));
      if (missing.length) throw new StudioError('NOT_FOUND', `No run ${missing.map((id) => `#${id}`).join(', ')}.`, { ids: missing });
      return ids.map((id) => packSeries(id, store.series(id, names)));
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
