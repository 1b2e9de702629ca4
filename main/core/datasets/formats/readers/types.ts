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

/**
 * Rows nested deeper than this are rejected when read. JSON.parse copes with
 * any depth, but the recursive steps after it (JSON.stringify of the raw row,
 * field lookups) overflow the stack somewhere past a few thousand levels and
 * would take the whole import down. Real preference data nests a handful of
 * levels (messages in a conversation in a row).
 */
export const MAX_ROW_DEPTH = 100;

/** True when `value` nests objects/arrays more than `limit` levels deep; iterative, so any depth is safe to measure. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

export function tooDeepError(file: string, row: number, line: number | undefined): LocatedError {
  return {
    file,
    row,
    ...(line !== undefined ? { line } : {}),
    code: 'too-deep',
    severity: 'error',
    reason: `Row ${row}${line !== undefined ? ` (line ${line})` : ''} nests lists or objects more than ${MAX_ROW_DEPTH} levels deep; no preference format does, so it is not read.`,
  };
}
