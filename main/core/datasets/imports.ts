import { z } from 'zod';
import { ColumnMapping, FormatId, type ImportError, type ImportReport } from '../../../shared/datasets';
import { StudioError } from '../../../shared/result';
import type { Db } from '../db/open';
import { defineJobKind, type JobContext } from '../jobs/kind';
import { streamFile, type LocatedError, type ParseSummary } from './formats';
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

interface ImportRow {
  id: number;
  dataset_id: number;
  job_id: number | null;
  file: string;
  format: string | null;
  explanation: string;
  status: 'running' | 'done' | 'failed';
  rows_seen: number;
  imported: number;
  rejected: number;
  warnings: number;
  stats: string | null;
  created_at: number;
  finished_at: number | null;
}

export function importReport(db: Db, id: number, errorsOffset = 0, errorsLimit = 500): ImportReport {
  const row = db.prepare<[number], ImportRow>('SELECT * FROM imports WHERE id = ?').get(id);
  if (!row) throw new StudioError('NOT_FOUND', `There is no import #${id}.`, { id });
  const errors = db
    .prepare<[number, number, number], { file: string; line: number | null; row: number | null; field: string | null; byte_offset: number | null; code: string; severity: 'error' | 'warning'; reason: string; raw: string | null }>(
      'SELECT file, line, row, field, byte_offset, code, severity, reason, raw FROM import_errors WHERE import_id = ? ORDER BY id LIMIT ? OFFSET ?',
    )
    .all(id, errorsLimit, errorsOffset)
    .map((e): ImportError => ({ file: e.file, line: e.line, row: e.row, field: e.field, byteOffset: e.byte_offset, code: e.code, severity: e.severity, reason: e.reason, raw: e.raw }));
  const stats = row.stats ? (JSON.parse(row.stats) as { identicalSides?: number; emptySide?: number }) : {};
  return {
    id: row.id,
    datasetId: row.dataset_id,
    jobId: row.job_id,
    file: row.file,
    format: row.format,
    explanation: row.explanation,
    status: row.status,
    rowsSeen: row.rows_seen,
    imported: row.imported,
    rejected: row.rejected,
    warnings: row.warnings,
    flagged: { identical: stats.identicalSides ?? 0, empty: stats.emptySide ?? 0 },
    errors,
    errorCount: db.prepare('SELECT count(*) FROM import_errors WHERE import_id = ?').pluck().get(id) as number,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

/**
 * Writes the rows an import rejected, as they were in the file, one per line
 * (JSON rows as JSON Lines), so they can be fixed and imported again.
 */
export function rejectedRowsText(db: Db, importId: number): { text: string; count: number; file: string } {
  const row = db.prepare<[number], { file: string }>('SELECT file FROM imports WHERE id = ?').get(importId);
  if (!row) throw new StudioError('NOT_FOUND', `There is no import #${importId}.`);
  const raws = db
    .prepare(`SELECT DISTINCT coalesce(row, id) AS r, raw FROM import_errors WHERE import_id = ? AND severity = 'error' AND raw IS NOT NULL ORDER BY r`)
    .all(importId) as { r: number; raw: string }[];
  if (raws.length === 0) throw new StudioError('INVALID_ARGUMENT', `Import #${importId} rejected no rows that could be kept as text.`);
  return { text: raws.map((r) => r.raw.replace(/\r?\n/g, ' ')).join('\n') + '\n', count: raws.length, file: row.file };
}

export function listImports(db: Db, datasetId: number): ImportReport[] {
  const ids = db.prepare('SELECT id FROM imports WHERE dataset_id = ? ORDER BY id DESC').pluck().all(datasetId) as number[];
  return ids.map((id) => importReport(db, id, 0, 50));
}

/**
 * An import that never finished (the studio died mid-way) is rolled back:
 * its records are removed and it is marked failed, so a dataset never holds
 * half a file. Imports whose job still runs in another process are left alone.
 */
export function recoverImports(db: Db): number {
  const stale = db
    .prepare(
      `SELECT i.id FROM imports i LEFT JOIN jobs j ON j.id = i.job_id
       WHERE i.status = 'running' AND (j.id IS NULL OR j.status != 'running')`,
    )
    .pluck()
    .all() as number[];
  for (const id of stale) {
    const { dataset_id: datasetId, stats } = db.prepare<[number], { dataset_id: number; stats: string | null }>('SELECT dataset_id, stats FROM imports WHERE id = ?').get(id)!;
    rollBack(db, id, 'The studio stopped before this import finished; nothing from it was kept. Import the file again.');
    if (createdByImport(stats)) removeIfUnused(db, datasetId, id);
  }
  return stale.length;
}

/** Set in `imports.stats` while an import that created its dataset runs, so recovery knows the dataset is the import's own. */
const CREATED_MARK = { createdDataset: true };
const createdByImport = (stats: string | null) => stats !== null && (JSON.parse(stats) as { createdDataset?: boolean }).createdDataset === true;

/**
 * Removes a dataset an import created when nothing ended up in it: no
 * records, no snapshot and no import but this one (another import may be
 * filling it at the same time). True when it was removed.
 */
function removeIfUnused(db: Db, datasetId: number, importId: number): boolean {
  return db.transaction(() => {
    const used = db
      .prepare(
        `SELECT EXISTS (SELECT 1 FROM records WHERE dataset_id = @datasetId) OR EXISTS (SELECT 1 FROM snapshots WHERE dataset_id = @datasetId)
         OR EXISTS (SELECT 1 FROM imports WHERE dataset_id = @datasetId AND id != @importId)`,
      )
      .pluck()
      .get({ datasetId, importId }) as number;
    if (used) return false;
    db.prepare('DELETE FROM datasets WHERE id = ?').run(datasetId);
    return true;
  })();
}

function rollBack(db: Db, importId: number, reason: string): void {
  db.transaction(() => {
    db.prepare('DELETE FROM records WHERE import_id = ?').run(importId);
    db.prepare(`UPDATE imports SET status = 'failed', explanation = ?, imported = 0, finished_at = ? WHERE id = ?`).run(reason, Date.now(), importId);
  })();
}

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
  const db = store.db;
  const insertError = db.prepare(
    'INSERT INTO import_errors (import_id, file, line, row, field, byte_offset, code, severity, reason, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const storeErrors = (importId: number, errors: LocatedError[]) =>
    db.transaction(() => {
      for (const e of errors) insertError.run(importId, e.file, e.line ?? null, e.row ?? null, e.field ?? null, e.byteOffset ?? null, e.code, e.severity, e.reason, e.raw ?? null);
    })();

  /** The dataset to fill, created here when named and new, with the import's row in the same transaction. */
  const begin = (params: ImportParams, jobId: number, file: string) =>
    db.transaction(() => {
      let dataset = params.datasetId !== undefined ? store.getDataset(params.datasetId) : store.findDatasetByName(params.datasetName!);
      const created = dataset === undefined;
      dataset ??= store.createDataset(params.datasetName!);
      const importId = Number(
        db
          .prepare(`INSERT INTO imports (dataset_id, job_id, file, path, status, stats, created_at) VALUES (?, ?, ?, ?, 'running', ?, ?)`)
          .run(dataset.id, jobId, file, params.path, created ? JSON.stringify(CREATED_MARK) : null, Date.now()).lastInsertRowid,
      );
      return { dataset, created, importId };
    })();

  const { params } = ctx;
  const file = params.file ?? params.path.split(/[\\/]/).pop() ?? params.path;
  const { dataset, created, importId } = begin(params, ctx.job.id, file);
  ctx.log('info', `Importing ${params.path} into ${created ? 'new dataset' : 'dataset'} "${dataset.name}" (import #${importId}).`);
  const stallMs = importStallMs();
  const watchdog = new Watchdog(stallMs, (ms) => `The import of ${file} made no progress for ${Math.round(ms / 1000)} s (reading the file stalled), so it was stopped; nothing from it was kept.`);
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
      imported += store.insertRecords(
        dataset.id,
        importId,
        batch.records.map(fromParsed),
      );
      storeErrors(importId, batch.errors);
      const { bytesDone, bytesTotal, rowsDone } = batch.progress;
      ctx.progress(bytesTotal > 0 ? bytesDone / bytesTotal : 0, `${rowsDone.toLocaleString('en')} rows read, ${imported.toLocaleString('en')} imported`);
      step = await watchdog.race(stream.next(), ctx.signal);
    }
    const summary: ParseSummary = step.value;
    const finish = db.transaction(() => {
      db.prepare(
        `UPDATE imports SET status = 'done', container = ?, format = ?, mapping = ?, explanation = ?, rows_seen = ?, imported = ?, rejected = ?, warnings = ?, stats = ?, finished_at = ? WHERE id = ?`,
      ).run(
        summary.container,
        summary.format,
        summary.mapping ? JSON.stringify(summary.mapping) : null,
        summary.explanation,
        summary.stats.rowsSeen,
        imported,
        summary.stats.rejected,
        summary.stats.warnings,
        JSON.stringify(summary.stats),
        Date.now(),
        importId,
      );
      const done = importReport(db, importId, 0, imported === 0 ? ERRORS_IN_JOB : 0);
      // A dataset made for this import that got nothing is not left behind empty.
      const removed = created && imported === 0 && removeIfUnused(db, dataset.id, importId);
      return { done, removed };
    });
    ({ done: report, removed } = finish());
  } catch (err) {
    rollBack(db, importId, `The import stopped (${err instanceof Error ? err.message : String(err)}); nothing from it was kept.`);
    if (created) removeIfUnused(db, dataset.id, importId);
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
  return { importId, datasetId: dataset.id, imported: report.imported, rejected: report.rejected, rowsSeen: report.rowsSeen, format: report.format };
}
