// Parquet through hyparquet (pure JS). Row groups are read one at a time so a
// corrupt group costs its own rows only. Values are made JSON-safe on the way
// in (bigint, dates, raw bytes) because rows are stored as JSON downstream.
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { parquetMetadata, parquetReadObjects, type Compressors } from 'hyparquet';
import { type LocatedError } from '../record';
import { isPlainObject, type ReadOptions, type ReadResult, type RawRow } from './types';

// Snappy is built into hyparquet; these two come free with Node. ZSTD and LZ4
// need extra packages (hyparquet-compressors) and are reported as unsupported.
const compressors: Compressors = {
  GZIP: (input) => new Uint8Array(gunzipSync(input)),
  BROTLI: (input) => new Uint8Array(brotliDecompressSync(input)),
};

export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = jsonSafe(v);
    return out;
  }
  return value;
}

function unreadable(file: string, reason: string, row?: number): LocatedError {
  return { file, ...(row !== undefined ? { row } : {}), code: 'parquet-unreadable', severity: 'error', reason };
}

export async function readParquet(bytes: Uint8Array, options: ReadOptions): Promise<ReadResult> {
  const { file, limit = Infinity } = options;
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const rows: RawRow[] = [];
  const errors: LocatedError[] = [];
  let metadata;
  try {
    metadata = parquetMetadata(buffer);
  } catch (error) {
    errors.push(
      unreadable(file, `The Parquet footer cannot be read (${(error as Error).message}); the file may be cut off or not Parquet.`),
    );
    return { container: 'parquet', rows, errors, rowsSeen: 0 };
  }
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    if (rowStart >= limit) break;
    const groupRows = Number(group.num_rows);
    const rowEnd = Math.min(rowStart + groupRows, limit);
    try {
      const objects = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd, compressors });
      objects.forEach((object, i) => rows.push({ row: rowStart + i + 1, value: jsonSafe({ ...object }) as Record<string, unknown> }));
    } catch (error) {
      const message = (error as Error).message;
      const hint = /compression codec/.test(message) ? ' Re-save it with snappy, gzip or no compression.' : '';
      errors.push(unreadable(file, `Rows ${rowStart + 1}–${rowStart + groupRows} could not be decoded: ${message}.${hint}`, rowStart + 1));
    }
    rowStart += groupRows;
  }
  return { container: 'parquet', rows, errors, rowsSeen: Math.min(rowStart, limit) };
}
