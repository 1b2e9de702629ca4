import { type LocatedError } from '../record';

export type Container = 'jsonl' | 'json' | 'csv' | 'tsv' | 'parquet';

/** One row as found in the file, before any format is applied. */
export interface RawRow {
  /** 1-based index of the data row in the file (header excluded). */
  row: number;
  /** 1-based line where the row starts; absent for Parquet. */
  line?: number;
  value: Record<string, unknown>;
}

export interface ReadResult {
  container: Container;
  rows: RawRow[];
  /** Rows that could not be read, and file-level problems, each located. */
  errors: LocatedError[];
  /** Rows seen, good or bad: rows.length + rejected rows. */
  rowsSeen: number;
}

export interface ReadOptions {
  /** Name used in errors and record sources (usually the path as the user gave it). */
  file: string;
  /** Stop after this many data rows (for previews). */
  limit?: number;
}

export function notAnObjectError(file: string, row: number, line: number | undefined, value: unknown): LocatedError {
  const what = Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`;
  return {
    file,
    row,
    ...(line !== undefined ? { line } : {}),
    code: 'not-an-object',
    severity: 'error',
    reason: `Row ${row} is ${what}, not an object with named fields.`,
  };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
