import type { MetricSeries } from '../../../shared/runs';
import { Store } from '../db/store';

/** Numbers as the bytes of a float64 array (this machine's byte order: little-endian on every platform the studio ships for). */
function packFloats(numbers: readonly number[]): Buffer {
  const floats = Float64Array.from(numbers);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
}

/** The numbers packFloats stored (copied out: a blob's bytes need not be 8-byte aligned). */
function unpackFloats(bytes: Buffer): number[] {
  const floats = new Float64Array(bytes.byteLength / 8);
  new Uint8Array(floats.buffer).set(bytes);
  // An indexed copy: Array.from's iterator over a typed array is several times slower (as in shared/compare.ts).
  const out = new Array<number>(floats.length);
  for (let i = 0; i < floats.length; i++) out[i] = floats[i]!;
  return out;
}

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
   * them. A column is read from its packed copy (run_metric_columns: two
   * float64 blobs) when there is one, else as a primary-key range of rows —
   * 50 runs × 5 metrics × 2,000 steps are half a million rows, about 300 ms,
   * against 13 ms as copies — and then packed for the next read, unless the
   * run is training (its next step would discard the copy at once) or this
   * connection cannot write. Migration 0015's triggers discard a copy on any
   * write to its rows, so a copy always equals the rows.
   */
  series(runId: number, names: readonly string[]): MetricSeries {
    const out: MetricSeries = {};
    const packed = this.sql<[number, string], { steps: Buffer; vals: Buffer }>(
      'SELECT steps, vals FROM run_metric_columns WHERE run_id = ? AND name = ?',
    );
    const read = this.sql<[number, string], [number, number]>(
      'SELECT step, value FROM run_metrics WHERE run_id = ? AND name = ? ORDER BY step',
    ).raw(true);
    const unpacked: string[] = [];
    for (const name of new Set(names)) {
      const copy = packed.get(runId, name);
      if (copy) {
        out[name] = { steps: unpackFloats(copy.steps), values: unpackFloats(copy.vals) };
        continue;
      }
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
      unpacked.push(name);
    }
    if (unpacked.length)
      this.pack(
        runId,
        unpacked.map((name) => [name, out[name]!] as const),
      );
    return out;
  }

  /**
   * Stores packed copies of a run's columns, when the run is not training and
   * the write lock is free now: a read never waits on a writer (the copy is
   * then made on a later read).
   */
  private pack(runId: number, columns: readonly (readonly [string, MetricSeries[string]])[]): void {
    if (this.db.readonly) return;
    const status = this.value<[number], string | null>(
      'SELECT j.status FROM runs r LEFT JOIN jobs j ON j.id = r.job_id WHERE r.id = ?',
    ).get(runId);
    if (status === 'running' || status === 'queued') return;
    const insert = this.sql('INSERT OR REPLACE INTO run_metric_columns (run_id, name, steps, vals) VALUES (?, ?, ?, ?)');
    const timeout = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    try {
      this.transaction(() => {
        for (const [name, column] of columns) insert.run(runId, name, packFloats(column.steps), packFloats(column.values));
      });
    } catch (err) {
      if (!(err instanceof Error && 'code' in err && String(err.code).startsWith('SQLITE_BUSY'))) throw err;
    } finally {
      this.db.pragma(`busy_timeout = ${timeout}`);
    }
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
