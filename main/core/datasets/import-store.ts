import type { ImportError, ImportReport } from '../../../shared/datasets';
import { StudioError } from '../../../shared/result';
import { Store } from '../db/store';
import type { LocatedError } from './formats';

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

type ImportErrorRow = {
  file: string;
  line: number | null;
  row: number | null;
  field: string | null;
  byte_offset: number | null;
  code: string;
  severity: 'error' | 'warning';
  reason: string;
  raw: string | null;
};

/** What a finished import records about itself. */
export interface ImportOutcome {
  container: string | null;
  format: string | null;
  mapping: string | null;
  explanation: string;
  rowsSeen: number;
  imported: number;
  rejected: number;
  warnings: number;
  stats: string;
}

/** Imports and their located errors in the workspace database. */
export class ImportStore extends Store {
  report(id: number, errorsOffset = 0, errorsLimit = 500): ImportReport {
    const row = this.sql<[number], ImportRow>('SELECT * FROM imports WHERE id = ?').get(id);
    if (!row) throw new StudioError('NOT_FOUND', `There is no import #${id}.`, { id });
    const errors = this.sql<[number, number, number], ImportErrorRow>(
      'SELECT file, line, row, field, byte_offset, code, severity, reason, raw FROM import_errors WHERE import_id = ? ORDER BY id LIMIT ? OFFSET ?',
    )
      .all(id, errorsLimit, errorsOffset)
      .map((e): ImportError => ({
        file: e.file,
        line: e.line,
        row: e.row,
        field: e.field,
        byteOffset: e.byte_offset,
        code: e.code,
        severity: e.severity,
        reason: e.reason,
        raw: e.raw,
      }));
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
      errorCount: this.value<[number], number>('SELECT count(*) FROM import_errors WHERE import_id = ?').get(id)!,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
    };
  }

  /** The file name an import read, or undefined when there is no such import. */
  fileOf(importId: number): string | undefined {
    return this.value<[number], string>('SELECT file FROM imports WHERE id = ?').get(importId);
  }

  /** The distinct rejected rows of an import that kept their raw text, in file order. */
  rejectedRaws(importId: number): { r: number; raw: string }[] {
    return this.sql<[number], { r: number; raw: string }>(
      `SELECT DISTINCT coalesce(row, id) AS r, raw FROM import_errors WHERE import_id = ? AND severity = 'error' AND raw IS NOT NULL ORDER BY r`,
    ).all(importId);
  }

  /** A dataset's imports, newest first. */
  idsOfDataset(datasetId: number): number[] {
    return this.value<[number], number>('SELECT id FROM imports WHERE dataset_id = ? ORDER BY id DESC').all(datasetId);
  }

  /** Imports still marked running whose job is not running (any more). */
  staleIds(): number[] {
    return this.value<[], number>(
      `SELECT i.id FROM imports i LEFT JOIN jobs j ON j.id = i.job_id
       WHERE i.status = 'running' AND (j.id IS NULL OR j.status != 'running')`,
    ).all();
  }

  datasetAndStats(importId: number): { dataset_id: number; stats: string | null } | undefined {
    return this.sql<[number], { dataset_id: number; stats: string | null }>('SELECT dataset_id, stats FROM imports WHERE id = ?').get(
      importId,
    );
  }

  /** Adds a running import; returns its id. */
  create(datasetId: number, jobId: number, file: string, path: string, stats: string | null): number {
    return Number(
      this.sql(`INSERT INTO imports (dataset_id, job_id, file, path, status, stats, created_at) VALUES (?, ?, ?, ?, 'running', ?, ?)`).run(
        datasetId,
        jobId,
        file,
        path,
        stats,
        Date.now(),
      ).lastInsertRowid,
    );
  }

  /** Stores located errors in one transaction. */
  addErrors(importId: number, errors: LocatedError[]): void {
    const insert = this.sql(
      'INSERT INTO import_errors (import_id, file, line, row, field, byte_offset, code, severity, reason, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.transaction(() => {
      for (const e of errors)
        insert.run(
          importId,
          e.file,
          e.line ?? null,
          e.row ?? null,
          e.field ?? null,
          e.byteOffset ?? null,
          e.code,
          e.severity,
          e.reason,
          e.raw ?? null,
        );
    });
  }

  /** Marks an import done with what it found. */
  finish(importId: number, o: ImportOutcome): void {
    this.sql(
      `UPDATE imports SET status = 'done', container = ?, format = ?, mapping = ?, explanation = ?, rows_seen = ?, imported = ?, rejected = ?, warnings = ?, stats = ?, finished_at = ? WHERE id = ?`,
    ).run(o.container, o.format, o.mapping, o.explanation, o.rowsSeen, o.imported, o.rejected, o.warnings, o.stats, Date.now(), importId);
  }

  /** Removes an import's records and marks it failed with the reason, in one transaction. */
  rollBack(importId: number, reason: string): void {
    this.transaction(() => {
      this.sql('DELETE FROM records WHERE import_id = ?').run(importId);
      this.sql(`UPDATE imports SET status = 'failed', explanation = ?, imported = 0, finished_at = ? WHERE id = ?`).run(
        reason,
        Date.now(),
        importId,
      );
    });
  }

  /**
   * Removes a dataset when nothing is in it: no records, no snapshot and no
   * import but this one. True when it was removed.
   */
  removeDatasetIfUnused(datasetId: number, importId: number): boolean {
    return this.transaction(() => {
      const used = this.value<[{ datasetId: number; importId: number }], number>(
        `SELECT EXISTS (SELECT 1 FROM records WHERE dataset_id = @datasetId) OR EXISTS (SELECT 1 FROM snapshots WHERE dataset_id = @datasetId)
         OR EXISTS (SELECT 1 FROM imports WHERE dataset_id = @datasetId AND id != @importId)`,
      ).get({ datasetId, importId })!;
      if (used) return false;
      this.sql('DELETE FROM datasets WHERE id = ?').run(datasetId);
      return true;
    });
  }
}
