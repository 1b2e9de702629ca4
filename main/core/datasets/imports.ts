import { z } from 'zod';
import { ColumnMapping, FormatId, type ImportReport } from '../../../shared/datasets';
import { StudioError } from '../../../shared/result';
import type { Db } from '../db/open';
import { defineJobKind, type JobContext } from '../jobs/kind';
import { streamFile, type ParseSummary } from './formats';
import { ImportStore } from './import-store';
import { fromParsed, type DatasetStore } from './store';

export const ImportParams = z
  .object({
    path: z.string().min(1),
    /** Import into this existing dataset… */
    datasetId: z.number().int().positive().optional(),
    /** …or into the dataset of this name, which the import creates if there is none (and removes again if it imports nothing). */
    datasetName: z.string().trim().min(1).optional(),
    /** The name shown in reports and record sources (defaults to the file's base name). */
    file: z.string().optional(),
    format: FormatId.optional(),
    mapping: ColumnMapping.optional(),
  })
  .refine((p) => (p.datasetId === undefined) !== (p.datasetName === undefined), { message: 'Give either datasetId or datasetName.' });
export type ImportParams = z.infer<typeof ImportParams>;

export function importReport(db: Db, id: number, errorsOffset = 0, errorsLimit = 500): ImportReport {
  return new ImportStore(db).report(id, errorsOffset, errorsLimit);
}

/**
 * Writes the rows an import rejected, as they were in the file, one per line
 * (JSON rows as JSON Lines), so they can be fixed and imported again.
 */
export function rejectedRowsText(db: Db, importId: number): { text: string; count: number; file: string } {
  const imports = new ImportStore(db);
  const file = imports.fileOf(importId);
  if (file === undefined) throw new StudioError('NOT_FOUND', `There is no import #${importId}.`);
  const raws = imports.rejectedRaws(importId);
  if (raws.length === 0) throw new StudioError('INVALID_ARGUMENT', `Import #${importId} rejected no rows that could be kept as text.`);
  return { text: raws.map((r) => r.raw.replace(/\r?\n/g, ' ')).join('\n') + '\n', count: raws.length, file };
}

export function listImports(db: Db, datasetId: number): ImportReport[] {
  const imports = new ImportStore(db);
  return imports.idsOfDataset(datasetId).map((id) => imports.report(id, 0, 50));
}

/**
 * An import that never finished (the studio died mid-way) is rolled back:
 * its records are removed and it is marked failed, so a dataset never holds
 * half a file. Imports whose job still runs in another process are left alone.
 */
export function recoverImports(db: Db): number {
  const imports = new ImportStore(db);
  const stale = imports.staleIds();
  for (const id of stale) {
    const { dataset_id: datasetId, stats } = imports.datasetAndStats(id)!;
    imports.rollBack(id, 'The studio stopped before this import finished; nothing from it was kept. Import the file again.');
    if (createdByImport(stats)) imports.removeDatasetIfUnused(datasetId, id);
  }
  return stale.length;
}

/** Set in `imports.stats` while an import that created its dataset runs, so recovery knows the dataset is the import's own. */
const CREATED_MARK = { createdDataset: true };
const createdByImport = (stats: string | null) =>
  stats !== null && (JSON.parse(stats) as { createdDataset?: boolean }).createdDataset === true;

/** An import whose reads stall this long (a hung disk or network mount) is stopped; STUDIO_IMPORT_STALL_SECONDS overrides. */
export const DEFAULT_IMPORT_STALL_MS = 120_000;

export function importStallMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.STUDIO_IMPORT_STALL_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_IMPORT_STALL_MS;
}

/**
 * Fails a wait that sees no sign of life for `stallMs`. Signs of life are
 * `alive()` calls (bytes read, batches stored). Time the event loop spent
 * blocked in our own parsing is not a stall: only awaited I/O can hang.
 */
export class Watchdog {
  private lastAlive = Date.now();
  private lastTick = Date.now();
  private readonly timer: NodeJS.Timeout;
  private fail: (error: Error) => void = () => {};
  /** Rejects once the watched work has stalled; never resolves. */
  readonly stalled: Promise<never>;

  constructor(
    private readonly stallMs: number,
    describe: (stalledMs: number) => string,
  ) {
    this.stalled = new Promise<never>((_, reject) => (this.fail = reject));
    this.stalled.catch(() => {}); // observed through race(); never an unhandled rejection
    const tickMs = Math.max(10, Math.min(1000, stallMs / 4));
    this.timer = setInterval(() => {
      const now = Date.now();
      // A tick over a second late means the loop itself was blocked, by work (timer jitter on a busy machine is far smaller).
      if (now - this.lastTick > tickMs + 1000) this.lastAlive = now;
      this.lastTick = now;
      if (now - this.lastAlive >= this.stallMs) {
        clearInterval(this.timer);
        this.fail(new StudioError('JOB_FAILED', describe(now - this.lastAlive)));
      }
    }, tickMs);
    this.timer.unref();
  }

  alive(): void {
    this.lastAlive = Date.now();
  }

  /** `promise`, unless the work stalls (or `signal` aborts) first. */
  async race<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason as Error);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([promise, this.stalled, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * Thrown when an import that created its dataset imported nothing: the
 * dataset is gone, so the report travels on the failed job (and the CLI
 * prints it from there).
 */
/** Problems a failed job carries (each rejected row's text cut to RAW_IN_JOB characters): job errors travel with every job list and event. */
const ERRORS_IN_JOB = 50;
const RAW_IN_JOB = 1024;

/** What a failed job's `error.details.nothingImported` holds: the import report (its first problems) of a dataset that was not kept. */
export type NothingImported = Omit<ImportReport, 'id' | 'datasetId' | 'jobId'> & { datasetName: string };

function nothingImported(report: ImportReport, datasetName: string): StudioError {
  const errors = report.errors.filter((e) => e.severity === 'error');
  const why =
    report.rowsSeen === 0
      ? (errors[0]?.reason ?? 'No rows were found.')
      : `All ${report.rowsSeen.toLocaleString('en')} rows were rejected${errors[0] ? ` (the first: ${errors[0].reason})` : '.'}`;
  const message = `Nothing was imported from ${report.file}, so no dataset "${datasetName}" was created. ${why}`;
  const { id: _id, datasetId: _datasetId, jobId: _jobId, ...rest } = report;
  const kept = report.errors.map((e) => ({ ...e, raw: e.raw === null ? null : e.raw.slice(0, RAW_IN_JOB) }));
  const details: NothingImported = { ...rest, errors: kept, datasetName };
  return new StudioError('JOB_FAILED', message, { nothingImported: details });
}

/** What a finished import job keeps: the import's id (its report has the rest) and its counts. */
export const ImportJobResult = z.object({
  importId: z.number().int(),
  datasetId: z.number().int(),
  imported: z.number().int(),
  rejected: z.number().int(),
  rowsSeen: z.number().int(),
  format: z.string().nullable(),
});
export type ImportJobResult = z.infer<typeof ImportJobResult>;

/** The import job: streams the file in batches, storing good rows and every located error as it goes. */
export const importJob = defineJobKind({
  kind: 'dataset-import',
  lane: 'io',
  params: ImportParams,
  result: ImportJobResult,
  title: (p) => `Import ${p.file ?? p.path.split(/[\\/]/).pop()}`,
  run: (ctx) => runImport(ctx.services.datasets, ctx),
});

async function runImport(store: DatasetStore, ctx: JobContext<ImportParams>): Promise<ImportJobResult> {
  const imports = new ImportStore(store.db);

  /** The dataset to fill, created here when named and new, with the import's row in the same transaction. */
  const begin = (params: ImportParams, jobId: number, file: string) =>
    store.transaction(() => {
      let dataset = params.datasetId !== undefined ? store.getDataset(params.datasetId) : store.findDatasetByName(params.datasetName!);
      const created = dataset === undefined;
      dataset ??= store.createDataset(params.datasetName!);
      const importId = imports.create(dataset.id, jobId, file, params.path, created ? JSON.stringify(CREATED_MARK) : null);
      return { dataset, created, importId };
    });

  const { params } = ctx;
  const file = params.file ?? params.path.split(/[\\/]/).pop() ?? params.path;
  const { dataset, created, importId } = begin(params, ctx.job.id, file);
  ctx.log('info', `Importing ${params.path} into ${created ? 'new dataset' : 'dataset'} "${dataset.name}" (import #${importId}).`);
  const stallMs = importStallMs();
  const watchdog = new Watchdog(
    stallMs,
    (ms) =>
      `The import of ${file} made no progress for ${Math.round(ms / 1000)} s (reading the file stalled), so it was stopped; nothing from it was kept.`,
  );
  let report: ImportReport;
  let removed: boolean;
  try {
    const stream = streamFile(params.path, {
      file,
      ...(params.format ? { format: params.format } : {}),
      ...(params.mapping ? { mapping: params.mapping } : {}),
      onRead: () => watchdog.alive(),
    });
    let imported = 0;
    let step = await watchdog.race(stream.next(), ctx.signal);
    while (!step.done) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      watchdog.alive();
      const batch = step.value;
      imported += store.insertRecords(dataset.id, importId, batch.records.map(fromParsed));
      imports.addErrors(importId, batch.errors);
      const { bytesDone, bytesTotal, rowsDone } = batch.progress;
      ctx.progress(
        bytesTotal > 0 ? bytesDone / bytesTotal : 0,
        `${rowsDone.toLocaleString('en')} rows read, ${imported.toLocaleString('en')} imported`,
      );
      step = await watchdog.race(stream.next(), ctx.signal);
    }
    const summary: ParseSummary = step.value;
    ({ done: report, removed } = imports.transaction(() => {
      imports.finish(importId, {
        container: summary.container,
        format: summary.format,
        mapping: summary.mapping ? JSON.stringify(summary.mapping) : null,
        explanation: summary.explanation,
        rowsSeen: summary.stats.rowsSeen,
        imported,
        rejected: summary.stats.rejected,
        warnings: summary.stats.warnings,
        stats: JSON.stringify(summary.stats),
      });
      const done = imports.report(importId, 0, imported === 0 ? ERRORS_IN_JOB : 0);
      // A dataset made for this import that got nothing is not left behind empty.
      const removed = created && imported === 0 && imports.removeDatasetIfUnused(dataset.id, importId);
      return { done, removed };
    }));
  } catch (err) {
    imports.rollBack(importId, `The import stopped (${err instanceof Error ? err.message : String(err)}); nothing from it was kept.`);
    if (created) imports.removeDatasetIfUnused(dataset.id, importId);
    throw err;
  } finally {
    watchdog.stop();
  }
  if (removed) throw nothingImported(report, dataset.name);
  store.touch(dataset.id);
  ctx.log(
    report.rejected > 0 ? 'warn' : 'info',
    `${report.imported} imported, ${report.rejected} rejected, ${report.warnings} warnings (${report.format ?? 'format not recognised'}).`,
  );
  return {
    importId,
    datasetId: dataset.id,
    imported: report.imported,
    rejected: report.rejected,
    rowsSeen: report.rowsSeen,
    format: report.format,
  };
}
