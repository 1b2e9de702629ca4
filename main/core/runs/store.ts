import { StudioError } from '../../../shared/result';
import type { Job } from '../../../shared/jobs';
import type { CheckpointEntry, MetricPoint, MetricSeries, ModelEntry, Run } from '../../../shared/runs';
import { effectiveBatchSize, ETA_WARMUP_STEPS, RunConfig } from '../../../shared/training';
import type { Db } from '../db/open';
import { Store } from '../db/store';
import type { JobStore } from '../jobs/store';

interface ModelRow {
  id: number;
  name: string;
  path: string;
  origin: ModelEntry['origin'];
  model_type: string;
  parameters: number;
  hidden_size: number;
  num_layers: number;
  vocab_size: number;
  has_chat_template: number;
  created_at: number;
}

const toModel = (r: ModelRow): ModelEntry => ({
  id: r.id,
  name: r.name,
  path: r.path,
  origin: r.origin,
  modelType: r.model_type,
  parameters: r.parameters,
  hiddenSize: r.hidden_size,
  numLayers: r.num_layers,
  vocabSize: r.vocab_size,
  hasChatTemplate: r.has_chat_template === 1,
  createdAt: r.created_at,
});

interface RunRow {
  id: number;
  name: string;
  job_id: number | null;
  config: string;
  model_id: number | null;
  model_name: string;
  model_hash: string | null;
  train_pairs: number;
  test_pairs: number;
  total_steps: number;
  backend: string | null;
  app_version: string;
  dir: string;
  rerun_of: number | null;
  created_at: number;
  origin: 'local' | 'trl';
  source_dir: string | null;
  source_snapshot_hash: string | null;
  // Null for an imported run whose snapshot is not in this workspace (migration 0014).
  snapshot_id: number | null;
  snapshot_name: string | null;
  snapshot_hash: string | null;
  dataset_name: string | null;
}

export interface NewRun {
  name: string;
  jobId: number | null;
  config: RunConfig;
  modelId: number | null;
  modelName: string;
  /** Null only for an imported run whose snapshot is not in this workspace (the table refuses it for a local run). */
  snapshotId: number | null;
  trainPairs: number;
  testPairs: number;
  totalSteps: number;
  appVersion: string;
  dir: string;
  rerunOf: number | null;
  /** A run trained elsewhere (migration 0014): the output folder it was imported from and the snapshot hash its export named. */
  imported?: { origin: 'trl'; sourceDir: string; sourceSnapshotHash: string | null };
}

/** One earlier run's measured pace (see RunStore.observedStepTimes). */
export interface ObservedStepTime {
  secondsPerStep: number;
  pairsPerStep: number;
  meanRecordChars: number;
}

export interface ReferenceCacheRow {
  key: string;
  modelHash: string;
  snapshotHash: string;
  settings: unknown;
  trainPairs: number;
  testPairs: number;
  path: string;
  bytes: number;
}

const RUN_SELECT = `
  SELECT r.*, s.name AS snapshot_name, s.content_hash AS snapshot_hash, d.name AS dataset_name
  FROM runs r LEFT JOIN snapshots s ON s.id = r.snapshot_id LEFT JOIN datasets d ON d.id = s.dataset_id`;

/** Models, runs, metrics, checkpoints and the reference cache in the workspace database. */
export class RunStore extends Store {
  constructor(
    db: Db,
    private readonly jobs: JobStore,
  ) {
    super(db);
  }

  // ---- models

  listModels(): ModelEntry[] {
    return this.sql<[], ModelRow>("SELECT * FROM models ORDER BY origin = 'demo' DESC, id DESC").all().map(toModel);
  }

  getModel(id: number): ModelEntry {
    const row = this.sql<[number], ModelRow>('SELECT * FROM models WHERE id = ?').get(id);
    if (!row) throw new StudioError('NOT_FOUND', `No model #${id}.`);
    return toModel(row);
  }

  findModelByPath(path: string): ModelEntry | null {
    const row = this.sql<[string], ModelRow>('SELECT * FROM models WHERE path = ?').get(path);
    return row ? toModel(row) : null;
  }

  addModel(m: Omit<ModelEntry, 'id' | 'createdAt'>): ModelEntry {
    const info = this.sql(
      `INSERT INTO models (name, path, origin, model_type, parameters, hidden_size, num_layers, vocab_size, has_chat_template, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      m.name,
      m.path,
      m.origin,
      m.modelType,
      m.parameters,
      m.hiddenSize,
      m.numLayers,
      m.vocabSize,
      m.hasChatTemplate ? 1 : 0,
      Date.now(),
    );
    return this.getModel(Number(info.lastInsertRowid));
  }

  setModelPath(id: number, path: string): void {
    this.sql('UPDATE models SET path = ? WHERE id = ?').run(path, id);
  }

  removeModel(id: number): boolean {
    return this.sql('DELETE FROM models WHERE id = ?').run(id).changes > 0;
  }

  // ---- runs

  createRun(r: NewRun): number {
    const info = this.sql(
      `INSERT INTO runs (name, job_id, config, model_id, model_name, snapshot_id, train_pairs, test_pairs, total_steps, app_version, dir, rerun_of,
                         created_at, origin, source_dir, source_snapshot_hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      r.name,
      r.jobId,
      JSON.stringify(r.config),
      r.modelId,
      r.modelName,
      r.snapshotId,
      r.trainPairs,
      r.testPairs,
      r.totalSteps,
      r.appVersion,
      r.dir,
      r.rerunOf,
      Date.now(),
      r.imported?.origin ?? 'local',
      r.imported?.sourceDir ?? null,
      r.imported?.sourceSnapshotHash ?? null,
    );
    return Number(info.lastInsertRowid);
  }

  setRunJob(id: number, jobId: number): void {
    this.sql('UPDATE runs SET job_id = ? WHERE id = ?').run(jobId, id);
  }

  setRunDir(id: number, dir: string): void {
    this.sql('UPDATE runs SET dir = ? WHERE id = ?').run(dir, id);
  }

  setProvenance(id: number, p: { modelHash: string; backend: string }): void {
    this.sql('UPDATE runs SET model_hash = ?, backend = ? WHERE id = ?').run(p.modelHash, p.backend, id);
  }

  runIdOfJob(jobId: number): number | null {
    return (this.value('SELECT id FROM runs WHERE job_id = ?').get(jobId) as number | undefined) ?? null;
  }

  getRun(id: number): Run {
    const row = this.sql<[number], RunRow>(`${RUN_SELECT} WHERE r.id = ?`).get(id);
    if (!row) throw new StudioError('NOT_FOUND', `No run #${id}.`);
    return this.toRun(row);
  }

  listRuns(): Run[] {
    return this.sql<[], RunRow>(`${RUN_SELECT} ORDER BY r.id DESC`)
      .all()
      .map((r) => this.toRun(r));
  }

  private toRun(r: RunRow): Run {
    // job_id is set in the transaction that creates the run (runs/service.ts); a null one is never seen outside it.
    const job = r.job_id === null ? null : this.jobs.get(r.job_id);
    return {
      id: r.id,
      name: r.name,
      jobId: r.job_id ?? 0,
      attempt: job?.attempt ?? 0,
      status: job?.status ?? 'queued',
      queueReason: job?.status === 'queued' ? job.queueReason : null,
      error: job?.error ?? null,
      config: RunConfig.parse(JSON.parse(r.config)),
      modelId: r.model_id,
      modelName: r.model_name,
      modelHash: r.model_hash,
      snapshotId: r.snapshot_id ?? 0,
      snapshotName: r.snapshot_name ?? 'not in this workspace',
      snapshotHash: r.snapshot_hash ?? r.source_snapshot_hash ?? '',
      datasetName: r.dataset_name ?? '',
      trainPairs: r.train_pairs,
      testPairs: r.test_pairs,
      totalSteps: r.total_steps,
      step: this.lastStep(r.id),
      progressMessage: job?.progressMessage ?? null,
      backend: r.backend,
      appVersion: r.app_version,
      dir: r.dir,
      latest: this.latest(r.id),
      createdAt: r.created_at,
      startedAt: job?.startedAt ?? null,
      finishedAt: job?.finishedAt ?? null,
      rerunOf: r.rerun_of,
      ...(r.origin === 'trl'
        ? {
            imported: {
              origin: r.origin,
              sourceDir: r.source_dir ?? '',
              snapshotHash: r.source_snapshot_hash,
              snapshotMatched: r.snapshot_id !== null,
            },
          }
        : {}),
    };
  }

  // ---- metrics

  lastStep(runId: number): number {
    return (this.value("SELECT max(step) FROM run_metrics WHERE run_id = ? AND name = 'loss'").get(runId) as number | null) ?? 0;
  }

  /** Records one step's values (replacing any from an earlier attempt of the same step). */
  recordMetrics(runId: number, step: number, values: Record<string, number>): MetricPoint[] {
    const insert = this.sql('INSERT OR REPLACE INTO run_metrics (run_id, name, step, value) VALUES (?, ?, ?, ?)');
    const points: MetricPoint[] = [];
    this.transaction(() => {
      for (const [name, value] of Object.entries(values)) {
        if (!Number.isFinite(value)) continue;
        insert.run(runId, name, step, value);
        points.push({ step, name, value });
      }
    });
    return points;
  }

  recordWeights(runId: number, step: number, weights: number[]): void {
    this.sql('INSERT OR REPLACE INTO run_weights (run_id, step, weights) VALUES (?, ?, ?)').run(runId, step, JSON.stringify(weights));
  }

  /** Forgets what was recorded after `step` (a resume from the checkpoint at `step` will record it again). */
  truncateAfter(runId: number, step: number): void {
    this.transaction(() => {
      this.sql('DELETE FROM run_metrics WHERE run_id = ? AND step > ?').run(runId, step);
      this.sql('DELETE FROM run_weights WHERE run_id = ? AND step > ?').run(runId, step);
    });
  }

  /**
   * Each metric's value at its last step. The names are walked one seek at a
   * time down the (run_id, name, step) key, and each one's last row is one
   * more: a GROUP BY would read every row of the run (runs.list of 50 runs of
   * 2,000 steps took 125 ms that way, 1.3 ms this way).
   */
  latest(runId: number): Record<string, number> {
    const rows = this.sql<[{ run: number }], { name: string; value: number }>(
      `WITH RECURSIVE names (name) AS (
         SELECT min(name) FROM run_metrics WHERE run_id = @run
         UNION ALL
         SELECT (SELECT min(name) FROM run_metrics WHERE run_id = @run AND name > names.name) FROM names WHERE names.name IS NOT NULL
       )
       SELECT name, (SELECT value FROM run_metrics WHERE run_id = @run AND name = names.name ORDER BY step DESC LIMIT 1) AS value
       FROM names WHERE name IS NOT NULL`,
    ).all({ run: runId });
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  }

  series(runId: number, afterStep = 0): MetricSeries {
    const out: MetricSeries = {};
    const rows = this.sql<[number, number], { name: string; step: number; value: number }>(
      'SELECT name, step, value FROM run_metrics WHERE run_id = ? AND step > ? ORDER BY name, step',
    ).all(runId, afterStep);
    for (const r of rows) {
      const s = (out[r.name] ??= { steps: [], values: [] });
      s.steps.push(r.step);
      s.values.push(r.value);
    }
    return out;
  }

  latestWeights(runId: number): { step: number; weights: number[] } | null {
    const row = this.sql<[number], { step: number; weights: string }>(
      'SELECT step, weights FROM run_weights WHERE run_id = ? ORDER BY step DESC LIMIT 1',
    ).get(runId);
    return row ? { step: row.step, weights: JSON.parse(row.weights) as number[] } : null;
  }

  // ---- checkpoints

  /** Replaces the run's checkpoint list with what is on disk now. */
  syncCheckpoints(runId: number, entries: Omit<CheckpointEntry, 'createdAt'>[]): void {
    this.transaction(() => {
      const keep = new Set(entries.map((e) => e.step));
      for (const step of this.value('SELECT step FROM run_checkpoints WHERE run_id = ?').all(runId) as number[]) {
        if (!keep.has(step)) this.sql('DELETE FROM run_checkpoints WHERE run_id = ? AND step = ?').run(runId, step);
      }
      const upsert = this.sql(
        `INSERT INTO run_checkpoints (run_id, step, epoch, path, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, step) DO UPDATE SET epoch = excluded.epoch, path = excluded.path, bytes = excluded.bytes`,
      );
      for (const e of entries) upsert.run(runId, e.step, e.epoch, e.path, e.bytes, Date.now());
    });
  }

  checkpoints(runId: number): CheckpointEntry[] {
    return this.sql<[number], { step: number; epoch: number; path: string; bytes: number; created_at: number }>(
      'SELECT step, epoch, path, bytes, created_at FROM run_checkpoints WHERE run_id = ? ORDER BY step DESC',
    )
      .all(runId)
      .map((r) => ({ step: r.step, epoch: r.epoch, path: r.path, bytes: r.bytes, createdAt: r.created_at }));
  }

  // ---- evaluations (run-evals.ts)

  /** The `eval` jobs of a run's starting model (step 0) and checkpoints, oldest first. */
  evalJobs(runId: number): Job[] {
    return (
      this.value("SELECT id FROM jobs WHERE kind = 'eval' AND json_extract(params, '$.model.runId') = ? ORDER BY id").all(runId) as number[]
    ).map((id) => this.jobs.get(id));
  }

  // ---- reference cache

  reference(key: string): ReferenceCacheRow | null {
    const row = this.sql<
      [string],
      {
        key: string;
        model_hash: string;
        snapshot_hash: string;
        settings: string;
        train_pairs: number;
        test_pairs: number;
        path: string;
        bytes: number;
      }
    >('SELECT * FROM reference_cache WHERE key = ?').get(key);
    return row
      ? {
          key: row.key,
          modelHash: row.model_hash,
          snapshotHash: row.snapshot_hash,
          settings: JSON.parse(row.settings),
          trainPairs: row.train_pairs,
          testPairs: row.test_pairs,
          path: row.path,
          bytes: row.bytes,
        }
      : null;
  }

  /**
   * Whether reference log-probs for this model, snapshot and tokenization are
   * cached (the model's hash is known once a run of it has started).
   */
  hasReferenceFor(modelId: number, snapshotHash: string, config: Record<string, unknown>): boolean {
    const parsed = RunConfig.safeParse({ ...config, model: { kind: 'folder', path: '.' } });
    if (!parsed.success) return false;
    const { chatTemplate, maxLength, maxPromptLength } = parsed.data;
    return (
      this.sql(
        `SELECT 1 FROM reference_cache c
         WHERE c.snapshot_hash = ? AND c.model_hash IN (SELECT model_hash FROM runs WHERE model_id = ? AND model_hash IS NOT NULL)
           AND json_extract(c.settings, '$.chatTemplate') = ? AND json_extract(c.settings, '$.maxLength') = ?
           AND json_extract(c.settings, '$.maxPromptLength') = ?`,
      ).get(snapshotHash, modelId, chatTemplate ? 1 : 0, maxLength, maxPromptLength) !== undefined
    );
  }

  putReference(r: ReferenceCacheRow): void {
    this.sql(
      `INSERT OR REPLACE INTO reference_cache (key, model_hash, snapshot_hash, settings, train_pairs, test_pairs, path, bytes, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(r.key, r.modelHash, r.snapshotHash, JSON.stringify(r.settings), r.trainPairs, r.testPairs, r.path, r.bytes, Date.now());
  }

  /**
   * Wall-clock step times of the latest earlier runs of a model on a backend
   * (for the launcher's time estimate): each run's mean `step_seconds` after
   * warm-up, its pairs per step and its snapshot's mean record length.
   */
  observedStepTimes(modelId: number, backend: string | null, limit = 5): ObservedStepTime[] {
    const rows = this.sql<[number, number, string | null, string | null, number], { config: string; seconds: number; snapshot_id: number }>(
      `SELECT r.config, avg(m.value) AS seconds, r.snapshot_id FROM runs r JOIN run_metrics m ON m.run_id = r.id
       WHERE m.name = 'step_seconds' AND m.step > ? AND r.model_id = ? AND (? IS NULL OR r.backend = ?) AND r.origin = 'local'
       GROUP BY r.id HAVING count(*) >= 2 ORDER BY r.id DESC LIMIT ?`,
    ).all(ETA_WARMUP_STEPS, modelId, backend, backend, limit);
    return rows.map((r) => {
      const config = RunConfig.parse(JSON.parse(r.config));
      return { secondsPerStep: r.seconds, pairsPerStep: effectiveBatchSize(config), meanRecordChars: this.meanRecordChars(r.snapshot_id) };
    });
  }

  /** Mean tokens/s of earlier runs of a model on a backend (for time estimates). */
  observedTokensPerSecond(modelId: number, backend: string | null): number | null {
    const v = this.value(
      `SELECT avg(m.value) FROM run_metrics m JOIN runs r ON r.id = m.run_id
       WHERE m.name = 'tokens_per_second' AND r.model_id = ? AND (? IS NULL OR r.backend = ?)`,
    ).get(modelId, backend, backend) as number | null;
    return v ?? null;
  }

  /** Mean length of a snapshot's records as stored (0 when it has none). */
  meanRecordChars(snapshotId: number): number {
    return (
      this.value<[number], number | null>('SELECT avg(length(content)) FROM snapshot_records WHERE snapshot_id = ?').get(snapshotId) ?? 0
    );
  }
}
