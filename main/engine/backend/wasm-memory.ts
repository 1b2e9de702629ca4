// Out-of-memory on wasm as an error a person can act on.
//
// tfjs-backend-wasm allocates every tensor with the module's malloc and does
// not check the result: when the heap (at most 4 GiB) cannot grow, malloc
// returns 0, tfjs writes the tensor over address 0, and the run dies later as
// "memory access out of bounds" or Aborted(). A request of 4 GiB or more
// wraps around in 32-bit wasm and gets a small block instead. The guard turns
// both into WasmOutOfMemoryError at the allocation. Memory estimates before
// a run remain the first line of defence; this is the net under them.
import type { WasmBackendInternals, WasmModule } from './wasm-module';

/** Largest heap the tfjs wasm builds can grow to (Emscripten's getHeapMax, 4 GiB − 64 KiB). */
export const WASM_HEAP_CAP_BYTES = 4_294_901_760;

export class WasmOutOfMemoryError extends Error {
  readonly code = 'WASM_OUT_OF_MEMORY';
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

function outOfMemory(bytes: number, heapBytes: number): WasmOutOfMemoryError {
  return new WasmOutOfMemoryError(
    `The wasm backend ran out of memory: a ${mib(bytes)} tensor does not fit in its heap ` +
      `(${mib(heapBytes)} in use of at most ${mib(WASM_HEAP_CAP_BYTES)}). Use a smaller batch or sequence length, ` +
      `train with LoRA, or install a native backend (@tensorflow/tfjs-node).`,
  );
}

const guarded = new WeakSet<object>();

/** Wraps the module's malloc (what BackendWasm allocates tensors with) so a failed allocation throws. */
export function guardWasmAllocations(backend: Pick<WasmBackendInternals, 'wasm'>): void {
  const module = backend.wasm as WasmModule & { asm?: { malloc?: (bytes: number) => number } };
  if (guarded.has(module)) return;
  // The raw export: Emscripten's _malloc is a stub that replaces itself with
  // the export on first call, which would also replace this wrapper.
  const raw = module.asm?.malloc ?? module._malloc.bind(module);
  module._malloc = (bytes: number): number => {
    const heapBytes = module.wasmMemory?.buffer.byteLength ?? module.HEAPU8.byteLength;
    if (bytes >= WASM_HEAP_CAP_BYTES) throw outOfMemory(bytes, heapBytes);
    // An i32 from wasm: above 2 GiB it reads as negative unless made unsigned.
    const pointer = raw(bytes) >>> 0;
    if (pointer === 0 && bytes > 0) throw outOfMemory(bytes, heapBytes);
    return pointer;
  };
  guarded.add(module);
}
