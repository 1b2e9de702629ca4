/**
 * The `trl-export` job: writes the TRL project in a worker process, since
 * reading and writing a snapshot of 100k records takes seconds of CPU that
 * must not hold the thread serving the UI. runs.exportTrl starts it and
 * waits for its result.
 */
import { z } from 'zod';
import { TrlExportResult } from '../../../shared/trl-export';
import { RunConfig } from '../../../shared/training';
import { getSnapshot } from '../datasets/snapshots';
import { openDatabase } from '../db/open';
import { defineJobKind } from '../jobs/kind';
import type { WorkerIo } from '../jobs/protocol';
import { writeTrlExport } from './trl-export';

export const TrlExportParams = z.object({
  runId: z.number().int().positive().nullable(),
  name: z.string(),
  config: RunConfig,
  snapshotId: z.number().int().positive(),
  modelName: z.string().min(1).optional(),
  out: z.string().min(1),
  /** The app's assets folder, holding trl-export/ (train.py, mmpo_loss.py, the accelerate configs). */
  assetsDir: z.string().min(1),
});
export type TrlExportParams = z.input<typeof TrlExportParams>;

const TrlExportPayload = TrlExportParams.extend({ dbPath: z.string(), nativeBinding: z.string().optional() });
type TrlExportPayload = z.output<typeof TrlExportPayload>;

export function trlExportTask(payload: TrlExportPayload, io: WorkerIo): Promise<TrlExportResult> {
  const db = openDatabase(payload.dbPath, { readonly: true, ...(payload.nativeBinding ? { nativeBinding: payload.nativeBinding } : {}) });
  try {
    io.progress(0.05, 'writing the snapshot as TRL JSONL');
    const snapshot = getSnapshot(db, payload.snapshotId);
    const { runId, name, config, modelName, out, assetsDir } = payload;
    const result = writeTrlExport(db, assetsDir, { runId, name, config, snapshot, ...(modelName ? { modelName } : {}) }, out);
    io.progress(1, `wrote ${result.files.length} files`);
    return Promise.resolve(result);
  } finally {
    db.close();
  }
}

export const trlExportJob = defineJobKind({
  kind: 'trl-export',
  lane: 'io',
  params: TrlExportParams,
  result: TrlExportResult,
  title: (p) => `Export ${p.runId !== null ? `run #${p.runId}` : p.name} for TRL`,
  worker: { payload: TrlExportPayload, result: TrlExportResult, load: () => Promise.resolve(trlExportTask) },
  async run(ctx) {
    return ctx.runWorker({
      ...ctx.params,
      dbPath: ctx.services.dbPath,
      ...(ctx.services.nativeBinding ? { nativeBinding: ctx.services.nativeBinding } : {}),
    });
  },
});
