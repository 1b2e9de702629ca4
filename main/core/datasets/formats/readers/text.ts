// From bytes to text without losing track of where things are: empty and
// binary files are named as such, byte-order marks are dropped, and invalid
// UTF-8 is pinned to its byte offset and line so the readers can reject only
// the rows it touches.
import { type LocatedError } from '../record';

export interface DecodedText {
  text: string;
  /** 1-based line → byte offset of the first invalid UTF-8 sequence on it. */
  invalidLines: Map<number, number>;
}

const SNIFF_BYTES = 64 * 1024;

export function isParquet(bytes: Uint8Array): boolean {
  const magic = (at: number) =>
    bytes[at] === 0x50 && bytes[at + 1] === 0x41 && bytes[at + 2] === 0x52 && bytes[at + 3] === 0x31;
  return bytes.length >= 8 && magic(0);
}

function hasUtf16Bom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return null;
}

/**
 * A file that is empty or is not text at all gets one clear error instead of
 * a cascade of per-line syntax errors.
 */
export function checkReadable(bytes: Uint8Array, file: string): LocatedError | null {
  if (bytes.length === 0 || (bytes.length <= 3 && bytes.every((b) => b === 0xef || b === 0xbb || b === 0xbf))) {
    return { file, code: 'empty-file', severity: 'error', reason: 'The file is empty: there are no rows to import.' };
  }
  if (isParquet(bytes) || hasUtf16Bom(bytes)) return null;
  const head = bytes.subarray(0, SNIFF_BYTES);
  let control = 0;
  for (let i = 0; i < head.length; i++) {
    const b = head[i]!;
    if (b === 0) {
      return {
        file,
        byteOffset: i,
        code: 'binary-file',
        severity: 'error',
        reason: `This is not a text file (a zero byte at offset ${i}). Import JSONL, JSON, CSV, TSV or Parquet.`,
      };
    }
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) control++;
  }
  if (control > head.length * 0.1) {
    return {
      file,
      code: 'binary-file',
      severity: 'error',
      reason: 'This does not look like a text file (too many control bytes). Import JSONL, JSON, CSV, TSV or Parquet.',
    };
  }
  return null;
}

/** Byte offsets where a UTF-8 sequence is malformed (one per bad sequence). */
export function findInvalidUtf8(bytes: Uint8Array): number[] {
  const bad: number[] = [];
  const cont = (at: number, lo = 0x80, hi = 0xbf) => at < bytes.length && bytes[at]! >= lo && bytes[at]! <= hi;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let length = 0;
    if (b < 0x80) length = 1;
    else if (b >= 0xc2 && b <= 0xdf && cont(i + 1)) length = 2;
    else if (b === 0xe0 && cont(i + 1, 0xa0) && cont(i + 2)) length = 3;
    else if (((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) && cont(i + 1) && cont(i + 2)) length = 3;
    else if (b === 0xed && cont(i + 1, 0x80, 0x9f) && cont(i + 2)) length = 3;
    else if (b === 0xf0 && cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3)) length = 4;
    else if (b >= 0xf1 && b <= 0xf3 && cont(i + 1) && cont(i + 2) && cont(i + 3)) length = 4;
    else if (b === 0xf4 && cont(i + 1, 0x80, 0x8f) && cont(i + 2) && cont(i + 3)) length = 4;
    if (length === 0) {
      bad.push(i);
      i++;
    } else i += length;
  }
  return bad;
}

function lineOfByte(bytes: Uint8Array, offsets: number[]): Map<number, number> {
  const lines = new Map<number, number>();
  let line = 1;
  let at = 0;
  for (const offset of offsets) {
    for (; at < offset; at++) if (bytes[at] === 0x0a) line++;
    if (!lines.has(line)) lines.set(line, offset);
  }
  return lines;
}

/**
 * Decodes the whole file. The fast path is one strict decode; only when that
 * fails is the file scanned for the exact offsets of the bad bytes.
 */
export function decodeText(bytes: Uint8Array): DecodedText {
  const utf16 = hasUtf16Bom(bytes);
  if (utf16) return { text: new TextDecoder(utf16).decode(bytes.subarray(2)), invalidLines: new Map() };
  try {
    // ignoreBOM: false (the default) drops a leading UTF-8 byte-order mark.
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), invalidLines: new Map() };
  } catch {
    const invalidLines = lineOfByte(bytes, findInvalidUtf8(bytes));
    return { text: new TextDecoder('utf-8').decode(bytes), invalidLines };
  }
}

/** Maps a character offset in a text to its 1-based line, by binary search. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) this.starts.push(at + 1);
  }

  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

/** The first invalid-UTF-8 line within [first, last], if any, with its byte offset. */
export function invalidLineIn(
  invalidLines: Map<number, number>,
  first: number,
  last: number,
): { line: number; byteOffset: number } | null {
  if (invalidLines.size === 0) return null;
  for (let line = first; line <= last; line++) {
    const byteOffset = invalidLines.get(line);
    if (byteOffset !== undefined) return { line, byteOffset };
  }
  return null;
}

export function invalidUtf8Error(file: string, row: number, line: number, byteOffset: number): LocatedError {
  return {
    file,
    row,
    line,
    byteOffset,
    code: 'invalid-utf8',
    severity: 'error',
    reason: `Line ${line} is not valid UTF-8 (bad byte at offset ${byteOffset}); save the file as UTF-8 and re-import this row.`,
  };
}
