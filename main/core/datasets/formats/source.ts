// Where the bytes come from: a path on disk or bytes already in memory. Shared
// by preview and parse, together with the mapping choice both make.
import { constants, statSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { StudioError } from '../../../../shared/result';
import { fileError } from '../../file-errors';
import { detectFormat, type FormatCandidate } from './detect';
import { FORMAT_LABELS, type ColumnMapping, type FormatId } from './mapping';
import { type LocatedError } from './record';
import { type Container, type RawRow } from './readers';

/** A path to read, or bytes already in memory (then `file` names them). */
export type FileInput = string | Uint8Array;

export interface InputOptions {
  /** Name used in errors and record sources; defaults to the path's base name. */
  file?: string;
  /** Force a container instead of guessing from the name and content. */
  container?: Container;
}

export function displayName(input: FileInput, options: InputOptions): string {
  return options.file ?? (typeof input === 'string' ? basename(input) : 'upload');
}

/** Default cap on the size of an imported file; STUDIO_IMPORT_MAX_BYTES overrides it. */
export const DEFAULT_IMPORT_MAX_BYTES = 8 * 1024 ** 3;
/** JSON, CSV and Parquet are read whole, and V8 strings stop at ~512 M characters. */
export const WHOLE_FILE_MAX_BYTES = 512 * 1024 ** 2;
const READ_CHUNK = 4 * 1024 * 1024;

export function importMaxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.STUDIO_IMPORT_MAX_BYTES);
  return Number.isSafeInteger(value) && value > 0 ? value : DEFAULT_IMPORT_MAX_BYTES;
}

export function formatSize(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${Number(value.toFixed(1))} ${units[unit]}`;
}

function notRegularKind(stats: Stats): string | null {
  if (stats.isFile()) return null;
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Only regular files within the size cap are imported: a pipe or a device
 * (/dev/zero, /dev/stdin) may never end or may block forever, which would
 * leave the import job running with nothing to show.
 */
export function assertImportable(path: string, stats: Stats): void {
  const kind = notRegularKind(stats);
  if (kind) {
    throw new StudioError(
      'INVALID_ARGUMENT',
      `${path} is ${kind}, not a regular file; only files saved on disk can be imported (a pipe or device may never end).`,
    );
  }
  const max = importMaxBytes();
  if (stats.size > max) {
    throw new StudioError(
      'INVALID_ARGUMENT',
      `${path} is ${formatSize(stats.size)}, over the import limit of ${formatSize(max)}; split it, or raise the limit with STUDIO_IMPORT_MAX_BYTES.`,
    );
  }
}

/** The same check on a path, without opening it (so a pipe cannot block): for refusing an import up front. */
export function checkImportablePath(path: string): void {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (err) {
    throw fileError(err, path, 'read');
  }
  assertImportable(path, stats);
}

// O_NONBLOCK makes open() of a FIFO return at once instead of waiting for a writer, so it can be refused; Windows has no such flag (nor FIFOs at paths).
const OPEN_FLAGS = constants.O_RDONLY | ((constants as Partial<typeof constants>).O_NONBLOCK ?? 0);

/** Opens a file for import, refusing anything but a regular file within the cap. The size is fixed at open: a growing file is read to that size. */
export async function openImportFile(path: string): Promise<{ handle: FileHandle; size: number }> {
  const handle = await open(path, OPEN_FLAGS).catch((err: unknown) => {
    throw fileError(err, path, 'read');
  });
  try {
    const stats = await handle.stat();
    assertImportable(path, stats);
    return { handle, size: stats.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Reads an open import file whole, in chunks (each reported to `onRead`, which feeds the import's no-progress watchdog). */
export async function readOpenFile(path: string, handle: FileHandle, size: number, onRead?: (bytes: number) => void): Promise<Uint8Array> {
  if (size > WHOLE_FILE_MAX_BYTES) {
    throw new StudioError(
      'INVALID_ARGUMENT',
      `${path} is ${formatSize(size)}; JSON, CSV and Parquet files are read whole, which stops at ${formatSize(WHOLE_FILE_MAX_BYTES)}. Save it as JSON Lines (read line by line) or split it.`,
    );
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  while (at < size) {
    const { bytesRead } = await handle.read(bytes, at, Math.min(READ_CHUNK, size - at), at);
    if (bytesRead === 0) break;
    at += bytesRead;
    onRead?.(bytesRead);
  }
  return at === size ? bytes : bytes.subarray(0, at);
}

export async function loadBytes(input: FileInput, onRead?: (bytes: number) => void): Promise<Uint8Array> {
  if (typeof input !== 'string') return input;
  const { handle, size } = await openImportFile(input);
  try {
    return await readOpenFile(input, handle, size, onRead);
  } finally {
    await handle.close();
  }
}

export interface MappingChoice {
  mapping: ColumnMapping | null;
  confidence: number;
  explanation: string;
  candidates: FormatCandidate[];
}

/** The user's mapping if given, else the best detected one (optionally among one format only). */
export function chooseMapping(sample: RawRow[], options: { mapping?: ColumnMapping; format?: FormatId }): MappingChoice {
  if (options.mapping) {
    return {
      mapping: options.mapping,
      confidence: 1,
      explanation: `${FORMAT_LABELS[options.mapping.format]}: mapping chosen by you.`,
      candidates: [],
    };
  }
  const detection = detectFormat(
    sample.map((r) => r.value),
    options.format,
  );
  if (detection !== null) return detection;
  const columns = [...new Set(sample.flatMap((r) => Object.keys(r.value)))].map((c) => `"${c}"`).join(', ');
  const explanation =
    sample.length === 0
      ? 'No readable rows to recognise a format from.'
      : options.format
        ? `The fields ${columns} do not fit ${FORMAT_LABELS[options.format]}; map the columns yourself.`
        : `No known format fits the fields ${columns}; map the columns yourself.`;
  return { mapping: null, confidence: 0, explanation, candidates: [] };
}

export function unrecognised(file: string, explanation: string): LocatedError {
  return { file, code: 'unsupported', severity: 'error', reason: explanation };
}
