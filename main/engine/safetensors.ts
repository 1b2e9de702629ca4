/**
 * Safetensors reading and writing without ever holding a whole file in memory.
 *
 * Format: 8-byte little-endian header length N, N bytes of JSON
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} }`,
 * then the data section; offsets are relative to the start of the data section.
 * Multi-GB checkpoints exist, so each tensor is read by offset into its own buffer.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { EngineError } from './errors';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'I64' | 'I32';

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4 };

export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte offsets in the file (header included). */
  begin: number;
  end: number;
}

export interface LoadedTensor {
  name: string;
  shape: number[];
  /** Floating dtypes are converted to float32; integer dtypes to int32. */
  data: Float32Array | Int32Array;
  sourceDtype: SafetensorsDtype;
}

export class SafetensorsError extends EngineError {
  constructor(message: string) {
    super('invalid_weights', message);
    this.name = 'SafetensorsError';
  }
}

/** Converts IEEE half floats to float32 (handles subnormals, inf and NaN). */
export function f16ToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * frac * 2 ** -24;
    else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/** bfloat16 is the upper half of a float32, so a shift is exact. */
export function bf16ToF32(bits: Uint16Array): Float32Array {
  const u32 = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) u32[i] = bits[i]! << 16;
  return new Float32Array(u32.buffer);
}

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** One safetensors file, opened lazily: the header is parsed, tensors are read on demand. */
export class SafetensorsFile {
  private constructor(
    readonly file: string,
    readonly tensors: Map<string, TensorInfo>,
    readonly metadata: Record<string, string>,
  ) {}

  static async open(file: string): Promise<SafetensorsFile> {
    const handle = await fs.open(file, 'r').catch((e: unknown) => {
      throw new SafetensorsError(`Cannot open safetensors file ${file}: ${(e as Error).message}`);
    });
    try {
      const size = (await handle.stat()).size;
      if (size < 8) throw new SafetensorsError(`${file} is not a safetensors file: only ${size} bytes`);
      const lenBuf = Buffer.alloc(8);
      await handle.read(lenBuf, 0, 8, 0);
      const headerLen = Number(lenBuf.readBigUInt64LE(0));
      if (headerLen <= 0 || headerLen > size - 8 || headerLen > 100_000_000) {
        throw new SafetensorsError(`${file} is corrupt or truncated: header length ${headerLen} does not fit a file of ${size} bytes`);
      }
      const headerBuf = Buffer.alloc(headerLen);
      await handle.read(headerBuf, 0, headerLen, 8);
      let header: Record<string, unknown>;
      try {
        header = JSON.parse(headerBuf.toString('utf8')) as Record<string, unknown>;
      } catch (e) {
        throw new SafetensorsError(`${file} has an unreadable JSON header: ${(e as Error).message}`);
      }
      const dataStart = 8 + headerLen;
      const tensors = new Map<string, TensorInfo>();
      let metadata: Record<string, string> = {};
      for (const [name, raw] of Object.entries(header)) {
        if (name === '__metadata__') {
          metadata = (raw ?? {}) as Record<string, string>;
          continue;
        }
        tensors.set(name, parseEntry(file, name, raw, dataStart, size));
      }
      return new SafetensorsFile(file, tensors, metadata);
    } finally {
      await handle.close();
    }
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  /** Reads the given tensors (all when omitted), one buffer per tensor, and calls `onTensor` for each. */
  async read(onTensor: (t: LoadedTensor) => void | Promise<void>, names?: string[]): Promise<void> {
    const handle = await fs.open(this.file, 'r');
    try {
      for (const name of names ?? this.names()) {
        const info = this.tensors.get(name);
        if (!info) throw new SafetensorsError(`${this.file} has no tensor named ${name}`);
        const buf = Buffer.alloc(info.end - info.begin);
        const { bytesRead } = await handle.read(buf, 0, buf.length, info.begin);
        if (bytesRead !== buf.length) {
          throw new SafetensorsError(`${this.file} is truncated: tensor ${name} needs ${buf.length} bytes, got ${bytesRead}`);
        }
        await onTensor({ name, shape: info.shape, data: decode(buf, info.dtype), sourceDtype: info.dtype });
      }
    } finally {
      await handle.close();
    }
  }
}

function parseEntry(file: string, name: string, raw: unknown, dataStart: number, size: number): TensorInfo {
  const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  const dtype = entry?.dtype;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    throw new SafetensorsError(`${file}: tensor ${name} has dtype ${String(dtype)}; supported: ${Object.keys(DTYPE_BYTES).join(', ')}`);
  }
  const shape = entry.shape;
  const offsets = entry.data_offsets;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new SafetensorsError(`${file}: tensor ${name} has an invalid shape ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
    throw new SafetensorsError(`${file}: tensor ${name} has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [b, e] = offsets as [number, number];
  const expected = product(shape as number[]) * DTYPE_BYTES[dtype as SafetensorsDtype];
  if (e - b !== expected) {
    throw new SafetensorsError(
      `${file}: tensor ${name} spans ${e - b} bytes but shape ${JSON.stringify(shape)} × ${dtype} needs ${expected}`,
    );
  }
  if (dataStart + e > size) {
    throw new SafetensorsError(`${file} is truncated: tensor ${name} ends at byte ${dataStart + e} but the file has ${size} bytes`);
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin: dataStart + b, end: dataStart + e };
}

function decode(buf: Buffer, dtype: SafetensorsDtype): Float32Array | Int32Array {
  // Copy into an aligned ArrayBuffer: Buffer.alloc may share a pool with odd offsets.
  const bytes = new Uint8Array(buf.length);
  bytes.set(buf);
  switch (dtype) {
    case 'F32':
      return new Float32Array(bytes.buffer);
    case 'F16':
      return f16ToF32(new Uint16Array(bytes.buffer));
    case 'BF16':
      return bf16ToF32(new Uint16Array(bytes.buffer));
    case 'I32':
      return new Int32Array(bytes.buffer);
    case 'I64': {
      const big = new BigInt64Array(bytes.buffer);
      const out = new Int32Array(big.length);
      for (let i = 0; i < big.length; i++) out[i] = Number(big[i]!);
      return out;
    }
  }
}

export const SHARD_INDEX = 'model.safetensors.index.json';
export const SINGLE_FILE = 'model.safetensors';

/**
 * Opens the weights of an HF folder: `model.safetensors`, or the shards listed in
 * `model.safetensors.index.json` (`weight_map: { tensorName: shardFile }`).
 */
export async function openSafetensorsFolder(dir: string): Promise<SafetensorsFile[]> {
  const indexPath = path.join(dir, SHARD_INDEX);
  const hasIndex = await fs.stat(indexPath).then(
    () => true,
    () => false,
  );
  if (!hasIndex) {
    const single = path.join(dir, SINGLE_FILE);
    const exists = await fs.stat(single).then(
      () => true,
      () => false,
    );
    if (!exists) throw new EngineError('model_folder_invalid', `${dir} has neither ${SINGLE_FILE} nor ${SHARD_INDEX}`);
    return [await SafetensorsFile.open(single)];
  }
  let index: { weight_map?: Record<string, string> };
  try {
    index = JSON.parse(await fs.readFile(indexPath, 'utf8')) as typeof index;
  } catch (e) {
    throw new SafetensorsError(`${indexPath} is not valid JSON: ${(e as Error).message}`);
  }
  if (!index.weight_map || typeof index.weight_map !== 'object') {
    throw new SafetensorsError(`${indexPath} has no weight_map`);
  }
  const shards = [...new Set(Object.values(index.weight_map))].sort();
  const files: SafetensorsFile[] = [];
  for (const shard of shards) files.push(await SafetensorsFile.open(path.join(dir, shard)));
  for (const [name, shard] of Object.entries(index.weight_map)) {
    const file = files.find((f) => path.basename(f.file) === shard);
    if (!file?.tensors.has(name)) throw new SafetensorsError(`${indexPath} maps ${name} to ${shard}, which lacks it`);
  }
  return files;
}

export interface TensorToWrite {
  name: string;
  shape: number[];
  /** The values, or a function that produces them when the writer gets to this tensor. */
  data: Float32Array | (() => Promise<Float32Array>);
}

/**
 * Writes F32 tensors as one safetensors file, atomically: a temp file in the same
 * folder, then rename. Tensors are written one at a time (no whole-file buffer).
 */
export async function writeSafetensors(
  file: string,
  tensors: TensorToWrite[],
  metadata: Record<string, string> = { format: 'pt' },
): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const bytes = product(t.shape) * 4;
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const lenBuf = Buffer.alloc(8);
  lenBuf.writeBigUInt64LE(BigInt(headerBytes.length));

  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.write(lenBuf);
    await handle.write(headerBytes);
    // One tensor's values in memory at a time, so saving never doubles the model's footprint.
    for (const t of tensors) {
      const data = typeof t.data === 'function' ? await t.data() : t.data;
      if (data.length !== product(t.shape)) {
        throw new SafetensorsError(`Tensor ${t.name}: ${data.length} values do not match shape ${JSON.stringify(t.shape)}`);
      }
      await handle.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
    await handle.sync();
  } catch (e) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  await fs.rename(tmp, file);
}
