/**
 * Entry of a job worker process. The supervisor sends one `run` message; the
 * worker runs the named task and reports progress, logs and the result over
 * IPC. It exits when the task ends or when its parent goes away, so a dead
 * studio never leaves orphaned workers.
 */
import { WORKER_TASKS } from './core/jobs/worker-tasks';
import type { FromWorker, ToWorker } from './core/jobs/protocol';

const controller = new AbortController();
const send = (message: FromWorker, then?: () => void) => {
  if (process.connected) process.send?.(message, undefined, undefined, () => then?.());
  else then?.();
};
const finish = (message: FromWorker) => send(message, () => process.disconnect?.());

process.on('disconnect', () => process.exit(0));
process.on('message', (raw) => {
  const message = raw as ToWorker;
  if (message.type === 'cancel') {
    controller.abort(new Error('cancelled'));
    return;
  }
  if (message.type !== 'run') return;
  const task = WORKER_TASKS[message.task];
  if (!task) {
    finish({ type: 'error', error: { code: 'UNKNOWN_TASK', message: `The worker has no task named "${message.task}".` } });
    return;
  }
  task(message.payload, {
    progress: (progress, text) => send({ type: 'progress', progress, ...(text === undefined ? {} : { message: text }) }),
    log: (level, text) => send({ type: 'log', level, message: text }),
    signal: controller.signal,
  }).then(
    (result) => finish({ type: 'done', result }),
    (err: unknown) => {
      const error = err instanceof Error ? err : new Error(String(err));
      const code = controller.signal.aborted ? 'CANCELLED' : ((error as { code?: string }).code ?? 'TASK_FAILED');
      finish({ type: 'error', error: { code, message: error.message, details: { stack: error.stack } } });
    },
  );
});
