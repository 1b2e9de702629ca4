// JSON Lines: one object per line. Each line stands alone, so a broken line
// costs exactly one row.
import { type LocatedError } from '../record';
import { invalidLineIn, invalidUtf8Error, type DecodedText } from './text';
import { isPlainObject, notAnObjectError, type ReadOptions, type ReadResult, type RawRow } from './types';

export function readJsonl({ text, invalidLines }: DecodedText, options: ReadOptions): ReadResult {
  const { file, limit = Infinity } = options;
  const rows: RawRow[] = [];
  const errors: LocatedError[] = [];
  const endsWithNewline = /\n\s*$/.test(text.slice(-16));
  let row = 0;
  let lineStart = 0;
  for (let line = 1; lineStart <= text.length && row < limit; line++) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const content = text.slice(lineStart, lineEnd).trim();
    const isLastLine = newline === -1;
    lineStart = lineEnd + 1;
    if (content === '') continue;
    row++;
    const invalid = invalidLineIn(invalidLines, line, line);
    if (invalid) {
      errors.push(invalidUtf8Error(file, row, line, invalid.byteOffset));
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      const truncated = isLastLine && !endsWithNewline;
      errors.push({
        file,
        row,
        line,
        code: truncated ? 'truncated' : 'json-syntax',
        severity: 'error',
        reason: truncated
          ? `Line ${line} ends mid-record: the file looks cut off. (${(error as Error).message})`
          : `Line ${line} is not valid JSON: ${(error as Error).message}`,
      });
      continue;
    }
    if (!isPlainObject(value)) {
      errors.push(notAnObjectError(file, row, line, value));
      continue;
    }
    rows.push({ row, line, value });
  }
  return { container: 'jsonl', rows, errors, rowsSeen: row };
}
