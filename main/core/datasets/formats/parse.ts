// The import itself: a file becomes batches of records plus located errors.
// JSON Lines on disk are streamed with bounded memory; other containers are
// read whole (JSON and CSV need the whole text, Parquet its footer) and then
// handed out in the same batches, so callers see one shape either way.
import { applyMapping, type ApplyOptions } from './convert';
import { type ColumnMapping, type FormatId } from './mapping';
import { type LocatedError, type PreferenceRecord, type RecordKind } from './record';
import { containerFromName, misnamedContainer, readRows, type Container, type RawRow } from './readers';
import { streamJsonlRows, type RowBatch } from './readers/jsonl-stream';
import { checkReadable, decodeText, utf16Encoding } from './readers/text';
import {
  chooseMapping,
  displayName,
  openImportFile,
  readOpenFile,
  unrecognised,
  type FileInput,
  type InputOptions,
  type MappingChoice,
} from './source';

export interface ParseProgress {
  /** Data rows read so far, good or bad. */
  rowsDone: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface ParseOptions extends InputOptions, ApplyOptions {
  mapping?: ColumnMapping;
  format?: FormatId;
  onProgress?: (progress: ParseProgress) => void;
  /** Rows per batch (default 5000). */
  batchRows?: number;
  /** Called as bytes are read from disk (a sign of life for a watchdog). */
  onRead?: (bytes: number) => void;
}

export interface ParseBatch {
  records: PreferenceRecord[];
  errors: LocatedError[];
  progress: ParseProgress;
}

export interface ParseStats {
  rowsSeen: number;
  imported: number;
  /** Rows not imported (each has at least one error). */
  rejected: number;
  warnings: number;
  byKind: Record<RecordKind, number>;
  identicalSides: number;
  emptySide: number;
  elapsedMs: number;
}

export interface ParseSummary {
  container: Container;
  format: FormatId | null;
  mapping: ColumnMapping | null;
  explanation: string;
  stats: ParseStats;
}

export interface ParseResult extends ParseSummary {
  records: PreferenceRecord[];
  errors: LocatedError[];
}

const DETECTION_SAMPLE = 200;
const STREAM_CHUNK = 4 * 1024 * 1024;

interface RowSource {
  container: Container;
  bytesTotal: number;
  batches: AsyncIterable<RowBatch>;
  /** File-level notes (a misnamed file) that go out with the first batch. */
  notes: LocatedError[];
}

// eslint-disable-next-line @typescript-eslint/require-await -- async so that parsed-in-memory rows are the same AsyncIterable of batches as streamed ones
async function* inMemoryBatches(
  bytes: Uint8Array,
  rows: RawRow[],
  errors: LocatedError[],
  rowsSeen: number,
  batchRows: number,
): AsyncGenerator<RowBatch> {
  if (rows.length === 0) yield { rows: [], errors, bytesRead: bytes.length, rowsSeen };
  for (let at = 0; at < rows.length; at += batchRows) {
    const end = Math.min(at + batchRows, rows.length);
    const last = end === rows.length;
    yield {
      rows: rows.slice(at, end),
      errors: at === 0 ? errors : [],
      bytesRead: last ? bytes.length : Math.round((bytes.length * end) / rows.length),
      rowsSeen: last ? rowsSeen : rows[end - 1]!.row,
    };
  }
}

async function* counted(chunks: AsyncIterable<Uint8Array>, onRead: ((bytes: number) => void) | undefined): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    onRead?.(chunk.length);
    yield chunk;
  }
}

/**
 * Streams JSON Lines from disk when the file's head shows an object per line
 * (whatever its name: a .csv holding JSON Lines is streamed too, with a note);
 * reads anything else whole.
 */
async function openRows(input: FileInput, file: string, options: ParseOptions, batchRows: number): Promise<RowSource> {
  if (typeof input !== 'string') return readWhole(input, file, options, batchRows);
  const { handle, size } = await openImportFile(input);
  let streaming = false;
  try {
    const head = new Uint8Array(Math.min(size, 64 * 1024));
    await handle.read(head, 0, head.length, 0);
    const named = options.container ?? containerFromName(input);
    // Empty, binary and UTF-16 files, and JSON arrays, take the whole-file path.
    const text = checkReadable(head, file) === null && utf16Encoding(head) === null ? decodeText(head).text : '';
    const misnamed = misnamedContainer(file, named, text);
    const start = text.trimStart();
    const streamable = misnamed ? misnamed.container === 'jsonl' : named === 'jsonl' && start !== '' && !start.startsWith('[');
    if (streamable) {
      streaming = true;
      // The size is fixed at open: a file still being written is read to that size.
      const chunks = handle.createReadStream({ start: 0, end: size - 1, highWaterMark: STREAM_CHUNK });
      return {
        container: 'jsonl',
        bytesTotal: size,
        notes: misnamed ? [misnamed.note] : [],
        batches: streamJsonlRows(counted(chunks, options.onRead), file, batchRows),
      };
    }
    const bytes = await readOpenFile(input, handle, size, options.onRead);
    return await readWhole(bytes, file, options, batchRows);
  } finally {
    // A stream closes the handle itself when it ends.
    if (!streaming) await handle.close();
  }
}

async function readWhole(bytes: Uint8Array, file: string, options: ParseOptions, batchRows: number): Promise<RowSource> {
  const read = await readRows(bytes, { file, ...(options.container ? { container: options.container } : {}) });
  return {
    container: read.container,
    bytesTotal: bytes.length,
    notes: [],
    batches: inMemoryBatches(bytes, read.rows, read.errors, read.rowsSeen, batchRows),
  };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Yields records batch by batch (for a job that stores them as they come) and
 * returns the summary. Bad rows are reported in the batches, never fatal.
 */
export async function* streamFile(input: FileInput, options: ParseOptions = {}): AsyncGenerator<ParseBatch, ParseSummary> {
  const started = performance.now();
  const file = displayName(input, options);
  const batchRows = options.batchRows ?? 5000;
  const source = await openRows(input, file, options, batchRows);
  const iterator = source.batches[Symbol.asyncIterator]();

  // Detection looks at the first rows, so buffer batches until there are enough.
  const buffered: RowBatch[] = [];
  const sample: RawRow[] = [];
  for (let step = await iterator.next(); ; step = await iterator.next()) {
    if (step.done) break;
    buffered.push(step.value);
    sample.push(...step.value.rows.slice(0, DETECTION_SAMPLE - sample.length));
    if (sample.length >= DETECTION_SAMPLE) break;
  }
  const chosen: MappingChoice = chooseMapping(sample, options);

  const stats: ParseStats = {
    rowsSeen: 0,
    imported: 0,
    rejected: 0,
    warnings: 0,
    byKind: { preference: 0, 'unlabeled-pair': 0, 'prompt-only': 0 },
    identicalSides: 0,
    emptySide: 0,
    elapsedMs: 0,
  };
  let reportedUnrecognised = false;

  async function* remaining(): AsyncGenerator<RowBatch> {
    yield* buffered;
    for (let step = await iterator.next(); !step.done; step = await iterator.next()) yield step.value;
  }

  let notes = source.notes;
  for await (const batch of remaining()) {
    const mapped = chosen.mapping ? applyMapping(batch.rows, chosen.mapping, file, options) : { records: [], errors: [] };
    const errors = [...notes, ...batch.errors, ...mapped.errors];
    notes = [];
    if (chosen.mapping === null && batch.rows.length > 0 && !reportedUnrecognised) {
      errors.push(unrecognised(file, chosen.explanation));
      reportedUnrecognised = true;
    }
    for (const record of mapped.records) {
      stats.byKind[record.kind]++;
      if (record.flags.identicalSides) stats.identicalSides++;
      if (record.flags.emptySide) stats.emptySide++;
    }
    stats.imported += mapped.records.length;
    stats.warnings += errors.filter((e) => e.severity === 'warning').length;
    stats.rowsSeen = batch.rowsSeen;
    const progress = { rowsDone: batch.rowsSeen, bytesDone: batch.bytesRead, bytesTotal: source.bytesTotal };
    options.onProgress?.(progress);
    yield { records: mapped.records, errors, progress };
    await yieldToEventLoop();
  }
  stats.rejected = stats.rowsSeen - stats.imported;
  stats.elapsedMs = Math.round(performance.now() - started);
  return {
    container: source.container,
    format: chosen.mapping?.format ?? null,
    mapping: chosen.mapping,
    explanation: chosen.explanation,
    stats,
  };
}

/** The whole import in memory: every record and every error. */
export async function parseFile(input: FileInput, options: ParseOptions = {}): Promise<ParseResult> {
  const records: PreferenceRecord[] = [];
  const errors: LocatedError[] = [];
  const batches = streamFile(input, options);
  for (let step = await batches.next(); ; step = await batches.next()) {
    if (step.done) return { ...step.value, records, errors };
    for (const record of step.value.records) records.push(record);
    for (const error of step.value.errors) errors.push(error);
  }
}
