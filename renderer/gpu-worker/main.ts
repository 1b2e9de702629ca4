/**
 * The GPU worker page: a job worker (as main/worker.ts is for Node) inside a
 * hidden, sandboxed renderer. It gets one `run` message over its bridge, runs
 * that kind's task on the payload (checked against the kind's schema), and
 * posts progress, logs, events and the result; `cancel` aborts the task and
 * `pause` asks it to stop at its next safe point. The host closes the page
 * once the result is posted.
 */
import type { FromWorker, ToWorker } from '../../main/core/jobs/protocol';
import type { GpuBridge } from '../../main/gpu-host/protocol';
import { host } from './shims/host';
import { PAGE_TASKS } from './tasks';

/** What the host adds to the run message: the rules its paths follow and the pid temp files are named with. */
type RunMessage = ToWorker & { type: 'run'; platform?: string; workerPid?: number };

export function startGpuWorker(bridge: GpuBridge): void {
  host.bridge = bridge;
  const controller = new AbortController();
  let pauseRequested = false;
  let started = false;
  const post = (message: FromWorker) => bridge.post(message);

  const run = async (message: RunMessage): Promise<unknown> => {
    if (message.platform) host.platform = message.platform;
    if (message.workerPid) host.pid = message.workerPid;
    const task = PAGE_TASKS[message.kind];
    if (!task) throw Object.assign(new Error(`The GPU worker has no entry for "${message.kind}" jobs.`), { code: 'UNKNOWN_TASK' });
    const parsed = task.payload.safeParse(message.payload);
    if (!parsed.success) {
      throw Object.assign(new Error(`Invalid payload for a ${message.kind} worker: ${parsed.error.message}`), { code: 'INVALID_ARGUMENT' });
    }
    return task.run(parsed.data as never, {
      progress: (progress, text) => post({ type: 'progress', progress, ...(text === undefined ? {} : { message: text }) }),
      log: (level, text) => post({ type: 'log', level, message: text }),
      event: (name, data) => post({ type: 'event', name, data }),
      signal: controller.signal,
      pauseRequested: () => pauseRequested,
    });
  };

  bridge.onMessage((message: ToWorker) => {
    if (message.type === 'cancel') controller.abort(new Error('cancelled'));
    else if (message.type === 'pause') pauseRequested = true;
    else if (message.type === 'run' && !started) {
      started = true;
      run(message).then(
        (result) => post({ type: 'done', result }),
        (err: unknown) => {
          const error = err instanceof Error ? err : new Error(String(err));
          const own = (error as { code?: unknown }).code;
          const code = controller.signal.aborted ? 'CANCELLED' : typeof own === 'string' ? own : 'TASK_FAILED';
          post({ type: 'error', error: { code, message: error.message, details: { stack: error.stack } } });
        },
      );
    }
  });
}

const given = (globalThis as { gpuBridge?: GpuBridge }).gpuBridge;
if (given) startGpuWorker(given);
else console.error('The GPU worker page has no bridge (window.gpuBridge): it runs only inside the studio or its tests.');
