import { TERMINAL_STATUSES, type Job, type LogLevel } from '../../../shared/jobs';
import { StudioError } from '../../../shared/result';
import type { EventHub } from '../events';
import { JobPaused, type AnyJobKind, type EventHandlers, type JobContext, type JobServices } from './kind';
import type { SpawnWorker } from './protocol';
import { isJobKindName, jobKind, type JobKindName, type JobParams } from './registry';
import type { JobStore } from './store';

/**
 * Lanes limit how many jobs of a sort run at once: training and evaluation
 * share the accelerator (one at a time by default), imports and exports are
 * I/O bound, diagnostics are light.
 */
export const DEFAULT_LANE_LIMITS: Record<string, number> = { device: 1, io: 2, light: 4 };

/** The worker process died before it finished: the job is interrupted, not failed. */
export class WorkerCrashed extends Error {
  constructor(
    readonly exitCode: number | null,
    readonly exitSignal: string | null,
  ) {
    super(
      exitSignal
        ? `The worker process was killed (${exitSignal}) before it finished.`
        : `The worker process exited with code ${exitCode} before it finished.`,
    );
  }
}

/** A failure the task reported with its own code. */
class TaskFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface SupervisorOptions {
  store: JobStore;
  events: EventHub;
  /** What job handlers may use (stores, paths). */
  services: JobServices;
  spawnWorker: SpawnWorker;
  laneLimits?: Record<string, number>;
  heartbeatMs?: number;
  /** A running job whose heartbeat is older than this is considered dead on recovery. */
  staleAfterMs?: number;
  progressIntervalMs?: number;
  cancelGraceMs?: number;
  isAlive?: (pid: number) => boolean;
  /**
   * Something besides its lane a queued job may have to wait for (an
   * experiment runs its cells in order: experiments/turn.ts): why, in words,
   * or null when it may start. Asked each time the queue is looked at.
   */
  gate?: (job: Job) => string | null;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Running {
  controller: AbortController;
  lane: string;
  done: Promise<void>;
  pausable: boolean;
  pauseRequested: boolean;
  /** Workers this job has running now (to relay a pause). */
  workers: Set<{ send(message: { type: 'pause' }): void }>;
}

/**
 * Starts, queues, cancels and supervises jobs. Every state change is
 * persisted before it is announced, so a reloaded UI (or a restarted studio)
 * sees the same truth as the one that watched it happen.
 */
export class JobSupervisor {
  private readonly running = new Map<number, Running>();
  private readonly laneLimits: Record<string, number>;
  private readonly heartbeatTimer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: SupervisorOptions) {
    this.laneLimits = { ...DEFAULT_LANE_LIMITS, ...options.laneLimits };
    this.heartbeatTimer = setInterval(() => this.beat(), options.heartbeatMs ?? 2000);
    this.heartbeatTimer.unref();
  }

  /** Marks jobs of dead processes interrupted, adopts their queued jobs, then starts what can run. */
  recover(): { interrupted: Job[]; adopted: Job[] } {
    const report = this.options.store.recover(this.options.isAlive ?? processAlive, this.options.staleAfterMs ?? 30_000);
    for (const job of report.interrupted) this.announce(job);
    this.pump();
    return report;
  }

  /**
   * Queues a job of a kind in the registry and starts it if its lane has
   * room. Started inside a transaction (a run's row and its job are created
   * together), it launches once that transaction has ended: better-sqlite3
   * transactions are synchronous, so by the next microtask the job is either
   * committed and runs, or rolled back and never does.
   */
  start<K extends JobKindName>(kindName: K, params: JobParams<K>): Job {
    const kind = jobKind(kindName);
    if (!kind) throw new StudioError('INVALID_ARGUMENT', `Unknown job kind "${kindName}".`);
    const parsed = kind.params.safeParse(params);
    if (!parsed.success) {
      throw new StudioError('INVALID_ARGUMENT', `Invalid parameters for a ${kindName} job.`, { issues: parsed.error.issues });
    }
    const job = this.options.store.create({
      kind: kindName,
      title: kind.title(parsed.data, this.options.services),
      lane: kind.lane,
      params: parsed.data,
    });
    this.announce(job);
    if (this.options.store.inTransaction) {
      // Whether it has to wait is known now (and said); launching waits for the commit.
      this.pump({ launch: false });
      queueMicrotask(() => this.pump());
    } else this.pump();
    return this.options.store.get(job.id);
  }

  /**
   * Stops a job for good: a running one at once, a queued or paused one
   * before it runs again. `note` is what a job that was not running keeps as
   * the reason (a paused run: where it stopped).
   */
  cancel(id: number, note?: string): Job {
    const job = this.options.store.get(id);
    const running = this.running.get(id);
    if (running) {
      running.controller.abort(new Error('cancelled by the user'));
      return job;
    }
    if (job.status === 'running') {
      throw new StudioError('CONFLICT', `Job #${id} is running in another studio process; cancel it there.`);
    }
    const cancelled = this.options.store.transition(id, 'cancelled', {
      error: { code: 'CANCELLED', message: note ?? (job.status === 'paused' ? 'Cancelled while paused.' : 'Cancelled before it started.') },
    });
    this.announce(cancelled);
    this.pump();
    return cancelled;
  }

  /** Asks a running pausable job to stop at its next safe point; it ends `paused` and can be retried to continue. */
  pause(id: number): Job {
    const job = this.options.store.get(id);
    const running = this.running.get(id);
    if (!running) {
      if (job.status === 'running') throw new StudioError('CONFLICT', `Job #${id} is running in another studio process; pause it there.`);
      throw new StudioError('CONFLICT', `Job #${id} is ${job.status}; only a running job can be paused.`);
    }
    if (!running.pausable) throw new StudioError('INVALID_ARGUMENT', `A ${job.kind} job cannot be paused; cancel it instead.`);
    if (!running.pauseRequested) {
      running.pauseRequested = true;
      for (const worker of running.workers) worker.send({ type: 'pause' });
      this.log(id, 'info', 'Pause requested: stopping at the next safe point.');
      this.options.store.setProgress(id, job.progress, 'Pausing…');
      this.announce(this.options.store.get(id));
    }
    return this.options.store.get(id);
  }

  /** Looks at the queue again, after something a gate depends on changed (an experiment resumed). */
  reconsider(): void {
    this.pump();
  }

  retry(id: number): Job {
    const job = this.options.store.get(id);
    if (!isJobKindName(job.kind)) throw new StudioError('INVALID_ARGUMENT', `Unknown job kind "${job.kind}".`);
    const queued = this.options.store.transition(id, 'queued');
    this.log(id, 'info', `Queued again (attempt ${queued.attempt}).`);
    this.announce(queued);
    this.pump();
    return this.options.store.get(id);
  }

  /** Resolves when the job has left the running state in this process. */
  async settled(id: number): Promise<Job> {
    await this.running.get(id)?.done;
    return this.options.store.get(id);
  }

  /** Resolves when the job has stopped (succeeded, failed, cancelled, interrupted or paused), however long it queued. */
  async outcome(id: number): Promise<Job> {
    for (;;) {
      const job = await this.settled(id);
      if (TERMINAL_STATUSES.includes(job.status)) return job;
      // Still queued behind its lane: look again shortly.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Stops supervising. Pausable jobs (training) are first asked to checkpoint
   * and pause, for up to `pauseGraceMs`; whatever still runs is stopped and
   * marked interrupted. Either way it can be resumed later.
   */
  async close(pauseGraceMs = 0): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeatTimer);
    const pausable = [...this.running.entries()].filter(([, r]) => r.pausable);
    if (pauseGraceMs > 0 && pausable.length > 0) {
      for (const [id] of pausable) this.pause(id);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(pausable.map(([, r]) => r.done)),
        new Promise((resolve) => (timer = setTimeout(resolve, pauseGraceMs))),
      ]);
      clearTimeout(timer);
    }
    const pending = [...this.running.values()];
    for (const r of pending) r.controller.abort(new Error('the studio is shutting down'));
    await Promise.all(pending.map((r) => r.done));
  }

  private announce(job: Job): void {
    this.options.events.emit({ type: 'job.updated', job });
  }

  private log(jobId: number, level: LogLevel, message: string): void {
    const line = this.options.store.appendLog(jobId, level, message);
    this.options.events.emit({ type: 'job.log', line });
  }

  private beat(): void {
    if (this.running.size > 0) this.options.store.heartbeat(this.running.keys());
  }

  private laneLoad(lane: string): number[] {
    return [...this.running.entries()].filter(([, r]) => r.lane === lane).map(([id]) => id);
  }

  /** Starts every queued job whose lane has room and whose gate lets it (unless `launch` is false); tells the others why they wait. */
  private pump({ launch = true } = {}): void {
    if (this.closed) return;
    const { store } = this.options;
    for (const job of store.queued()) {
      if (this.running.has(job.id)) continue;
      const kind = jobKind(job.kind);
      if (!kind) {
        store.transition(job.id, 'running');
        this.announce(
          store.transition(job.id, 'failed', {
            error: { code: 'UNKNOWN_KIND', message: `This version of the studio cannot run "${job.kind}" jobs.` },
          }),
        );
        continue;
      }
      const busy = this.laneLoad(job.lane);
      const limit = this.laneLimits[job.lane] ?? 1;
      const held = this.options.gate?.(job) ?? null;
      if (held !== null || busy.length >= limit) {
        const reason =
          held ??
          `Waiting: the ${job.lane} lane runs ${limit} job${limit === 1 ? '' : 's'} at a time and ${busy
            .map((id) => `#${id}`)
            .join(', ')} ${busy.length === 1 ? 'is' : 'are'} running.`;
        if (job.queueReason !== reason) {
          store.setQueueReason(job.id, reason);
          this.announce(store.get(job.id));
        }
        continue;
      }
      if (launch) this.launch(job, kind);
    }
  }

  private launch(queued: Job, kind: AnyJobKind): void {
    const { store } = this.options;
    const controller = new AbortController();
    const job = store.transition(queued.id, 'running');
    this.announce(job);
    let lastProgressAt = 0;
    const intervalMs = this.options.progressIntervalMs ?? 200;

    const entry: Running = {
      controller,
      lane: job.lane,
      done: Promise.resolve(),
      pausable: kind.pausable === true,
      pauseRequested: false,
      workers: new Set(),
    };
    // Checked again as it starts: a job queued by an older studio may hold parameters this one no longer takes.
    const params = kind.params.safeParse(job.params);
    const ctx: JobContext<unknown, AnyJobKind['worker']> = {
      job,
      get pauseRequested() {
        return entry.pauseRequested;
      },
      params: params.success ? params.data : job.params,
      services: this.options.services,
      signal: controller.signal,
      progress: (fraction, message) => {
        const now = Date.now();
        if (now - lastProgressAt < intervalMs && fraction < 1) return;
        lastProgressAt = now;
        store.setProgress(job.id, fraction, message ?? null);
        this.announce(store.get(job.id));
      },
      log: (level, message) => this.log(job.id, level, message),
      runWorker: (payload, on) => this.runWorker(job, kind, payload, controller.signal, ctx, entry, on),
    };

    const done = (async () => {
      try {
        if (!params.success) throw new TaskFailed('INVALID_ARGUMENT', `Invalid parameters for a ${job.kind} job: ${params.error.message}`);
        const result = kind.result.safeParse(await kind.run(ctx));
        if (controller.signal.aborted) throw controller.signal.reason;
        if (!result.success)
          throw new TaskFailed('BAD_RESULT', `The ${job.kind} job's result does not match its schema: ${result.error.message}`);
        this.finish(job.id, 'succeeded', { result: result.data ?? null });
      } catch (err) {
        if (err instanceof JobPaused && !controller.signal.aborted) {
          this.finish(job.id, 'paused', { error: { code: 'PAUSED', message: err.message } });
        } else if (controller.signal.aborted && this.closed) {
          this.finish(job.id, 'interrupted', {
            error: { code: 'INTERRUPTED', message: 'Interrupted: the studio was closed while this job was running.' },
          });
        } else if (controller.signal.aborted) {
          const reason = controller.signal.reason instanceof Error ? controller.signal.reason.message : 'cancelled';
          this.finish(job.id, 'cancelled', { error: { code: 'CANCELLED', message: `Cancelled: ${reason}.` } });
        } else if (err instanceof WorkerCrashed) {
          this.finish(job.id, 'interrupted', {
            error: { code: 'WORKER_CRASHED', message: err.message, details: { exitCode: err.exitCode, signal: err.exitSignal } },
          });
        } else if (err instanceof TaskFailed) {
          this.finish(job.id, 'failed', { error: { code: err.code, message: err.message, details: err.details } });
        } else if (err instanceof StudioError) {
          this.finish(job.id, 'failed', { error: err.toShape() });
        } else {
          const message = err instanceof Error ? err.message : String(err);
          this.finish(job.id, 'failed', { error: { code: 'JOB_FAILED', message } });
        }
      } finally {
        this.running.delete(job.id);
        this.pump();
      }
    })();
    entry.done = done;
    this.running.set(job.id, entry);
  }

  private finish(
    id: number,
    status: 'succeeded' | 'failed' | 'cancelled' | 'interrupted' | 'paused',
    patch: Parameters<JobStore['transition']>[2],
  ): void {
    const job = this.options.store.transition(id, status, patch);
    const error = job.error;
    this.log(
      id,
      status === 'succeeded' || status === 'paused' ? 'info' : status === 'failed' ? 'error' : 'warn',
      error ? `${status}: ${error.message}` : status,
    );
    this.announce(job);
  }

  private runWorker(
    job: Job,
    kind: AnyJobKind,
    payload: unknown,
    signal: AbortSignal,
    ctx: JobContext<unknown, AnyJobKind['worker']>,
    entry: Running,
    on: EventHandlers<Record<string, unknown>> = {},
  ): Promise<unknown> {
    const jobId = job.id;
    const workerEntry = kind.worker;
    if (!workerEntry) return Promise.reject(new Error(`A ${job.kind} job has no worker entry (registry.ts).`));
    return new Promise((resolve, reject) => {
      const worker = this.options.spawnWorker(job.kind);
      entry.workers.add(worker);
      let outcome: { ok: true; value: unknown } | { ok: false; error: Error } | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      this.options.store.heartbeat([jobId]);
      if (worker.pid !== undefined) this.setWorkerPid(jobId, worker.pid);

      const onAbort = () => {
        worker.send({ type: 'cancel' });
        killTimer = setTimeout(() => worker.kill(), this.options.cancelGraceMs ?? 3000);
        killTimer.unref();
      };
      signal.addEventListener('abort', onAbort, { once: true });

      worker.onMessage((message) => {
        switch (message.type) {
          case 'progress':
            ctx.progress(message.progress, message.message);
            break;
          case 'log':
            ctx.log(message.level, message.message);
            break;
          case 'event':
            try {
              on[message.name]?.(message.data);
            } catch (err) {
              ctx.log('error', `Could not record the worker's ${message.name}: ${err instanceof Error ? err.message : String(err)}`);
            }
            break;
          case 'done': {
            // The result crossed a process boundary: it is checked against the entry's schema here.
            const result = workerEntry.result.safeParse(message.result);
            outcome = result.success
              ? { ok: true, value: result.data }
              : {
                  ok: false,
                  error: new TaskFailed('BAD_RESULT', `The ${job.kind} worker's result does not match its schema: ${result.error.message}`),
                };
            break;
          }
          case 'error':
            outcome = { ok: false, error: new TaskFailed(message.error.code, message.error.message, message.error.details) };
            break;
        }
      });
      worker.onStderr((text) => {
        for (const line of text.split('\n')) if (line.trim()) ctx.log('warn', `[worker stderr] ${line}`);
      });
      worker.onExit((code, exitSignal) => {
        entry.workers.delete(worker);
        signal.removeEventListener('abort', onAbort);
        if (killTimer) clearTimeout(killTimer);
        if (outcome?.ok) resolve(outcome.value);
        else if (outcome) reject(outcome.error);
        else reject(new WorkerCrashed(code, exitSignal));
      });
      worker.send({ type: 'run', kind: job.kind, payload });
      if (entry.pauseRequested) worker.send({ type: 'pause' });
    });
  }

  private setWorkerPid(jobId: number, pid: number): void {
    // Recorded for diagnostics ("which process was it?") and for crash reports.
    this.options.store.setWorkerPid(jobId, pid);
  }
}
