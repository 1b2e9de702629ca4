// Picks the reader for a file: by extension when it has a telling one, else
// by looking at the first bytes.
import { readCsv } from './csv';
import { readJson } from './json';
import { readJsonl } from './jsonl';
import { readParquet } from './parquet';
import { checkReadable, decodeText, isParquet } from './text';
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

function sniffTextContainer(text: string): Container {
  const start = text.search(/\S/);
  if (start === -1) return 'jsonl';
  if (text[start] === '[') return 'json';
  if (text[start] === '{') {
    const newline = text.indexOf('\n', start);
    const firstLine = text.slice(start, newline === -1 ? undefined : newline).trim();
    try {
      JSON.parse(firstLine);
      return 'jsonl';
    } catch {
      return 'json';
    }
  }
  return 'csv';
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
    return { container: options.container ?? containerFromName(options.file) ?? 'jsonl', rows: [], errors: [{ file: options.file, code: 'unsupported', severity: 'error', reason }], rowsSeen: 0 };
  }
}

async function readAnyRows(bytes: Uint8Array, options: ReadOptions & { container?: Container }): Promise<ReadResult> {
  const unreadable = checkReadable(bytes, options.file);
  const named = options.container ?? containerFromName(options.file);
  if (unreadable) return { container: named ?? 'jsonl', rows: [], errors: [unreadable], rowsSeen: 0 };
  if (named === 'parquet' || isParquet(bytes)) return readParquet(bytes, options);
  const decoded = decodeText(bytes);
  if (decoded.text.trim() === '') {
    const errors = [{ file: options.file, code: 'empty-file' as const, severity: 'error' as const, reason: 'The file holds only blank space: there are no rows to import.' }];
    return { container: named ?? 'jsonl', rows: [], errors, rowsSeen: 0 };
  }
  // A JSON array saved under a .jsonl name is common enough to read as what it is.
  const looksLikeArray = named === 'jsonl' && decoded.text.trimStart().startsWith('[');
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
