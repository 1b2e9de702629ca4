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
  const magic = (at: number) => bytes[at] === 0x50 && bytes[at + 1] === 0x41 && bytes[at + 2] === 0x52 && bytes[at + 3] === 0x31;
  return bytes.length >= 8 && magic(0);
}

function hasUtf16Bom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return null;
}

/**
 * UTF-16 saved without a byte-order mark: mostly-ASCII text (and JSON/CSV is)
 * then has a zero in every other byte. Read as text, not refused as binary.
 */
function guessUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 4) return null;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZero++;
    if (bytes[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero > pairs * 0.5 && evenZero < pairs * 0.05) return 'utf-16le';
  if (evenZero > pairs * 0.5 && oddZero < pairs * 0.05) return 'utf-16be';
  return null;
}

/** The file's text encoding when it is UTF-16 (with or without a byte-order mark), else null for UTF-8. */
export function utf16Encoding(bytes: Uint8Array): { encoding: 'utf-16le' | 'utf-16be'; bomLength: number } | null {
  const bom = hasUtf16Bom(bytes);
  if (bom) return { encoding: bom, bomLength: 2 };
  const guessed = guessUtf16(bytes);
  return guessed ? { encoding: guessed, bomLength: 0 } : null;
}

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/** Formats people pick by mistake, by their magic numbers, and what to do instead. */
const KNOWN_BINARY: { what: string; magic: number[]; at?: number; hint: string }[] = [
  { what: 'a gzip archive', magic: [0x1f, 0x8b], hint: 'Decompress it (gunzip) and import the file inside.' },
  {
    what: 'a zip archive (or an Excel/Office file, which is one)',
    magic: [0x50, 0x4b, 0x03, 0x04],
    hint: 'Unzip it, or export the sheet as CSV, and import that.',
  },
  { what: 'an empty zip archive', magic: [0x50, 0x4b, 0x05, 0x06], hint: 'It holds no files to import.' },
  { what: 'a bzip2 archive', magic: ascii('1AY&SY'), at: 4, hint: 'Decompress it (bunzip2) and import the file inside.' },
  { what: 'an xz archive', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], hint: 'Decompress it (unxz) and import the file inside.' },
  { what: 'a zstd archive', magic: [0x28, 0xb5, 0x2f, 0xfd], hint: 'Decompress it (unzstd) and import the file inside.' },
  { what: 'a 7-zip archive', magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], hint: 'Extract it and import the file inside.' },
  { what: 'a tar archive', magic: ascii('ustar'), at: 257, hint: 'Extract it (tar -xf) and import the file inside.' },
  { what: 'a PNG image', magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], hint: 'Pick the data file instead.' },
  { what: 'a JPEG image', magic: [0xff, 0xd8, 0xff], hint: 'Pick the data file instead.' },
  { what: 'a GIF image', magic: ascii('GIF8'), hint: 'Pick the data file instead.' },
  { what: 'a PDF document', magic: ascii('%PDF-'), hint: 'Pick the data file instead.' },
  { what: 'an SQLite database', magic: [...ascii('SQLite format 3'), 0], hint: 'Export its table as CSV or JSON Lines and import that.' },
  { what: 'a legacy Office document', magic: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], hint: 'Save it as CSV and import that.' },
  { what: 'an Arrow/Feather file', magic: ascii('ARROW1'), hint: 'Save it as Parquet or JSON Lines and import that.' },
  { what: 'an executable', magic: [0x7f, 0x45, 0x4c, 0x46], hint: 'Pick the data file instead.' },
];

/** What a binary file looks like by its magic number, if it is a format people pick by mistake. */
export function knownBinaryFormat(bytes: Uint8Array): { what: string; hint: string } | null {
  for (const known of KNOWN_BINARY) {
    const at = known.at ?? 0;
    if (bytes.length >= at + known.magic.length && known.magic.every((b, i) => bytes[at + i] === b)) return known;
  }
  return null;
}

/** Share of control bytes (NUL included; tab, line ends and form feed excluded) above which a file is binary. */
const BINARY_CONTROL_SHARE = 0.1;

/**
 * A file that is empty or is not text at all gets one clear error instead of
 * a cascade of per-line syntax errors. A text file with a stray NUL or other
 * control byte is still text: only the rows holding it are rejected (by the
 * readers), so a file is refused whole only when it looks binary throughout
 * its head or carries a known binary format's magic number.
 */
export function checkReadable(bytes: Uint8Array, file: string): LocatedError | null {
  if (bytes.length === 0 || (bytes.length <= 3 && bytes.every((b) => b === 0xef || b === 0xbb || b === 0xbf))) {
    return { file, code: 'empty-file', severity: 'error', reason: 'The file is empty: there are no rows to import.' };
  }
  if (isParquet(bytes)) return null;
  const known = knownBinaryFormat(bytes);
  if (known) {
    return { file, code: 'binary-file', severity: 'error', reason: `This is not a text file: it looks like ${known.what}. ${known.hint}` };
  }
  if (utf16Encoding(bytes)) return null;
  const head = bytes.subarray(0, SNIFF_BYTES);
  let control = 0;
  for (let i = 0; i < head.length; i++) {
    const b = head[i]!;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) control++;
  }
  if (control > head.length * BINARY_CONTROL_SHARE) {
    const share = Math.round((100 * control) / head.length);
    return {
      file,
      code: 'binary-file',
      severity: 'error',
      reason: `This is not a text file: it looks like binary data (${share}% control bytes in its first ${formatBytes(head.length)}). Import JSONL, JSON, CSV, TSV or Parquet.`,
    };
  }
  return null;
}

function formatBytes(n: number): string {
  return n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} bytes`;
}

/** A row holding a raw NUL byte: in text data that is damage (a crash mid-write, a binary paste), so the row is not trusted. */
export function nulByteError(file: string, row: number, line: number | undefined, byteOffset?: number): LocatedError {
  const where = line !== undefined ? `Row ${row} (line ${line})` : `Row ${row}`;
  return {
    file,
    row,
    ...(line !== undefined ? { line } : {}),
    ...(byteOffset !== undefined ? { byteOffset } : {}),
    code: 'nul-byte',
    severity: 'error',
    reason: `${where} holds a NUL (zero) byte, which text data never does: the row is damaged and was not imported.`,
  };
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
  const utf16 = utf16Encoding(bytes);
  if (utf16) return { text: new TextDecoder(utf16.encoding).decode(bytes.subarray(utf16.bomLength)), invalidLines: new Map() };
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
export function invalidLineIn(invalidLines: Map<number, number>, first: number, last: number): { line: number; byteOffset: number } | null {
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
