import type { MetricSeries } from '../../../shared/runs';
import { Store } from '../db/store';

/** A frozen record as the snapshot diff reads it. */
export interface SnapshotEntryRow {
  ordinal: number;
  record_id: number | null;
  split: 'train' | 'test' | null;
  content: string;
}

/** The queries of the Compare page: several runs' metric columns, held-out summaries, snapshot records for a diff. */
export class CompareStore extends Store {
  /**
   * The columns of `names` for one run (every step), as runs.metrics shapes
   * them. A primary-key range per name, rows as arrays: 50 runs × 5 metrics ×
   * 2,000 steps are half a million rows, and one object per row (one query
   * for all names) took twice as long.
   */
  series(runId: number, names: readonly string[]): MetricSeries {
    const out: MetricSeries = {};
    const read = this.sql<[number, string], [number, number]>(
      'SELECT step, value FROM run_metrics WHERE run_id = ? AND name = ? ORDER BY step',
    ).raw(true);
    for (const name of new Set(names)) {
      const rows = read.all(runId, name);
      if (rows.length === 0) continue;
      const steps = new Array<number>(rows.length);
      const values = new Array<number>(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        steps[i] = row[0];
        values[i] = row[1];
      }
      out[name] = { steps, values };
    }
    return out;
  }

  /** Ids of the runs that exist among `ids`. */
  existingRuns(ids: readonly number[]): Set<number> {
    return new Set(
      this.value<[string], number>('SELECT id FROM runs WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)),
    );
  }

  /**
   * Per run and held-out metric (`eval/…`): the first and last step, the
   * last value, and the highest and lowest value with the first step each
   * was reached at. One grouped pass over the eval rows.
   */
  evalExtremes(): {
    run_id: number;
    name: string;
    final_step: number;
    final: number;
    max: number;
    max_step: number;
    min: number;
    min_step: number;
  }[] {
    return this.sql<
      [],
      { run_id: number; name: string; final_step: number; final: number; max: number; max_step: number; min: number; min_step: number }
    >(
      `WITH e AS (SELECT run_id, name, step, value FROM run_metrics WHERE name >= 'eval/' AND name < 'eval0'),
       g AS (SELECT run_id, name, max(step) AS final_step, max(value) AS max, min(value) AS min FROM e GROUP BY run_id, name)
       SELECT g.run_id, g.name, g.final_step, g.max, g.min,
         (SELECT value FROM e WHERE e.run_id = g.run_id AND e.name = g.name AND e.step = g.final_step) AS final,
         (SELECT min(step) FROM e WHERE e.run_id = g.run_id AND e.name = g.name AND e.value = g.max) AS max_step,
         (SELECT min(step) FROM e WHERE e.run_id = g.run_id AND e.name = g.name AND e.value = g.min) AS min_step
       FROM g ORDER BY g.run_id, g.name`,
    ).all();
  }

  /** Up to `limit` records of a finished snapshot from ordinal `from` on, in order. */
  snapshotEntries(snapshotId: number, from: number, limit: number): SnapshotEntryRow[] {
    return this.sql<[number, number, number], SnapshotEntryRow>(
      'SELECT ordinal, record_id, split, content FROM snapshot_records WHERE snapshot_id = ? AND ordinal >= ? ORDER BY ordinal LIMIT ?',
    ).all(snapshotId, from, limit);
  }

  /** The newest succeeded diff of these two snapshots (snapshots never change, so its result still holds). */
  cachedDiffJob(a: number, b: number): number | undefined {
    return this.value<[number, number], number>(
      `SELECT id FROM jobs WHERE kind = 'snapshot-diff' AND status = 'succeeded'
         AND json_extract(params, '$.a') = ? AND json_extract(params, '$.b') = ? ORDER BY id DESC LIMIT 1`,
    ).get(a, b);
  }
}
