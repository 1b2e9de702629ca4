// JSON Lines: one object per line. Each line stands alone, so a broken line
// costs exactly one row. The same line rule serves the in-memory reader here
// and the streaming reader in jsonl-stream.ts.
import { rawText, type LocatedError } from '../record';
import { invalidLineIn, invalidUtf8Error, nulByteError, type DecodedText } from './text';
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

/**
 * One non-blank line → a row or its error. `cutOff` is true for a last line
 * with no line end after it: if it does not parse, the file was truncated.
 */
export function parseJsonlLine(content: string, row: number, line: number, file: string, cutOff: boolean): RawRow | LocatedError {
  if (content.includes('\0')) return { ...nulByteError(file, row, line), raw: rawText(content) };
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (error) {
    if (error instanceof RangeError) return { ...tooDeepError(file, row, line), raw: rawText(content) };
    const message = (error as Error).message;
    return {
      file,
      row,
      line,
      code: cutOff ? 'truncated' : 'json-syntax',
      severity: 'error',
      reason: cutOff ? `Line ${line} ends mid-record: the file looks cut off. (${message})` : `Line ${line} is not valid JSON: ${message}`,
      raw: rawText(content),
    };
  }
  if (!isPlainObject(value)) return { ...notAnObjectError(file, row, line, value), raw: rawText(content) };
  if (nestedDeeperThan(value, MAX_ROW_DEPTH)) return { ...tooDeepError(file, row, line), raw: rawText(content) };
  return { row, line, value };
}

export function isRow(result: RawRow | LocatedError): result is RawRow {
  return 'value' in result;
}

export function readJsonl({ text, invalidLines }: DecodedText, options: ReadOptions): ReadResult {
  const { file, limit = Infinity } = options;
  const rows: RawRow[] = [];
  const errors: LocatedError[] = [];
  let row = 0;
  let lineStart = 0;
  for (let line = 1; lineStart <= text.length && row < limit; line++) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const content = text.slice(lineStart, lineEnd).trim();
    lineStart = lineEnd + 1;
    if (content === '') continue;
    row++;
    const invalid = invalidLineIn(invalidLines, line, line);
    if (invalid) {
      errors.push(invalidUtf8Error(file, row, line, invalid.byteOffset));
      continue;
    }
    const result = parseJsonlLine(content, row, line, file, newline === -1);
    if (isRow(result)) rows.push(result);
    else errors.push(result);
  }
  return { container: 'jsonl', rows, errors, rowsSeen: row };
}
