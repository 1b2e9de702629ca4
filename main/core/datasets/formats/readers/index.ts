// Picks the reader for a file: by extension when it has a telling one, else
// by looking at the first bytes.
import { readCsv } from './csv';
import { readJson } from './json';
import { readJsonl } from './jsonl';
import { readParquet } from './parquet';
import { checkReadable, decodeText, isParquet } from './text';
import { type LocatedError } from '../record';
import { type Container, type ReadOptions, type ReadResult } from './types';

export type { Container, RawRow, ReadOptions, ReadResult } from './types';

const BY_EXTENSION: Record<string, Container> = {
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'json',
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  parquet: 'parquet',
  pq: 'parquet',
};

/**
 * The container the text itself shows when it is JSON: an array (or one
 * object spread over lines) is 'json', an object per line 'jsonl'; null when
 * it does not start like JSON rows. Strict enough that a CSV header such as
 * `[id],prompt` is not taken for JSON.
 */
export function jsonContainerOf(text: string): 'jsonl' | 'json' | null {
  const start = text.search(/\S/);
  if (start === -1) return null;
  const next = text.slice(start + 1).trimStart()[0];
  if (text[start] === '[') return next === '{' || next === ']' ? 'json' : null;
  if (text[start] !== '{' || (next !== '"' && next !== '}')) return null;
  const newline = text.indexOf('\n', start);
  try {
    JSON.parse(text.slice(start, newline === -1 ? undefined : newline));
    return 'jsonl';
  } catch {
    return 'json';
  }
}

function sniffTextContainer(text: string): Container {
  const start = text.search(/\S/);
  if (start === -1) return 'jsonl';
  if (text[start] === '[') return 'json';
  if (text[start] === '{') return jsonContainerOf(text) ?? 'json';
  return 'csv';
}

const CONTAINER_NAMES: Record<Container, string> = { jsonl: 'JSON Lines', json: 'JSON', csv: 'CSV', tsv: 'TSV', parquet: 'Parquet' };

/**
 * A file whose name says CSV/TSV but whose text is JSON is read as what it
 * is (reading it as CSV would import nothing), and the import says so.
 */
export function misnamedContainer(
  file: string,
  named: Container | undefined,
  text: string,
): { container: 'jsonl' | 'json'; note: LocatedError } | null {
  if (named !== 'csv' && named !== 'tsv') return null;
  const actual = jsonContainerOf(text);
  if (actual === null) return null;
  const extension = actual === 'jsonl' ? '.jsonl' : '.json';
  return {
    container: actual,
    note: {
      file,
      code: 'container-mismatch',
      severity: 'warning',
      reason: `${file} is named as ${CONTAINER_NAMES[named]} but holds ${CONTAINER_NAMES[actual]}, so it was read as ${CONTAINER_NAMES[actual]}. Rename it ${extension} to make that plain.`,
    },
  };
}

export function containerFromName(file: string): Container | undefined {
  const extension = /\.([a-z0-9]+)$/i.exec(file)?.[1]?.toLowerCase();
  return extension === undefined ? undefined : BY_EXTENSION[extension];
}

export async function readRows(bytes: Uint8Array, options: ReadOptions & { container?: Container }): Promise<ReadResult> {
  try {
    return await readAnyRows(bytes, options);
  } catch (error) {
    // Past V8's string limit (~512 M characters) a file cannot be held as one text.
    const reason = `The file could not be read whole (${(error as Error).message}). Split it, or save it as JSON Lines, which is read line by line.`;
    return {
      container: options.container ?? containerFromName(options.file) ?? 'jsonl',
      rows: [],
      errors: [{ file: options.file, code: 'unsupported', severity: 'error', reason }],
      rowsSeen: 0,
    };
  }
}

async function readAnyRows(bytes: Uint8Array, options: ReadOptions & { container?: Container }): Promise<ReadResult> {
  const unreadable = checkReadable(bytes, options.file);
  const named = options.container ?? containerFromName(options.file);
  if (unreadable) return { container: named ?? 'jsonl', rows: [], errors: [unreadable], rowsSeen: 0 };
  if (named === 'parquet' || isParquet(bytes)) return readParquet(bytes, options);
  const decoded = decodeText(bytes);
  if (decoded.text.trim() === '') {
    const errors = [
      {
        file: options.file,
        code: 'empty-file' as const,
        severity: 'error' as const,
        reason: 'The file holds only blank space: there are no rows to import.',
      },
    ];
    return { container: named ?? 'jsonl', rows: [], errors, rowsSeen: 0 };
  }
  // A JSON array saved under a .jsonl name is common enough to read as what it is.
  const looksLikeArray = named === 'jsonl' && decoded.text.trimStart().startsWith('[');
  const misnamed = misnamedContainer(options.file, named, decoded.text);
  if (misnamed) {
    const read = misnamed.container === 'jsonl' ? readJsonl(decoded, options) : readJson(decoded, options);
    return { ...read, errors: [misnamed.note, ...read.errors] };
  }
  const container = looksLikeArray ? 'json' : (named ?? sniffTextContainer(decoded.text));
  switch (container) {
    case 'jsonl':
      return readJsonl(decoded, options);
    case 'json':
      return readJson(decoded, options);
    case 'csv':
    case 'tsv':
      return readCsv(decoded, { ...options, container });
    case 'parquet':
      return readParquet(bytes, options);
  }
}
