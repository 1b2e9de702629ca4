// The import dialog's first step: read the head of a file, guess the format
// and show what the import would make of the first rows.
import { applyMapping } from './convert';
import { type FormatCandidate } from './detect';
import { type ColumnMapping, type FormatId } from './mapping';
import { type LocatedError, type PreferenceRecord } from './record';
import { containerFromName, readRows, type Container } from './readers';
import { isParquet } from './readers/text';
import { chooseMapping, displayName, openImportFile, readOpenFile, unrecognised, type FileInput, type InputOptions } from './source';

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

/** A preview of a large text file reads only its head; Parquet needs its footer, so it is read whole. */
const PREVIEW_BYTES = 8 * 1024 * 1024;

async function loadHead(input: FileInput, options: InputOptions): Promise<{ bytes: Uint8Array; partial: boolean }> {
  if (typeof input !== 'string') return { bytes: input, partial: false };
  const { handle, size } = await openImportFile(input);
  try {
    if (size <= PREVIEW_BYTES || options.container === 'parquet' || containerFromName(input) === 'parquet') {
      return { bytes: await readOpenFile(input, handle, size), partial: false };
    }
    const head = new Uint8Array(PREVIEW_BYTES);
    await handle.read(head, 0, PREVIEW_BYTES, 0);
    if (isParquet(head)) return { bytes: await readOpenFile(input, handle, size), partial: false };
    // Cut at the last line end so the sample does not end mid-row.
    const cut = head.lastIndexOf(0x0a);
    return { bytes: cut > 0 ? head.subarray(0, cut + 1) : head, partial: true };
  } finally {
    await handle.close();
  }
}

export async function previewFile(input: FileInput, options: PreviewOptions = {}): Promise<Preview> {
  const file = displayName(input, options);
  const { bytes, partial } = await loadHead(input, options);
  const read = await readRows(bytes, {
    file,
    limit: options.sampleSize ?? 50,
    ...(options.container ? { container: options.container } : {}),
  });
  // The head of a big file ends where we stopped reading, not where the file does.
  const readErrors = partial ? read.errors.filter((e) => e.code !== 'truncated') : read.errors;
  const chosen = chooseMapping(read.rows, options);
  const mapped = chosen.mapping ? applyMapping(read.rows, chosen.mapping, file) : { records: [], errors: [] };
  const errors = [...readErrors, ...mapped.errors];
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
