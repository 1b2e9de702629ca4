// Out-of-memory on wasm surfaces as WasmOutOfMemoryError at the allocation,
// never as a write over address 0 that dies later.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, WASM_HEAP_CAP_BYTES, WasmOutOfMemoryError } from '../../../../main/engine/backend';
import { guardWasmAllocations } from '../../../../main/engine/backend/wasm-memory';
import type { WasmModule } from '../../../../main/engine/backend/wasm-module';

describe('wasm allocation guard', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1, env: {} });
  });

  it('refuses a tensor larger than the heap can ever grow, and the backend keeps working', () => {
    const floats = Math.ceil(WASM_HEAP_CAP_BYTES / 4) + 1;
    expect(() => tf.zeros([floats])).toThrow(WasmOutOfMemoryError);
    expect(() => tf.zeros([floats])).toThrow(/out of memory: a 4096 MiB tensor .* LoRA/);
    expect(tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([3, 2])).arraySync())).toEqual([
      [3, 3],
      [3, 3],
    ]);
  });

  it('turns a malloc that returns 0 (heap full) into the error', () => {
    const calls: number[] = [];
    const fake = {
      HEAPU8: new Uint8Array(64),
      asm: {
        malloc: (bytes: number) => {
          calls.push(bytes);
          return bytes > 1000 ? 0 : 16;
        },
      },
      _malloc: () => {
        throw new Error('the lazy stub must not be called');
      },
    } as unknown as WasmModule;
    guardWasmAllocations({ wasm: fake });
    expect(fake._malloc(100)).toBe(16);
    expect(() => fake._malloc(2000)).toThrow(WasmOutOfMemoryError);
    expect(calls).toEqual([100, 2000]);
  });
});
