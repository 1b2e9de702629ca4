import type { WorkerTask } from './protocol';
import { selfTest } from './self-test';

/**
 * Every task a worker process can run, by name. Heavy work (training,
 * evaluation, generation) registers here so it runs outside the process
 * that serves the UI.
 */
export const WORKER_TASKS: Record<string, WorkerTask> = {
  'self-test': selfTest,
};
