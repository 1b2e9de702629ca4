import { canTransition, type Job, type JobLogLine, type JobStatus, type LogLevel } from '../../../shared/jobs';
import { StudioError } from '../../../shared/result';
import type { Db } from '../db/open';
import { Store } from '../db/store';

interface JobRow {
  id: number;
  kind: string;
  title: string;
  status: JobStatus;
  lane: string;
  params: string;
  progress: number;
  progress_message: string | null;
  queue_reason: string | null;
  result: string | null;
  error: string | null;
  attempt: number;
  owner_pid: number | null;
  worker_pid: number | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  heartbeat_at: number | null;
}

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    status: row.status,
    lane: row.lane,
    params: JSON.parse(row.params),
    progress: row.progress,
    progressMessage: row.progress_message,
    queueReason: row.queue_reason,
    result: row.result === null ? null : JSON.parse(row.result),
    error: row.error === null ? null : (JSON.parse(row.error) as NonNullable<Job['error']>),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    heartbeatAt: row.heartbeat_at,
    attempt: row.attempt,
  };
}

export interface NewJob {
  kind: string;
  title: string;
  lane: string;
  params: unknown;
}

export interface TransitionPatch {
  error?: { code: string; message: string; details?: unknown } | null;
  result?: unknown;
  workerPid?: number | null;
  progress?: number;
  progressMessage?: string | null;
}

type FinalStatus = 'succeeded' | 'failed' | 'cancelled' | 'interrupted' | 'paused';
/**
 * The note a job keeps once it has ended: its last progress line ("Exporting
 * the trained model") would otherwise outlive the work it described.
 */
const FINAL_NOTES: Record<FinalStatus, string> = {
  succeeded: 'Finished.',
  failed: 'Failed.',
  cancelled: 'Cancelled.',
  interrupted: 'Interrupted.',
  paused: 'Paused.',
};

function isFinal(status: JobStatus): status is FinalStatus {
  return status in FINAL_NOTES;
}

/** Persistence of jobs and their logs. Every state change goes through `transition`. */
export class JobStore extends Store {
  constructor(
    db: Db,
    private readonly ownerPid: number = process.pid,
    private readonly now: () => number = Date.now,
  ) {
    super(db);
  }

  create(job: NewJob): Job {
    const info = this.sql(
      `INSERT INTO jobs (kind, title, status, lane, params, owner_pid, created_at)
         VALUES (@kind, @title, 'queued', @lane, @params, @owner, @now)`,
    ).run({
      kind: job.kind,
      title: job.title,
      lane: job.lane,
      params: JSON.stringify(job.params ?? null),
      owner: this.ownerPid,
      now: this.now(),
    });
    return this.get(Number(info.lastInsertRowid));
  }

  get(id: number): Job {
    const row = this.sql<[number], JobRow>('SELECT * FROM jobs WHERE id = ?').get(id);
    if (!row) throw new StudioError('NOT_FOUND', `There is no job #${id} in this workspace.`, { id });
    return toJob(row);
  }

  list(options: { status?: JobStatus[]; limit?: number } = {}): Job[] {
    const limit = options.limit ?? 100;
    if (options.status && options.status.length > 0) {
      const marks = options.status.map(() => '?').join(',');
      const rows = this.sql<unknown[], JobRow>(`SELECT * FROM jobs WHERE status IN (${marks}) ORDER BY id DESC LIMIT ?`).all(
        ...options.status,
        limit,
      );
      return rows.map(toJob);
    }
    return this.sql<[number], JobRow>('SELECT * FROM jobs ORDER BY id DESC LIMIT ?').all(limit).map(toJob);
  }

  count(): number {
    return (this.sql('SELECT count(*) AS n FROM jobs').get() as { n: number }).n;
  }

  /** Moves a job to a new status, refusing transitions the lifecycle does not allow. */
  transition(id: number, to: JobStatus, patch: TransitionPatch = {}): Job {
    return this.transaction(() => {
      const job = this.get(id);
      if (!canTransition(job.status, to)) {
        throw new StudioError('CONFLICT', `Job #${id} is ${job.status} and cannot become ${to}.`, { id, from: job.status, to });
      }
      const now = this.now();
      const sets: string[] = ['status = @to'];
      const values: Record<string, unknown> = { id, to };
      if (to === 'running') {
        sets.push('started_at = @now', 'heartbeat_at = @now', 'queue_reason = NULL', 'owner_pid = @owner');
        values.owner = this.ownerPid;
      }
      if (to === 'queued') {
        sets.push(
          'attempt = attempt + 1',
          'owner_pid = @owner',
          'progress = 0',
          'progress_message = NULL',
          'error = NULL',
          'result = NULL',
          'started_at = NULL',
          'finished_at = NULL',
          'worker_pid = NULL',
        );
        values.owner = this.ownerPid;
      }
      if (isFinal(to)) {
        sets.push('finished_at = @now', 'queue_reason = NULL');
        if (patch.progressMessage === undefined) {
          sets.push('progress_message = @finalNote');
          values.finalNote = FINAL_NOTES[to];
        }
      }
      if (to === 'succeeded') sets.push('progress = 1');
      if (patch.error !== undefined) {
        sets.push('error = @error');
        values.error = patch.error === null ? null : JSON.stringify(patch.error);
      }
      if (patch.result !== undefined) {
        sets.push('result = @result');
        values.result = JSON.stringify(patch.result);
      }
      if (patch.workerPid !== undefined) {
        sets.push('worker_pid = @workerPid');
        values.workerPid = patch.workerPid;
      }
      if (patch.progress !== undefined) {
        sets.push('progress = @progress');
        values.progress = patch.progress;
      }
      if (patch.progressMessage !== undefined) {
        sets.push('progress_message = @progressMessage');
        values.progressMessage = patch.progressMessage;
      }
      values.now = now;
      this.sql(`UPDATE jobs SET ${sets.join(', ')} WHERE id = @id`).run(values);
      return this.get(id);
    }, 'immediate');
  }

  setProgress(id: number, progress: number, message: string | null): void {
    this.sql(
      `UPDATE jobs SET progress = @progress, progress_message = @message, heartbeat_at = @now
         WHERE id = @id AND status = 'running'`,
    ).run({ id, progress: Math.min(1, Math.max(0, progress)), message, now: this.now() });
  }

  setWorkerPid(id: number, pid: number): void {
    this.sql(`UPDATE jobs SET worker_pid = ? WHERE id = ?`).run(pid, id);
  }

  setQueueReason(id: number, reason: string | null): void {
    this.sql(`UPDATE jobs SET queue_reason = ? WHERE id = ? AND status = 'queued'`).run(reason, id);
  }

  heartbeat(ids: Iterable<number>): void {
    const now = this.now();
    this.transaction(() => {
      for (const id of ids) this.sql(`UPDATE jobs SET heartbeat_at = ? WHERE id = ? AND status = 'running'`).run(now, id);
    });
  }

  appendLog(jobId: number, level: LogLevel, message: string): JobLogLine {
    return this.sql(
      `INSERT INTO job_logs (job_id, seq, at, level, message)
         SELECT @jobId, coalesce(max(seq), 0) + 1, @at, @level, @message FROM job_logs WHERE job_id = @jobId
         RETURNING job_id AS jobId, seq, at, level, message`,
    ).get({ jobId, at: this.now(), level, message }) as JobLogLine;
  }

  logs(jobId: number, afterSeq = 0, limit = 1000): JobLogLine[] {
    this.get(jobId);
    return this.sql<[number, number, number], JobLogLine>(
      `SELECT job_id AS jobId, seq, at, level, message FROM job_logs
         WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ).all(jobId, afterSeq, limit);
  }

  /** The last `count` log lines of a job, oldest first. */
  tailLogs(jobId: number, count: number): JobLogLine[] {
    this.get(jobId);
    return this.sql<[number, number], JobLogLine>(
      `SELECT * FROM (SELECT job_id AS jobId, seq, at, level, message FROM job_logs WHERE job_id = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
    ).all(jobId, count);
  }

  /** Queued jobs this process owns, oldest first. */
  queued(): Job[] {
    return this.sql<[number], JobRow>(`SELECT * FROM jobs WHERE status = 'queued' AND owner_pid = ? ORDER BY id`)
      .all(this.ownerPid)
      .map(toJob);
  }

  /**
   * After a crash: a running job whose owning process is gone, or whose
   * heartbeat has gone stale, is marked interrupted with the reason; queued
   * jobs of a dead owner are adopted so they still run. Jobs of another live
   * studio process (a CLI next to the app) are left alone.
   */
  recover(isAlive: (pid: number) => boolean, staleAfterMs: number): { interrupted: Job[]; adopted: Job[] } {
    const interrupted: Job[] = [];
    const adopted: Job[] = [];
    const now = this.now();
    this.transaction(() => {
      for (const row of this.sql<[], JobRow>(`SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY id`).all()) {
        const owner = row.owner_pid;
        if (owner === this.ownerPid) continue;
        const ownerAlive = owner !== null && isAlive(owner);
        if (row.status === 'queued') {
          if (!ownerAlive) {
            this.sql(`UPDATE jobs SET owner_pid = ? WHERE id = ? AND status = 'queued'`).run(this.ownerPid, row.id);
            adopted.push(this.get(row.id));
          }
          continue;
        }
        const lastBeat = row.heartbeat_at ?? row.started_at ?? row.created_at;
        const stale = now - lastBeat > staleAfterMs;
        if (ownerAlive && !stale) continue;
        const when = new Date(lastBeat).toISOString();
        const why = !ownerAlive
          ? `the studio process running it (pid ${owner}) stopped`
          : `its process (pid ${owner}) stopped sending heartbeats`;
        interrupted.push(
          this.transition(row.id, 'interrupted', {
            error: {
              code: 'INTERRUPTED',
              message: `Interrupted: ${why}; last heartbeat at ${when}.`,
              details: { ownerPid: owner, workerPid: row.worker_pid, lastHeartbeat: lastBeat },
            },
          }),
        );
      }
    });
    return { interrupted, adopted };
  }
}
