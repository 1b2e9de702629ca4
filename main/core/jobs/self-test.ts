import { z } from 'zod';
import type { WorkerTask } from './protocol';

export const SelfTestParams = z.object({
  steps: z.number().int().min(1),
  stepMs: z.number().int().min(0),
  failAtStep: z.number().int().min(1).optional(),
});
export type SelfTestParams = z.infer<typeof SelfTestParams>;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });

/**
 * The job pipeline self-test: a worker that does a fixed number of timed
 * steps, reporting progress and logging as real work does. It exercises the
 * whole path (fork, messages, persistence, events, cancel, crash recovery)
 * and lets a user check the studio's plumbing from the UI.
 */
export const selfTest: WorkerTask = async (payload, io) => {
  const params = SelfTestParams.parse(payload);
  io.log('info', `Self-test started in worker process ${process.pid}: ${params.steps} steps of ${params.stepMs} ms.`);
  for (let step = 1; step <= params.steps; step++) {
    await sleep(params.stepMs, io.signal);
    if (params.failAtStep === step) throw new Error(`Self-test failed on purpose at step ${step}.`);
    io.progress(step / params.steps, `step ${step} of ${params.steps}`);
    if (step % Math.max(1, Math.floor(params.steps / 5)) === 0) io.log('info', `Reached step ${step}.`);
  }
  return { steps: params.steps, workerPid: process.pid };
};
