/**
 * The `label-export`, `label-import` and `label-build` jobs: exporting and
 * importing a labels file and building a dataset from labels read and write a
 * row per label, seconds of
 * work at 100k pairs, so they run in a worker process (progress, cancel)
 * instead of on the thread that serves the UI. The worker opens the workspace
 * database itself.
 */
import { z } from 'zod';
import { BuildFromLabelsParams, LabelImportReport } from '../../../shared/labeling';
import { StudioError } from '../../../shared/result';
import { openDatabase } from '../db/open';
import { defineJobKind, type JobServices } from '../jobs/kind';
import type { WorkerIo } from '../jobs/protocol';
import { buildDatasetFromLabels } from './build-dataset';
import { exportLabels, importLabels } from './label-files';
import { LabelStore } from './label-store';

const Database = z.object({ dbPath: z.string().min(1), nativeBinding: z.string().optional() });

export const LabelExportParams = z.object({ queueId: z.number().int().positive(), path: z.string().min(1) });
const LabelExportPayload = Database.extend(LabelExportParams.shape);
const LabelExportResult = z.object({ count: z.number().int() });

export const LabelImportParams = z.object({ queueId: z.number().int().positive(), path: z.string().min(1) });
const LabelImportPayload = Database.extend(LabelImportParams.shape);

export const LabelBuildParams = BuildFromLabelsParams;
const LabelBuildPayload = Database.extend(LabelBuildParams.shape);
export const LabelBuildResult = z.object({
  datasetId: z.number().int(),
  snapshotId: z.number().int(),
  records: z.number().int(),
  excluded: z.object({ ties: z.number().int(), bothBad: z.number().int(), unlabeled: z.number().int(), conflicts: z.number().int() }),
});

const database = (services: JobServices) => ({
  dbPath: services.dbPath,
  ...(services.nativeBinding ? { nativeBinding: services.nativeBinding } : {}),
});

const queueName = (services: JobServices, queueId: number) => {
  try {
    return `"${new LabelStore(services.datasets.db).queueRow(queueId).name}"`;
  } catch {
    return `#${queueId}`;
  }
};

const openFor = (payload: z.infer<typeof Database>) =>
  openDatabase(payload.dbPath, payload.nativeBinding ? { nativeBinding: payload.nativeBinding } : {});

function exportTask(payload: z.infer<typeof LabelExportPayload>): Promise<z.infer<typeof LabelExportResult>> {
  const db = openFor(payload);
  try {
    return Promise.resolve(exportLabels(db, payload));
  } finally {
    db.close();
  }
}

/** Streams the file into the queue, a batch per transaction; a cancelled import keeps what it wrote (importing again skips it). */
async function importTask(payload: z.infer<typeof LabelImportPayload>, io: WorkerIo): Promise<LabelImportReport> {
  const db = openFor(payload);
  try {
    const report = await importLabels(
      db,
      { queueId: payload.queueId, path: payload.path },
      { signal: io.signal, onProgress: (fraction, message) => io.progress(fraction, message) },
    );
    io.log(
      'info',
      `${report.imported} imported, ${report.duplicates} already here, ${report.errors.length + report.moreErrors} lines rejected.`,
    );
    return report;
  } finally {
    db.close();
  }
}

/** Builds the dataset in one transaction: a cancel before it commits leaves nothing. */
function buildTask(payload: z.infer<typeof LabelBuildPayload>, io: WorkerIo): Promise<z.input<typeof LabelBuildResult>> {
  const db = openFor(payload);
  try {
    const { dbPath: _path, nativeBinding: _binding, ...args } = payload;
    const built = buildDatasetFromLabels(db, args, (fraction, message) => io.progress(fraction, message));
    io.log('info', `Dataset #${built.dataset.id} "${built.dataset.name}": ${built.records} records, snapshot #${built.snapshot.id}.`);
    return Promise.resolve({
      datasetId: built.dataset.id,
      snapshotId: built.snapshot.id,
      records: built.records,
      excluded: built.excluded,
    });
  } finally {
    db.close();
  }
}

export const labelExportJob = defineJobKind({
  kind: 'label-export',
  lane: 'io',
  params: LabelExportParams,
  result: LabelExportResult,
  title: (p, services) => `Export the labels of queue ${queueName(services, p.queueId)}`,
  worker: { payload: LabelExportPayload, result: LabelExportResult, load: () => Promise.resolve(exportTask) },
  async run(ctx) {
    new LabelStore(ctx.services.datasets.db).queueRow(ctx.params.queueId);
    return ctx.runWorker({ ...database(ctx.services), ...ctx.params });
  },
});

export const labelImportJob = defineJobKind({
  kind: 'label-import',
  lane: 'io',
  params: LabelImportParams,
  result: LabelImportReport,
  title: (p, services) => `Import labels into queue ${queueName(services, p.queueId)} from ${p.path.split(/[\\/]/).pop() ?? p.path}`,
  worker: { payload: LabelImportPayload, result: LabelImportReport, load: () => Promise.resolve(importTask) },
  async run(ctx) {
    new LabelStore(ctx.services.datasets.db).queueRow(ctx.params.queueId);
    return ctx.runWorker({ ...database(ctx.services), ...ctx.params });
  },
});

export const labelBuildJob = defineJobKind({
  kind: 'label-build',
  lane: 'io',
  params: LabelBuildParams,
  result: LabelBuildResult,
  title: (p, services) => `Build dataset "${p.datasetName}" from the labels of queue ${queueName(services, p.queueId)}`,
  worker: { payload: LabelBuildPayload, result: LabelBuildResult, load: () => Promise.resolve(buildTask) },
  async run(ctx) {
    const db = ctx.services.datasets.db;
    new LabelStore(db).queueRow(ctx.params.queueId);
    // Refused before a worker starts: the name is taken.
    if (ctx.services.datasets.findDatasetByName(ctx.params.datasetName.trim()))
      throw new StudioError('CONFLICT', `A dataset named "${ctx.params.datasetName.trim()}" already exists.`);
    return ctx.runWorker({ ...database(ctx.services), ...ctx.params });
  },
});
