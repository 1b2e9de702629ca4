// JSON Lines straight from a byte stream, so a file of any size is read with
// bounded memory (one whole-file string would also hit V8's ~512 M character
// limit). Lines are cut on the newline byte and decoded one by one; a line
// with invalid UTF-8 is rejected with its byte offset.
import { type LocatedError } from '../record';
import { isRow, parseJsonlLine } from './jsonl';
import { rawText } from '../record';
import { findInvalidUtf8, invalidUtf8Error, nulByteError } from './text';
import { type RawRow } from './types';

export interface RowBatch {
  rows: RawRow[];
  errors: LocatedError[];
  /** Bytes consumed so far, for progress. */
  bytesRead: number;
  /** Data rows met so far, good or bad. */
  rowsSeen: number;
}

const strict = new TextDecoder('utf-8', { fatal: true });

export async function* streamJsonlRows(chunks: AsyncIterable<Uint8Array>, file: string, batchRows = 5000): AsyncGenerator<RowBatch> {
  // The unfinished line is kept as a list of pieces, so a multi-megabyte line
  // spread over many chunks is joined once, not once per chunk.
  let pieces: Uint8Array[] = [];
  let piecesLength = 0;
  let lineOffset = 0; // file offset where the unfinished line starts
  let line = 0;
  let row = 0;
  let bytesRead = 0;
  let batch: RowBatch = { rows: [], errors: [], bytesRead: 0, rowsSeen: 0 };

  const takeText = (text: string, cutOff: boolean) => {
    const content = text.trim();
    if (content === '') return;
    row++;
    const result = parseJsonlLine(content, row, line, file, cutOff);
    if (isRow(result)) batch.rows.push(result);
    else batch.errors.push(result);
  };

  const takeLine = (bytes: Uint8Array, cutOff: boolean) => {
    line++;
    const offset = lineOffset;
    lineOffset += bytes.length + 1;
    // A UTF-8 byte-order mark can only open the file.
    const start = offset === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    let text: string;
    try {
      text = strict.decode(bytes.subarray(start));
    } catch {
      row++;
      batch.errors.push(invalidUtf8Error(file, row, line, offset + findInvalidUtf8(bytes)[0]!));
      return;
    }
    const nul = bytes.indexOf(0);
    if (nul !== -1) {
      row++;
      batch.errors.push({ ...nulByteError(file, row, line, offset + nul), raw: rawText(text) });
      return;
    }
    takeText(text, cutOff);
  };

  /** Whole lines in one block: one decode for all of them, line by line (with byte offsets) only when that fails or a NUL is in it. */
  const takeBlock = (block: Uint8Array) => {
    let text: string | null;
    try {
      text = block.includes(0) ? null : strict.decode(block);
    } catch {
      text = null;
    }
    if (text === null) {
      let start = 0;
      for (let newline = block.indexOf(0x0a); newline !== -1; newline = block.indexOf(0x0a, start)) {
        takeLine(block.subarray(start, newline), false);
        start = newline + 1;
      }
      takeLine(block.subarray(start), false);
      return;
    }
    lineOffset += block.length + 1;
    for (const lineText of text.split('\n')) {
      line++;
      takeText(lineText, false);
    }
  };

  for await (const chunk of chunks) {
    bytesRead += chunk.length;
    const firstNewline = chunk.indexOf(0x0a);
    if (firstNewline === -1) {
      pieces.push(chunk);
      piecesLength += chunk.length;
      continue;
    }
    const head = chunk.subarray(0, firstNewline);
    takeLine(piecesLength === 0 ? head : join([...pieces, head], piecesLength + head.length), false);
    const lastNewline = chunk.lastIndexOf(0x0a);
    if (lastNewline > firstNewline) takeBlock(chunk.subarray(firstNewline + 1, lastNewline));
    pieces = lastNewline + 1 < chunk.length ? [chunk.subarray(lastNewline + 1)] : [];
    piecesLength = chunk.length - lastNewline - 1;
    if (batch.rows.length + batch.errors.length >= batchRows) {
      yield { ...batch, bytesRead: bytesRead - piecesLength, rowsSeen: row };
      batch = { rows: [], errors: [], bytesRead: 0, rowsSeen: 0 };
    }
  }
  if (piecesLength > 0) takeLine(join(pieces, piecesLength), true);
  yield { ...batch, bytesRead, rowsSeen: row };
}

function join(pieces: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
