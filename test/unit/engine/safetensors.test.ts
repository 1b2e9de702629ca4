import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bf16ToF32,
  f16ToF32,
  openSafetensorsFolder,
  SafetensorsFile,
  writeSafetensors,
  type LoadedTensor,
} from '../../../main/engine/safetensors';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'st-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Hand-assembled safetensors bytes, independent of the writer under test. */
function rawFile(header: Record<string, unknown>, data: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

async function readAll(file: SafetensorsFile): Promise<Map<string, LoadedTensor>> {
  const out = new Map<string, LoadedTensor>();
  await file.read((t) => {
    out.set(t.name, t);
  });
  return out;
}

describe('safetensors', () => {
  it('round-trips F32 tensors through the writer with an 8-byte aligned header and pt metadata', async () => {
    const file = path.join(tempDir(), 'model.safetensors');
    await writeSafetensors(file, [
      { name: 'a', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
      { name: 'b.bias', shape: [1], data: Float32Array.from([-0.5]) },
    ]);
    const bytes = readFileSync(file);
    const headerLen = Number(bytes.readBigUInt64LE(0));
    expect((8 + headerLen) % 8).toBe(0);
    const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString()) as Record<string, unknown>;
    expect(header.__metadata__).toEqual({ format: 'pt' });
    const st = await SafetensorsFile.open(file);
    const all = await readAll(st);
    expect([...all.get('a')!.data]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(all.get('a')!.shape).toEqual([2, 3]);
    expect([...all.get('b.bias')!.data]).toEqual([-0.5]);
    expect(readdirSync(path.dirname(file))).toEqual(['model.safetensors']);
  });

  it('pulls lazily provided tensors one at a time and leaves nothing behind when one is wrong', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'lazy.safetensors');
    const order: string[] = [];
    await writeSafetensors(file, [
      { name: 'x', shape: [2], data: () => Promise.resolve((order.push('x'), Float32Array.from([1, 2]))) },
      { name: 'y', shape: [1], data: () => Promise.resolve((order.push('y'), Float32Array.from([3]))) },
    ]);
    expect(order).toEqual(['x', 'y']);
    const all = await readAll(await SafetensorsFile.open(file));
    expect([...all.get('y')!.data]).toEqual([3]);
    await expect(
      writeSafetensors(path.join(dir, 'bad.safetensors'), [{ name: 'z', shape: [3], data: () => Promise.resolve(Float32Array.from([1])) }]),
    ).rejects.toThrow(/Tensor z: 1 values do not match shape \[3\]/);
    expect(readdirSync(dir)).toEqual(['lazy.safetensors']);
  });

  it('converts F16 and BF16 (incl. subnormals and infinities) and I64 values', async () => {
    expect([...f16ToF32(Uint16Array.from([0x3c00, 0xc000, 0x0001, 0x7c00, 0x3555]))]).toEqual([
      1,
      -2,
      2 ** -24,
      Infinity,
      Math.fround(0.333251953125),
    ]);
    expect([...bf16ToF32(Uint16Array.from([0x3f80, 0xc0a0, 0x3e80]))]).toEqual([1, -5, 0.25]);

    const f16 = new Uint8Array(Uint16Array.from([0x3c00, 0xbc00]).buffer);
    const i64 = new Uint8Array(BigInt64Array.from([7n, -3n]).buffer);
    const file = path.join(tempDir(), 'mixed.safetensors');
    writeFileSync(
      file,
      rawFile(
        { h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] }, n: { dtype: 'I64', shape: [2], data_offsets: [4, 20] } },
        new Uint8Array([...f16, ...i64]),
      ),
    );
    const all = await readAll(await SafetensorsFile.open(file));
    expect([...all.get('h')!.data]).toEqual([1, -1]);
    expect(all.get('n')!.data).toBeInstanceOf(Int32Array);
    expect([...all.get('n')!.data]).toEqual([7, -3]);
  });

  it('names the file and the tensor when data is truncated or inconsistent', async () => {
    const dir = tempDir();
    const truncated = path.join(dir, 'truncated.safetensors');
    writeFileSync(truncated, rawFile({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8)));
    await expect(SafetensorsFile.open(truncated)).rejects.toMatchObject({ code: 'invalid_weights' });
    await expect(SafetensorsFile.open(truncated)).rejects.toThrow(/truncated\.safetensors is truncated: tensor w/);

    const wrongSize = path.join(dir, 'wrong.safetensors');
    writeFileSync(wrongSize, rawFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, new Uint8Array(16)));
    await expect(SafetensorsFile.open(wrongSize)).rejects.toThrow(/wrong\.safetensors: tensor w spans 16 bytes/);

    const badDtype = path.join(dir, 'dtype.safetensors');
    writeFileSync(badDtype, rawFile({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)));
    await expect(SafetensorsFile.open(badDtype)).rejects.toThrow(/tensor w has dtype F8_E4M3/);

    const garbage = path.join(dir, 'garbage.safetensors');
    writeFileSync(garbage, Buffer.from('this is not a safetensors file at all'));
    await expect(SafetensorsFile.open(garbage)).rejects.toThrow(/garbage\.safetensors is corrupt or truncated/);
  });

  it('opens sharded checkpoints through model.safetensors.index.json', async () => {
    const files = await openSafetensorsFolder(path.resolve(__dirname, '../../fixtures/models/tiny-llama'));
    expect(files.map((f) => path.basename(f.file))).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    const names = files.flatMap((f) => f.names());
    expect(names).toContain('model.embed_tokens.weight');
    expect(names).toContain('lm_head.weight');
  });

  it('refuses a folder without weights, naming both expected files', async () => {
    await expect(openSafetensorsFolder(tempDir())).rejects.toThrow(/neither model\.safetensors nor model\.safetensors\.index\.json/);
  });
});
