import { z } from 'zod';
import { defineJobKind, type WorkerTask } from './kind';

export const SelfTestParams = z.object({
  steps: z.number().int().min(1),
  stepMs: z.number().int().min(0),
  failAtStep: z.number().int().min(1).optional(),
});
export type SelfTestParams = z.infer<typeof SelfTestParams>;

export const SelfTestResult = z.object({ steps: z.number().int(), workerPid: z.number().int() });
export type SelfTestResult = z.infer<typeof SelfTestResult>;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    // Every abort in the studio (supervisor, worker) passes an Error as the reason.
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });

/**
 * The job pipeline self-test: a worker that does a fixed number of timed
 * steps, reporting progress and logging as real work does. It exercises the
 * whole path (fork, messages, persistence, events, cancel, crash recovery)
 * and lets a user check the studio's plumbing from the UI.
 */
export const selfTest: WorkerTask<SelfTestParams, SelfTestResult> = async (params, io) => {
  io.log('info', `Self-test started in worker process ${process.pid}: ${params.steps} steps of ${params.stepMs} ms.`);
  for (let step = 1; step <= params.steps; step++) {
    await sleep(params.stepMs, io.signal);
    if (params.failAtStep === step) throw new Error(`Self-test failed on purpose at step ${step}.`);
    io.progress(step / params.steps, `step ${step} of ${params.steps}`);
    if (step % Math.max(1, Math.floor(params.steps / 5)) === 0) io.log('info', `Reached step ${step}.`);
  }
  return { steps: params.steps, workerPid: process.pid };
};

/** The self-test job: its whole work is the worker's, so the handler only hands the parameters on. */
export const selfTestJob = defineJobKind({
  kind: 'self-test',
  lane: 'light',
  params: SelfTestParams,
  result: SelfTestResult,
  title: (p) => `Self-test (${p.steps} steps)`,
  worker: { payload: SelfTestParams, result: SelfTestResult, load: () => Promise.resolve(selfTest) },
  run: (ctx) => ctx.runWorker(ctx.params),
});
