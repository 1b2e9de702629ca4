import type { JobStatus } from '../../../shared/jobs';
import { ETA_WARMUP_STEPS } from '../../../shared/training';
import { StudioError } from '../../../shared/result';
import { Store } from '../db/store';

export type ExperimentState = 'active' | 'paused' | 'cancelled';

export interface ExperimentRow {
  id: number;
  name: string;
  spec: unknown;
  state: ExperimentState;
  createdAt: number;
}

export interface ExperimentRunRow {
  cell: number;
  runId: number;
  settings: Record<string, unknown>;
}

/** Measured step times of one run: all of them, and those after the warm-up (the pace). */
export interface RunStepTimes {
  runId: number;
  steps: number;
  seconds: number;
  warmSteps: number;
  warmSeconds: number;
}

/** Experiments (migration 0013): the spec, what was asked of the whole, and which run trains each grid cell. */
export class ExperimentStore extends Store {
  create(name: string, spec: unknown, runs: readonly ExperimentRunRow[]): number {
    return this.transaction(() => {
      const id = Number(
        this.sql(`INSERT INTO experiments (name, spec, state, created_at) VALUES (?, ?, 'active', ?)`).run(
          name,
          JSON.stringify(spec),
          Date.now(),
        ).lastInsertRowid,
      );
      for (const r of runs) this.addRun(id, r);
      return id;
    });
  }

  addRun(experimentId: number, r: ExperimentRunRow): void {
    this.sql('INSERT INTO experiment_runs (experiment_id, cell, run_id, settings) VALUES (?, ?, ?, ?)').run(
      experimentId,
      r.cell,
      r.runId,
      JSON.stringify(r.settings),
    );
  }

  get(id: number): ExperimentRow {
    const row = this.sql<[number], { id: number; name: string; spec: string; state: ExperimentState; created_at: number }>(
      'SELECT * FROM experiments WHERE id = ?',
    ).get(id);
    if (!row) throw new StudioError('NOT_FOUND', `No experiment #${id} (see \`studio experiments\`).`);
    return { id: row.id, name: row.name, spec: JSON.parse(row.spec) as unknown, state: row.state, createdAt: row.created_at };
  }

  ids(): number[] {
    return this.value<[], number>('SELECT id FROM experiments ORDER BY id DESC').all();
  }

  setState(id: number, state: ExperimentState): void {
    this.sql('UPDATE experiments SET state = ? WHERE id = ?').run(state, id);
  }

  runs(id: number): ExperimentRunRow[] {
    return this.sql<[number], { cell: number; run_id: number; settings: string }>(
      'SELECT cell, run_id, settings FROM experiment_runs WHERE experiment_id = ? ORDER BY cell',
    )
      .all(id)
      .map((r) => ({ cell: r.cell, runId: r.run_id, settings: JSON.parse(r.settings) as Record<string, unknown> }));
  }

  /** The experiment a run belongs to, if any. */
  experimentOfRun(runId: number): number | null {
    return this.value<[number], number>('SELECT experiment_id FROM experiment_runs WHERE run_id = ?').get(runId) ?? null;
  }

  /** The experiment and grid cell a train job's run belongs to, if any (experiments/turn.ts). */
  cellOfTrainJob(jobId: number): { experimentId: number; cell: number } | null {
    return (
      this.sql<[number], { experimentId: number; cell: number }>(
        `SELECT e.experiment_id AS experimentId, e.cell FROM experiment_runs e JOIN runs r ON r.id = e.run_id WHERE r.job_id = ?`,
      ).get(jobId) ?? null
    );
  }

  /**
   * Where each cell of an experiment stands, for its turn order: its run, the
   * run's train job status and whether it ever started, and how many
   * evaluations of the run on its own suite are still to end (queued,
   * running, interrupted or held).
   */
  turnStates(id: number): { cell: number; runId: number; status: JobStatus; started: boolean; evalsOpen: number }[] {
    return this.sql<[number], { cell: number; runId: number; status: JobStatus; started: number; evalsOpen: number }>(
      `SELECT e.cell, e.run_id AS runId, j.status, j.started_at IS NOT NULL AS started,
              (SELECT count(*) FROM jobs v
               WHERE v.kind = 'eval' AND json_extract(v.params, '$.model.runId') = e.run_id
                 AND (CASE json_type(v.params, '$.suite') WHEN 'text' THEN json_extract(v.params, '$.suite')
                      ELSE json_extract(v.params, '$.suite.name') END) IS json_extract(r.config, '$.evalSuite')
                 AND v.status IN ('queued', 'running', 'interrupted', 'paused')) AS evalsOpen
       FROM experiment_runs e JOIN runs r ON r.id = e.run_id JOIN jobs j ON j.id = r.job_id
       WHERE e.experiment_id = ? ORDER BY e.cell`,
    )
      .all(id)
      .map((row) => ({ ...row, started: row.started === 1 }));
  }

  /** Per run of the experiment: its recorded step times (`step_seconds`), in total and after the warm-up steps. */
  stepTimes(id: number): RunStepTimes[] {
    return this.sql<[number, number, number], RunStepTimes>(
      `SELECT m.run_id AS runId, count(*) AS steps, sum(m.value) AS seconds,
              sum(m.step > ?) AS warmSteps, coalesce(sum(CASE WHEN m.step > ? THEN m.value END), 0) AS warmSeconds
       FROM run_metrics m JOIN experiment_runs e ON e.run_id = m.run_id
       WHERE e.experiment_id = ? AND m.name = 'step_seconds' GROUP BY m.run_id`,
    ).all(ETA_WARMUP_STEPS, ETA_WARMUP_STEPS, id);
  }

  /**
   * Wall seconds of the latest finished evaluation jobs on a suite in this
   * workspace (a basis for pricing evaluations before an experiment has
   * measured its own).
   */
  recentEvalSeconds(suite: string, limit = 20): number[] {
    return this.value<[string, number], number>(
      `SELECT (finished_at - started_at) / 1000.0 FROM jobs
       WHERE kind = 'eval' AND status = 'succeeded' AND started_at IS NOT NULL AND finished_at IS NOT NULL
         AND json_extract(params, '$.suite.name') = ? AND json_extract(params, '$.model.runId') IS NOT NULL
       ORDER BY id DESC LIMIT ?`,
    ).all(suite, limit);
  }
}
