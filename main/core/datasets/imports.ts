import { z } from 'zod';
import { ColumnMapping, FormatId, type ImportError, type ImportReport } from '../../../shared/datasets';
import { StudioError } from '../../../shared/result';
import type { Db } from '../db/open';
import type { JobKind } from '../jobs/supervisor';
import { streamFile, type LocatedError, type ParseSummary } from './formats';
import { fromParsed, type DatasetStore } from './store';

export const ImportParams = z.object({
  path: z.string().min(1),
  datasetId: z.number().int().positive(),
  /** The name shown in reports and record sources (defaults to the file's base name). */
  file: z.string().optional(),
  format: FormatId.optional(),
  mapping: ColumnMapping.optional(),
});
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
  if (!row) throw new Error(`There is no import #${id}.`);
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
  for (const id of stale) rollBack(db, id, 'The studio stopped before this import finished; nothing from it was kept. Import the file again.');
  return stale.length;
}

function rollBack(db: Db, importId: number, reason: string): void {
  db.transaction(() => {
    db.prepare('DELETE FROM records WHERE import_id = ?').run(importId);
    db.prepare(`UPDATE imports SET status = 'failed', explanation = ?, imported = 0, finished_at = ? WHERE id = ?`).run(reason, Date.now(), importId);
  })();
}

/** The import job: streams the file in batches, storing good rows and every located error as it goes. */
export function importJobKind(store: DatasetStore): JobKind<ImportParams> {
  const db = store.db;
  const insertError = db.prepare(
    'INSERT INTO import_errors (import_id, file, line, row, field, byte_offset, code, severity, reason, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const storeErrors = (importId: number, errors: LocatedError[]) =>
    db.transaction(() => {
      for (const e of errors) insertError.run(importId, e.file, e.line ?? null, e.row ?? null, e.field ?? null, e.byteOffset ?? null, e.code, e.severity, e.reason, e.raw ?? null);
    })();

  return {
    kind: 'dataset-import',
    lane: 'io',
    params: ImportParams,
    title: (p) => `Import ${p.file ?? p.path.split(/[\\/]/).pop()}`,
    async run(ctx) {
      const { params } = ctx;
      const dataset = store.getDataset(params.datasetId);
      const file = params.file ?? params.path.split(/[\\/]/).pop() ?? params.path;
      const importId = Number(
        db
          .prepare(`INSERT INTO imports (dataset_id, job_id, file, path, status, created_at) VALUES (?, ?, ?, ?, 'running', ?)`)
          .run(dataset.id, ctx.job.id, file, params.path, Date.now()).lastInsertRowid,
      );
      ctx.log('info', `Importing ${params.path} into "${dataset.name}" (import #${importId}).`);
      try {
        const stream = streamFile(params.path, {
          file,
          ...(params.format ? { format: params.format } : {}),
          ...(params.mapping ? { mapping: params.mapping } : {}),
        });
        let imported = 0;
        let step = await stream.next();
        while (!step.done) {
          if (ctx.signal.aborted) throw ctx.signal.reason;
          const batch = step.value;
          imported += store.insertRecords(
            dataset.id,
            importId,
            batch.records.map(fromParsed),
          );
          storeErrors(importId, batch.errors);
          const { bytesDone, bytesTotal, rowsDone } = batch.progress;
          ctx.progress(bytesTotal > 0 ? bytesDone / bytesTotal : 0, `${rowsDone.toLocaleString('en')} rows read, ${imported.toLocaleString('en')} imported`);
          step = await stream.next();
        }
        const summary: ParseSummary = step.value;
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
        store.touch(dataset.id);
        const report = importReport(db, importId, 0, 0);
        ctx.log(
          report.rejected > 0 ? 'warn' : 'info',
          `${report.imported} imported, ${report.rejected} rejected, ${report.warnings} warnings (${summary.format ?? 'format not recognised'}).`,
        );
        return { importId, datasetId: dataset.id, imported: report.imported, rejected: report.rejected, rowsSeen: report.rowsSeen, format: report.format };
      } catch (err) {
        rollBack(db, importId, `The import stopped (${err instanceof Error ? err.message : String(err)}); nothing from it was kept.`);
        throw err;
      }
    },
  };
}
