/**
 * Evaluation during training (issue 14 item 7). A run whose `evalSuite` is
 * set gets an `eval` job for its starting model (step 0) once it has started,
 * and one for each scheduled checkpoint as the trainer reports it. The jobs
 * queue on the device lane behind the run, so scoring never slows or
 * interleaves with training: they run when the device is free (after the run
 * ends, or while it is paused), one at a time, and every item already
 * evaluated for the same model, data and settings comes from the cache.
 *
 * Each (run, step, suite) is evaluated once: before queueing, the run's eval
 * jobs are looked up in the database, so a resumed run (which reports its
 * checkpoints again) or a restarted studio queues nothing twice. A pause's
 * own checkpoint is not evaluated (a paused and resumed run gets the same
 * points as one that ran straight through). A cancelled run's queued evals
 * still run: its checkpoints stay, and cancel them on the Jobs page to free
 * the device sooner.
 */
import type { Suite } from '../../../shared/evals';
import type { Run } from '../../../shared/runs';
import type { EventHub } from '../events';
import type { JobStore } from '../jobs/store';
import type { JobSupervisor } from '../jobs/supervisor';
import type { RunStore } from './store';
import { dueEvalSteps, evalTarget } from './run-eval-points';

export interface RunEvalsDeps {
  runs: RunStore;
  jobs: JobSupervisor;
  jobStore: JobStore;
  events: EventHub;
  /** A suite by name (throws a StudioError naming the known ones when there is none). */
  suite: (name: string) => Suite;
}

/**
 * Queues the evaluations a run's `evalSuite` asks for whenever the run
 * changes (it started, a checkpoint was written), after retrying those a
 * stopped studio interrupted. Returns the unsubscribe.
 */
export function watchRunEvals(deps: RunEvalsDeps): () => void {
  const { runs, jobs, jobStore, events } = deps;
  // What was last handled per run (its start and checkpoint steps): run.updated also follows every progress tick.
  const handled = new Map<number, string>();

  // Said in the run's own log (its train job's), where the run page and `studio train` show it.
  const log = (run: Run, level: 'info' | 'warn', message: string) => {
    events.emit({ type: 'job.log', line: jobStore.appendLog(run.jobId, level, message) });
  };

  const queue = (run: Run) => {
    const suiteName = run.config.evalSuite;
    if (suiteName === null) return;
    const due = dueEvalSteps(
      run,
      runs.checkpoints(run.id).map((c) => c.step),
    );
    const signature = due.join(',');
    if (handled.get(run.id) === signature) return;
    handled.set(run.id, signature);
    const queued = new Set(
      runs
        .evalJobs(run.id)
        .map(evalTarget)
        .filter((t) => t?.suite === suiteName)
        .map((t) => t!.step),
    );
    const missing = due.filter((step) => !queued.has(step));
    if (missing.length === 0) return;
    let suite: Suite;
    try {
      suite = deps.suite(suiteName);
    } catch (err) {
      log(run, 'warn', `Evaluation on suite "${suiteName}" skipped: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    for (const step of missing) {
      const job = jobs.start('eval', { model: { runId: run.id, step }, suite: { name: suite.name, items: suite.items } });
      log(run, 'info', `Queued evaluation of step ${step} on suite "${suite.name}" (job #${job.id}).`);
    }
  };

  // An evaluation the last studio was closed (or died) under is queued again; one whose worker crashed (out of
  // memory) is left for a person to retry, so it cannot fail at every start.
  for (const job of jobStore.list({ status: ['interrupted'], limit: 1000 })) {
    const runId = (job.params as { model?: { runId?: number } } | null)?.model?.runId;
    if (job.kind !== 'eval' || job.error?.code !== 'INTERRUPTED' || runId === undefined) continue;
    let run: Run;
    try {
      run = runs.getRun(runId);
    } catch {
      continue; // its run is gone: nothing links the evaluation any more
    }
    if (run.config.evalSuite === null) continue;
    jobs.retry(job.id);
    log(run, 'info', `Queued the evaluation job #${job.id} again: the studio had stopped while it ran.`);
  }

  return events.subscribe((event) => {
    if (event.type !== 'run.updated') return;
    const run = event.run;
    // After the code that announced the change has finished: a train job announces its start before the
    // supervisor counts it as running, and an eval job started inside that announcement would take the device lane.
    queueMicrotask(() => {
      try {
        queue(run);
      } catch (err) {
        // The event hub swallows a listener's errors: say it where the run's log shows it.
        log(run, 'warn', `Could not queue the run's evaluations: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  });
}
