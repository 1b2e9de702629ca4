// A JSON document holding rows: a top-level array, or an object with an array
// under some key (`{"data": [...]}`). Rather than one JSON.parse for the whole
// file, which fails whole on one bad row and knows no line numbers, the array
// is cut into its elements by a small scanner and each is parsed alone.
import { type LocatedError } from '../record';
import { readJsonl } from './jsonl';
import { invalidLineIn, invalidUtf8Error, LineIndex, nulByteError, type DecodedText } from './text';
import {
  isPlainObject,
  MAX_ROW_DEPTH,
  nestedDeeperThan,
  notAnObjectError,
  tooDeepError,
  type ReadOptions,
  type ReadResult,
  type RawRow,
} from './types';

const PREFERRED_ARRAY_KEYS = ['data', 'rows', 'records', 'examples', 'items', 'train', 'instances', 'tasks'];

function skipSpace(text: string, at: number): number {
  while (at < text.length) {
    const c = text.charCodeAt(at);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    at++;
  }
  return at;
}

/** Index just past the string whose opening quote is at `at` (or text.length if unterminated). */
function skipString(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
  }
  return text.length;
}

/**
 * Index just past the value starting at `at`: brackets are balanced and
 * strings skipped; a scalar ends at the next `,` `]` `}` at depth zero.
 */
function skipValue(text: string, at: number): number {
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = skipString(text, i) - 1;
      if (depth === 0) return i + 1;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) return i;
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === 0x2c && depth === 0) return i;
  }
  return text.length;
}

interface Span {
  start: number;
  end: number;
}

/** Spans of the elements of the array whose `[` is at `open`; `closed` is false when the file ends first. */
function arrayElements(text: string, open: number): { spans: Span[]; closed: boolean } {
  const spans: Span[] = [];
  let at = skipSpace(text, open + 1);
  if (text[at] === ']') return { spans, closed: true };
  while (at < text.length) {
    // A stray closing bracket would end a value where it starts; step over it.
    const end = Math.max(skipValue(text, at), at + 1);
    spans.push({ start: at, end });
    at = skipSpace(text, end);
    if (text[at] === ',') at = skipSpace(text, at + 1);
    else if (text[at] === ']') return { spans, closed: true };
    else if (at < text.length) {
      // Missing comma: keep going from here; the element parse reports it.
      continue;
    }
  }
  return { spans, closed: false };
}

/** The `[` of the array holding the rows inside a top-level object, if one exists. */
function findRowsArray(text: string, open: number): { key: string; at: number } | null {
  const candidates: { key: string; at: number }[] = [];
  let at = skipSpace(text, open + 1);
  while (at < text.length && text[at] === '"') {
    const keyEnd = skipString(text, at);
    const key = text.slice(at + 1, keyEnd - 1);
    at = skipSpace(text, keyEnd);
    if (text[at] !== ':') break;
    at = skipSpace(text, at + 1);
    if (text[at] === '[') candidates.push({ key, at });
    at = skipSpace(text, skipValue(text, at));
    if (text[at] === ',') at = skipSpace(text, at + 1);
  }
  const preferred = candidates.find((c) => PREFERRED_ARRAY_KEYS.includes(c.key.toLowerCase()));
  return preferred ?? candidates.find((c) => text[skipSpace(text, c.at + 1)] === '{') ?? null;
}

export function readJson(decoded: DecodedText, options: ReadOptions): ReadResult {
  const { text, invalidLines } = decoded;
  const { file, limit = Infinity } = options;
  const errors: LocatedError[] = [];
  const lines = new LineIndex(text);
  const first = skipSpace(text, 0);
  let open = first;
  if (text[first] === '{') {
    // A file of objects one after another is JSON Lines under a .json name.
    const afterFirst = skipSpace(text, skipValue(text, first));
    if (text[afterFirst] === '{') return readJsonl(decoded, options);
    const rowsArray = findRowsArray(text, first);
    if (rowsArray === null) {
      return readSingleObject(decoded, options);
    }
    open = rowsArray.at;
  } else if (text[first] !== '[') {
    errors.push({
      file,
      line: lines.lineAt(first),
      code: 'json-syntax',
      severity: 'error',
      reason: 'The file does not start with a JSON array or object.',
    });
    return { container: 'json', rows: [], errors, rowsSeen: 0 };
  }

  const { spans, closed } = arrayElements(text, open);
  const rows: RawRow[] = [];
  let row = 0;
  for (const span of spans) {
    if (row >= limit) break;
    row++;
    const line = lines.lineAt(span.start);
    const invalid = invalidLineIn(invalidLines, line, lines.lineAt(span.end));
    if (invalid) {
      errors.push(invalidUtf8Error(file, row, invalid.line, invalid.byteOffset));
      continue;
    }
    const isLast = row === spans.length;
    const element = text.slice(span.start, span.end);
    if (element.includes('\0')) {
      errors.push(nulByteError(file, row, line));
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(element);
    } catch (error) {
      if (error instanceof RangeError) {
        errors.push(tooDeepError(file, row, line));
        continue;
      }
      const truncated = isLast && !closed;
      errors.push({
        file,
        row,
        line,
        code: truncated ? 'truncated' : 'json-syntax',
        severity: 'error',
        reason: truncated
          ? `Row ${row} (line ${line}) ends mid-record: the file looks cut off.`
          : `Row ${row} (line ${line}) is not valid JSON: ${(error as Error).message}`,
      });
      continue;
    }
    if (!isPlainObject(value)) {
      errors.push(notAnObjectError(file, row, line, value));
      continue;
    }
    if (nestedDeeperThan(value, MAX_ROW_DEPTH)) {
      errors.push(tooDeepError(file, row, line));
      continue;
    }
    rows.push({ row, line, value });
  }
  if (!closed && row < limit && (spans.length === 0 || errors.at(-1)?.code !== 'truncated')) {
    errors.push({
      file,
      line: lines.lineAt(text.length),
      code: 'truncated',
      severity: 'error',
      reason: 'The JSON array is never closed: the file looks cut off. Rows before the cut were read.',
    });
  }
  return { container: 'json', rows, errors, rowsSeen: row };
}

function readSingleObject({ text, invalidLines }: DecodedText, { file }: ReadOptions): ReadResult {
  const invalid = invalidLineIn(invalidLines, 1, Number.MAX_SAFE_INTEGER);
  if (invalid) return { container: 'json', rows: [], errors: [invalidUtf8Error(file, 1, invalid.line, invalid.byteOffset)], rowsSeen: 1 };
  if (text.includes('\0')) return { container: 'json', rows: [], errors: [nulByteError(file, 1, 1)], rowsSeen: 1 };
  try {
    const value: unknown = JSON.parse(text);
    if (!isPlainObject(value)) return { container: 'json', rows: [], errors: [notAnObjectError(file, 1, 1, value)], rowsSeen: 1 };
    if (nestedDeeperThan(value, MAX_ROW_DEPTH)) return { container: 'json', rows: [], errors: [tooDeepError(file, 1, 1)], rowsSeen: 1 };
    return { container: 'json', rows: [{ row: 1, line: 1, value }], errors: [], rowsSeen: 1 };
  } catch (error) {
    return {
      container: 'json',
      rows: [],
      errors: [
        {
          file,
          row: 1,
          line: 1,
          code: 'json-syntax',
          severity: 'error',
          reason: `The file is not valid JSON: ${(error as Error).message}`,
        },
      ],
      rowsSeen: 1,
    };
  }
}
