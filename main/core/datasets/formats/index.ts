// Public entry of the import-parsing layer: file bytes in, normalised
// preference records and located errors out. Transport-free and database-free;
// the dataset service stores what comes out.
import { open, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { applyMapping, type ApplyOptions } from './convert';
import { detectFormat, type FormatCandidate } from './detect';
import { FORMAT_LABELS, type ColumnMapping, type FormatId } from './mapping';
import { type LocatedError, type PreferenceRecord, type RecordKind } from './record';
import { containerFromName, readRows, type Container, type RawRow } from './readers';

export { applyMapping, splitImplicitPrompt, type ApplyOptions, type MappedRows } from './convert';
export { detectFormat, type Detection, type FormatCandidate } from './detect';
export { columnMappingSchema, formatIdSchema, formatIds, FORMAT_LABELS, getField, MAPPING_SLOTS, type ColumnMapping, type FormatId, type MappingSlot } from './mapping';
export { coerceMessages } from './messages';
export { findPromptOverlap, normalisePromptText, promptHash } from './prompt-hash';
export {
  computeFlags,
  isTranscript,
  messageSchema,
  messagesToText,
  preferenceRecordSchema,
  recordFlagsSchema,
  recordKindSchema,
  textToMessages,
  type ImportErrorCode,
  type LocatedError,
  type Message,
  type PreferenceRecord,
  type RecordFlags,
  type RecordKind,
  type RecordSource,
} from './record';
export { readRows, containerFromName, type Container, type RawRow, type ReadResult } from './readers';
export { exportFormats, toCsv, toJsonl, toTrlConversationalRow, toTrlStandardRow, writeRecords, type ExportFormat } from './writers';

/** A path to read, or bytes already in memory (then `file` names them). */
export type FileInput = string | Uint8Array;

export interface InputOptions {
  /** Name used in errors and record sources; defaults to the path's base name. */
  file?: string;
  /** Force a container instead of guessing from the name and content. */
  container?: Container;
}

export interface PreviewOptions extends InputOptions {
  /** Rows read and shown (default 50). */
  sampleSize?: number;
  /** Use this mapping instead of the detected one (the user's override). */
  mapping?: ColumnMapping;
  /** Detect only this format. */
  format?: FormatId;
}

export interface Preview {
  container: Container;
  /** null when no known shape fits: the user must map the columns. */
  format: FormatId | null;
  confidence: number;
  explanation: string;
  mapping: ColumnMapping | null;
  candidates: FormatCandidate[];
  /** Field names seen in the sample, for the mapping step. */
  columns: string[];
  sampleRecords: PreferenceRecord[];
  /** Errors in the sampled rows only. */
  errors: LocatedError[];
}

export interface ParseProgress {
  rowsDone: number;
  rowsTotal: number;
}

export interface ParseOptions extends InputOptions, ApplyOptions {
  mapping?: ColumnMapping;
  format?: FormatId;
  onProgress?: (progress: ParseProgress) => void;
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
  readMs: number;
  mapMs: number;
}

export interface ParseResult {
  container: Container;
  format: FormatId | null;
  mapping: ColumnMapping | null;
  explanation: string;
  records: PreferenceRecord[];
  errors: LocatedError[];
  stats: ParseStats;
}

const DETECTION_SAMPLE = 200;
const PROGRESS_CHUNK = 5000;

async function load(input: FileInput, options: InputOptions): Promise<{ bytes: Uint8Array; file: string }> {
  if (typeof input === 'string') return { bytes: await readFile(input), file: options.file ?? basename(input) };
  return { bytes: input, file: options.file ?? 'upload' };
}

function chooseMapping(sample: RawRow[], options: { mapping?: ColumnMapping; format?: FormatId }) {
  if (options.mapping) {
    return { mapping: options.mapping, confidence: 1, explanation: `${FORMAT_LABELS[options.mapping.format]}: mapping chosen by you.`, candidates: [] };
  }
  const detection = detectFormat(sample.map((r) => r.value), options.format);
  if (detection === null) {
    const columns = [...new Set(sample.flatMap((r) => Object.keys(r.value)))].map((c) => `"${c}"`).join(', ');
    const explanation =
      sample.length === 0
        ? 'No readable rows to recognise a format from.'
        : options.format
          ? `The fields ${columns} do not fit ${FORMAT_LABELS[options.format]}; map the columns yourself.`
          : `No known format fits the fields ${columns}; map the columns yourself.`;
    return { mapping: null, confidence: 0, explanation, candidates: [] };
  }
  return detection;
}

function unrecognised(file: string, explanation: string): LocatedError {
  return { file, code: 'unsupported', severity: 'error', reason: explanation };
}

/** A preview of a large text file reads only its head; Parquet needs its footer, so it is read whole. */
const PREVIEW_BYTES = 8 * 1024 * 1024;

async function loadHead(input: FileInput, options: InputOptions): Promise<{ bytes: Uint8Array; file: string; partial: boolean }> {
  if (typeof input !== 'string' || options.container === 'parquet' || containerFromName(input) === 'parquet') {
    return { ...(await load(input, options)), partial: false };
  }
  const handle = await open(input, 'r');
  try {
    const { size } = await handle.stat();
    if (size <= PREVIEW_BYTES) return { ...(await load(input, options)), partial: false };
    const head = new Uint8Array(PREVIEW_BYTES);
    await handle.read(head, 0, PREVIEW_BYTES, 0);
    if (head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31) return { ...(await load(input, options)), partial: false };
    // Cut at the last line end so the sample does not end mid-row.
    const cut = head.lastIndexOf(0x0a);
    return { bytes: cut > 0 ? head.subarray(0, cut + 1) : head, file: options.file ?? basename(input), partial: true };
  } finally {
    await handle.close();
  }
}

/** Reads the first rows, guesses the format and shows what the import would make of them. */
export async function previewFile(input: FileInput, options: PreviewOptions = {}): Promise<Preview> {
  const { bytes, file, partial } = await loadHead(input, options);
  const read = await readRows(bytes, { file, limit: options.sampleSize ?? 50, ...(options.container ? { container: options.container } : {}) });
  // The head of a big file ends where we stopped reading, not where the file does.
  if (partial) read.errors = read.errors.filter((e) => e.code !== 'truncated');
  const chosen = chooseMapping(read.rows, options);
  const mapped = chosen.mapping ? applyMapping(read.rows, chosen.mapping, file) : { records: [], errors: [] };
  const errors = [...read.errors, ...mapped.errors];
  if (chosen.mapping === null && read.rows.length > 0) errors.push(unrecognised(file, chosen.explanation));
  return {
    container: read.container,
    format: chosen.mapping?.format ?? null,
    confidence: chosen.confidence,
    explanation: chosen.explanation,
    mapping: chosen.mapping,
    candidates: chosen.candidates,
    columns: [...new Set(read.rows.flatMap((r) => Object.keys(r.value)))],
    sampleRecords: mapped.records,
    errors,
  };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Reads the whole file into records; bad rows are reported, never fatal. */
export async function parseFile(input: FileInput, options: ParseOptions = {}): Promise<ParseResult> {
  const started = performance.now();
  const { bytes, file } = await load(input, options);
  const read = await readRows(bytes, { file, ...(options.container ? { container: options.container } : {}) });
  const readMs = performance.now() - started;
  const chosen = chooseMapping(read.rows.slice(0, DETECTION_SAMPLE), options);
  const records: PreferenceRecord[] = [];
  const errors = [...read.errors];
  if (chosen.mapping === null) {
    if (read.rows.length > 0) errors.push(unrecognised(file, chosen.explanation));
  } else {
    for (let at = 0; at < read.rows.length; at += PROGRESS_CHUNK) {
      const mapped = applyMapping(read.rows.slice(at, at + PROGRESS_CHUNK), chosen.mapping, file, options);
      for (const record of mapped.records) records.push(record);
      for (const error of mapped.errors) errors.push(error);
      options.onProgress?.({ rowsDone: Math.min(at + PROGRESS_CHUNK, read.rows.length), rowsTotal: read.rows.length });
      await yieldToEventLoop();
    }
  }
  const byKind: Record<RecordKind, number> = { preference: 0, 'unlabeled-pair': 0, 'prompt-only': 0 };
  let identicalSides = 0;
  let emptySide = 0;
  for (const record of records) {
    byKind[record.kind]++;
    if (record.flags.identicalSides) identicalSides++;
    if (record.flags.emptySide) emptySide++;
  }
  return {
    container: read.container,
    format: chosen.mapping?.format ?? null,
    mapping: chosen.mapping,
    explanation: chosen.explanation,
    records,
    errors,
    stats: {
      rowsSeen: read.rowsSeen,
      imported: records.length,
      rejected: read.rowsSeen - records.length,
      warnings: errors.filter((e) => e.severity === 'warning').length,
      byKind,
      identicalSides,
      emptySide,
      readMs: Math.round(readMs),
      mapMs: Math.round(performance.now() - started - readMs),
    },
  };
}
