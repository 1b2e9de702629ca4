// CSV and TSV through papaparse, one row at a time so each row keeps the line
// it starts on (quoted fields may span lines). The first row is the header; a
// row with a different number of fields is rejected, since its values can no
// longer be trusted to sit under the right column.
import Papa from 'papaparse';
import { type LocatedError } from '../record';
import { invalidLineIn, invalidUtf8Error, LineIndex, nulByteError, type DecodedText } from './text';
import { type ReadOptions, type ReadResult, type RawRow } from './types';

function guessDelimiter(text: string, container: 'csv' | 'tsv'): string {
  if (container === 'tsv') return '\t';
  const firstLine = text.slice(0, Math.max(0, text.indexOf('\n')) || text.length);
  const count = (c: string) => firstLine.split(c).length - 1;
  const candidates = [',', '\t', ';', '|'].map((c) => ({ c, n: count(c) }));
  candidates.sort((a, b) => b.n - a.n);
  return candidates[0]!.n > 0 ? candidates[0]!.c : ',';
}

function headerNames(cells: string[]): string[] {
  const seen = new Map<string, number>();
  return cells.map((cell, i) => {
    const base = cell.trim() === '' ? `column_${i + 1}` : cell.trim();
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}_${n + 1}`;
  });
}

export function readCsv({ text, invalidLines }: DecodedText, options: ReadOptions & { container: 'csv' | 'tsv' }): ReadResult {
  const { file, limit = Infinity, container } = options;
  const lines = new LineIndex(text);
  const rows: RawRow[] = [];
  const errors: LocatedError[] = [];
  let header: string[] | null = null;
  let row = 0;
  let previousEnd = 0;

  Papa.parse<string[]>(text, {
    delimiter: guessDelimiter(text, container),
    skipEmptyLines: false,
    step(result, parser) {
      let start = previousEnd;
      while (text[start] === '\r' || text[start] === '\n') start++;
      const end = result.meta.cursor;
      previousEnd = end;
      const cells = result.data;
      if (cells.length === 1 && cells[0]!.trim() === '') return;
      const line = lines.lineAt(start);
      const lastLine = lines.lineAt(Math.max(start, end - 1));
      if (header === null) {
        header = headerNames(cells);
        return;
      }
      row++;
      if (row > limit) {
        parser.abort();
        return;
      }
      const invalid = invalidLineIn(invalidLines, line, lastLine);
      if (invalid) {
        errors.push(invalidUtf8Error(file, row, invalid.line, invalid.byteOffset));
        return;
      }
      if (cells.some((cell) => cell.includes('\0'))) {
        errors.push(nulByteError(file, row, line));
        return;
      }
      const syntax = result.errors.find((e) => e.type === 'Quotes');
      if (syntax) {
        errors.push({
          file,
          row,
          line,
          code: 'csv-syntax',
          severity: 'error',
          reason: `Row ${row} (line ${line}): ${syntax.message.toLowerCase()}; the quote is never closed, so the rest of the file is swallowed by this field.`,
        });
        return;
      }
      if (cells.length !== header.length) {
        errors.push({
          file,
          row,
          line,
          code: 'csv-ragged',
          severity: 'error',
          reason: `Row ${row} (line ${line}) has ${cells.length} fields but the header has ${header.length}; check for an unquoted ${options.container === 'tsv' ? 'tab' : 'delimiter'} or a missing field.`,
        });
        return;
      }
      const value: Record<string, unknown> = {};
      header.forEach((name, i) => (value[name] = cells[i]));
      rows.push({ row, line, value });
    },
  });
  if (header === null) {
    errors.push({ file, code: 'empty-file', severity: 'error', reason: 'The file has no header row and no data.' });
  }
  return { container, rows, errors, rowsSeen: Math.min(row, limit) };
}
