/**
 * A run's evaluations as stored: which steps are due and what each eval job
 * stored. Read by the run page, Compare's report job and experiments; apart
 * from run-evals.ts, which queues the jobs through the supervisor (and so
 * imports the job-kind registry that the report job is part of).
 */
import { EvalJobResult, EvalParams } from '../../../shared/evals';
import type { Job } from '../../../shared/jobs';
import type { Run, RunEvalPoint } from '../../../shared/runs';
import { runSchedule, stepsPerEpoch, workAfterStep } from '../../../shared/training';
import { EvalStore } from '../evals/eval-store';
import type { RunStore } from './store';

/** The steps of a run to evaluate: 0 once it has started, and each checkpoint on disk that its schedule wrote (not a pause's). */
export function dueEvalSteps(run: Run, checkpointSteps: readonly number[]): number[] {
  if (run.startedAt === null) return [];
  const schedule = runSchedule(run.config, {
    totalSteps: run.totalSteps,
    stepsPerEpoch: stepsPerEpoch(run.trainPairs, run.config),
    testPairs: run.testPairs,
  });
  const scheduled = checkpointSteps.filter((step) => step > 0 && workAfterStep(step, schedule).checkpoint);
  return [0, ...scheduled.sort((a, b) => a - b)];
}

/** What an eval job evaluated: the run step and the suite's name. */
export function evalTarget(job: Job): { step: number; suite: string } | null {
  const params = EvalParams.safeParse(job.params);
  if (!params.success || !('runId' in params.data.model)) return null;
  const suite = params.data.suite;
  return { step: params.data.model.step, suite: typeof suite === 'string' ? suite : (suite.name ?? 'custom') };
}

/** A run's evaluations by step, each with the results its job has stored (all of them once it succeeded). */
export function runEvalPoints(runs: RunStore, runId: number): RunEvalPoint[] {
  const store = new EvalStore(runs.db);
  const points: RunEvalPoint[] = [];
  for (const job of runs.evalJobs(runId)) {
    const target = evalTarget(job);
    if (!target) continue;
    const result = job.status === 'succeeded' ? EvalJobResult.safeParse(job.result) : null;
    // Cached items were stored by another job (or run): the job's result names them; its own partial results carry its id.
    const ids = result?.success ? result.data.items.map((i) => i.resultId) : [];
    points.push({ ...target, jobId: job.id, status: job.status, error: job.error, results: store.ofJob(job.id, ids) });
  }
  return points.sort((a, b) => a.step - b.step || a.jobId - b.jobId);
}
