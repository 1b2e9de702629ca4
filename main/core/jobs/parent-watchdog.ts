import { Worker } from 'node:worker_threads';

/**
 * A job worker must not outlive the studio that started it: an orphan keeps
 * computing for nobody and can leave half-written files behind (a kill -9'd
 * CLI used to leave its worker scoring reference log-probs for seconds and a
 * `.tmp` in the reference cache).
 *
 * Losing the parent shows as the parent pid changing (the orphan is adopted
 * by init or a subreaper). The worker's own event loop notices that and exits
 * cleanly — but a long tensor computation can hold that loop for seconds, so
 * a watchdog on its own thread SIGKILLs the process if it is still alive
 * `graceMs` later. Stale temp files are removed by the next start.
 */
export interface ParentWatchdogOptions {
  /** How often to look at the parent pid. */
  pollMs?: number;
  /** How long the main thread gets to exit by itself before the watchdog thread kills the process. */
  graceMs?: number;
}

// Plain CommonJS evaluated on its own thread: it needs no loader and runs while the main thread is busy.
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
let goneSince = 0;
setInterval(() => {
  if (process.ppid === workerData.parentPid) return;
  goneSince = goneSince || Date.now();
  if (Date.now() - goneSince >= workerData.graceMs) process.kill(process.pid, 'SIGKILL');
}, workerData.pollMs);
`;

export function watchParent(options: ParentWatchdogOptions = {}): void {
  const parentPid = process.ppid;
  const pollMs = options.pollMs ?? 200;
  const graceMs = options.graceMs ?? 800;
  const onMainThread = setInterval(() => {
    if (process.ppid !== parentPid) process.exit(0);
  }, pollMs);
  onMainThread.unref();
  const thread = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { parentPid, pollMs, graceMs } });
  // The watchdog never keeps a finished worker alive.
  thread.unref();
}
