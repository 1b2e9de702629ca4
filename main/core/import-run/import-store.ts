/**
 * The SQL of importing a TRL run (issue 16, migration 0014): the run found by
 * its source folder (it is created by RunStore.createRun, with origin 'trl'),
 * its metrics written over by (name, step), its checkpoints with their
 * content hashes.
 */
import { Store } from '../db/store';

export interface StoredCheckpoint {
  step: number;
  path: string;
  bytes: number;
  contentHash: string | null;
}

export class ImportRunStore extends Store {
  snapshotByHash(hash: string): { id: number; name: string } | null {
    return (
      this.sql<[string], { id: number; name: string }>('SELECT id, name FROM snapshots WHERE content_hash = ? ORDER BY id LIMIT 1').get(
        hash,
      ) ?? null
    );
  }

  runBySource(dir: string): { id: number; jobId: number | null } | null {
    const row = this.sql<[string], { id: number; job_id: number | null }>('SELECT id, job_id FROM runs WHERE source_dir = ?').get(dir);
    return row ? { id: row.id, jobId: row.job_id } : null;
  }

  /** A local run's stored config (the run a TRL project was exported from), or null. */
  localRunConfig(id: number): string | null {
    return this.value<[number], string>("SELECT config FROM runs WHERE id = ? AND origin = 'local'").get(id) ?? null;
  }

  /** A re-import: the run's status follows the newest import job; the run's name and config stay as they were. */
  updateRun(id: number, r: { jobId: number; snapshotId: number | null; sourceSnapshotHash: string | null; totalSteps: number }): void {
    this.sql('UPDATE runs SET job_id = ?, snapshot_id = ?, source_snapshot_hash = ?, total_steps = ? WHERE id = ?').run(
      r.jobId,
      r.snapshotId,
      r.sourceSnapshotHash,
      r.totalSteps,
      id,
    );
  }

  metricCount(runId: number): number {
    return this.value<[number], number>('SELECT count(*) FROM run_metrics WHERE run_id = ?').get(runId) as number;
  }

  /** Writes each step's values over what the run holds for the same (name, step): a cluster job resumed from a checkpoint logs those steps again. */
  recordValues(runId: number, byStep: Map<number, Record<string, number>>): void {
    const upsert = this.sql('INSERT OR REPLACE INTO run_metrics (run_id, name, step, value) VALUES (?, ?, ?, ?)');
    for (const [step, values] of byStep) for (const [name, value] of Object.entries(values)) upsert.run(runId, name, step, value);
  }

  checkpoints(runId: number): StoredCheckpoint[] {
    return this.sql<[number], { step: number; path: string; bytes: number; content_hash: string | null }>(
      'SELECT step, path, bytes, content_hash FROM run_checkpoints WHERE run_id = ? ORDER BY step',
    )
      .all(runId)
      .map((r) => ({ step: r.step, path: r.path, bytes: r.bytes, contentHash: r.content_hash }));
  }

  putCheckpoint(runId: number, c: { step: number; epoch: number; path: string; bytes: number; contentHash: string }): void {
    this.sql(
      `INSERT INTO run_checkpoints (run_id, step, epoch, path, bytes, created_at, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, step) DO UPDATE SET epoch = excluded.epoch, path = excluded.path, bytes = excluded.bytes,
                                                content_hash = excluded.content_hash`,
    ).run(runId, c.step, c.epoch, c.path, c.bytes, Date.now(), c.contentHash);
  }

  removeCheckpoint(runId: number, step: number): void {
    this.sql('DELETE FROM run_checkpoints WHERE run_id = ? AND step = ?').run(runId, step);
  }
}
