/**
 * The job kinds the GPU worker page runs, by name, with the payload schema
 * each is checked against: the Node worker's own task code (the train task
 * of main/core/runs, through the page's shims), plus `gpu-probe`, which says
 * what the adapter is and can score a model on it (parity checks, and what a
 * doctor page can show of the in-app GPU).
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { WorkerIo } from '../../main/core/jobs/protocol';
import { TrainPayload } from '../../main/core/runs/train-protocol';
import { trainTask } from '../../main/core/runs/train-task';
import { loadModel } from '../../main/engine';
import { bridge } from './shims/host';
import { provideSnapshot } from './shims/snapshot-db';
import { initBackend } from './backend';

export const ProbePayload = z.object({
  /** A model folder to score `sequences` with (token ids); none: the adapter only. */
  modelDir: z.string().min(1).optional(),
  sequences: z.array(z.array(z.number().int().nonnegative()).min(1)).default([]),
});

async function probeTask(payload: z.output<typeof ProbePayload>, io: WorkerIo) {
  const backend = await initBackend();
  io.log('info', backend.notes.join('; '));
  const logits: number[][][] = [];
  if (payload.modelDir) {
    const { model } = await loadModel(payload.modelDir);
    try {
      for (const ids of payload.sequences) {
        const out = model.forward(tf.tensor2d([ids], [1, ids.length], 'int32'));
        logits.push((await out.array())[0]!);
        out.dispose();
      }
    } finally {
      model.dispose();
    }
  }
  return { backend: backend.name, adapter: backend.adapter, logits };
}

async function gpuTrainTask(payload: TrainPayload, io: WorkerIo) {
  // The task reads its snapshot synchronously from a database; the page has the host read it first.
  const reply = await bridge().snapshot(payload.snapshotId);
  if (!reply.ok) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
  provideSnapshot(payload.snapshotId, reply.value);
  return trainTask(payload, io);
}

export interface PageTask {
  payload: z.ZodType;
  run(payload: never, io: WorkerIo): Promise<unknown>;
}

export const PAGE_TASKS: Record<string, PageTask> = {
  train: { payload: TrainPayload, run: gpuTrainTask },
  'gpu-probe': { payload: ProbePayload, run: probeTask },
};
