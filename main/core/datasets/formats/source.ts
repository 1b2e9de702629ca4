// Where the bytes come from: a path on disk or bytes already in memory. Shared
// by preview and parse, together with the mapping choice both make.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
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

export async function loadBytes(input: FileInput): Promise<Uint8Array> {
  return typeof input === 'string' ? readFile(input) : input;
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
    return { mapping: options.mapping, confidence: 1, explanation: `${FORMAT_LABELS[options.mapping.format]}: mapping chosen by you.`, candidates: [] };
  }
  const detection = detectFormat(sample.map((r) => r.value), options.format);
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
