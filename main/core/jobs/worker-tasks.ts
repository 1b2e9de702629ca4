import type { WorkerTask } from './protocol';
import { selfTest } from './self-test';

/**
 * Every task a worker process can run, by name. Heavy work (training,
 * evaluation, generation) registers here so it runs outside the process
 * that serves the UI.
 */
export const WORKER_TASKS: Record<string, WorkerTask> = {
  'self-test': selfTest,
  // Loaded on demand: tensor code is only imported by the workers that train.
  train: async (payload, io) => (await import('../runs/train-task')).trainTask(payload, io),
  // Whole-dataset curation, kept off the process that serves requests.
  'dataset-dedupe': async (payload, io) => (await import('../datasets/curation-tasks')).dedupeTask(payload, io),
  'dataset-snapshot': async (payload, io) => (await import('../datasets/curation-tasks')).snapshotTask(payload, io),
};
