/**
 * Entry of a job worker process. The supervisor sends one `run` message; the
 * worker runs that job kind's worker entry (core/jobs/registry.ts) on the
 * validated payload and reports progress, logs, events and the result. It
 * runs under child_process.fork (serve mode, CLI; messages over process IPC)
 * or as an Electron utility process (messages over `process.parentPort`). It
 * exits when the task ends or when its parent goes away, so a dead studio
 * never leaves orphaned workers.
 */
import { jobKind } from './core/jobs/registry';
import type { FromWorker, ToWorker } from './core/jobs/protocol';
import { watchParent } from './core/jobs/parent-watchdog';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

const controller = new AbortController();
let pauseRequested = false;

function send(message: FromWorker, then?: () => void): void {
  if (parentPort) {
    parentPort.postMessage(message);
    then?.();
  } else if (process.connected) {
    process.send?.(message, undefined, undefined, () => then?.());
  } else then?.();
}

function finish(message: FromWorker): void {
  send(message, () => {
    if (parentPort) process.exit(0);
    else process.disconnect?.();
  });
}

function onMessage(message: ToWorker): void {
  if (message.type === 'cancel') {
    controller.abort(new Error('cancelled'));
    return;
  }
  if (message.type === 'pause') {
    pauseRequested = true;
    return;
  }
  if (message.type !== 'run') return;
  void run(message.kind, message.payload).then(
    (result) => finish({ type: 'done', result }),
    (err: unknown) => {
      const error = err instanceof Error ? err : new Error(String(err));
      const code = controller.signal.aborted ? 'CANCELLED' : ((error as { code?: string }).code ?? 'TASK_FAILED');
      finish({ type: 'error', error: { code, message: error.message, details: { stack: error.stack } } });
    },
  );
}

async function run(kindName: string, raw: unknown): Promise<unknown> {
  const entry = jobKind(kindName)?.worker;
  if (!entry) throw Object.assign(new Error(`The worker has no entry for "${kindName}" jobs.`), { code: 'UNKNOWN_TASK' });
  const parsed = entry.payload.safeParse(raw);
  if (!parsed.success)
    throw Object.assign(new Error(`Invalid payload for a ${kindName} worker: ${parsed.error.message}`), { code: 'INVALID_ARGUMENT' });
  const task = await entry.load();
  return task(parsed.data, {
    progress: (progress, text) => send({ type: 'progress', progress, ...(text === undefined ? {} : { message: text }) }),
    log: (level, text) => send({ type: 'log', level, message: text }),
    event: (name, data) => send({ type: 'event', name, data }),
    signal: controller.signal,
    pauseRequested: () => pauseRequested,
  });
}

// A dead parent is noticed within about a second even while a computation holds the event loop.
watchParent();
if (parentPort) {
  parentPort.on('message', (e) => onMessage(e.data as ToWorker));
} else {
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m) => onMessage(m as ToWorker));
}
