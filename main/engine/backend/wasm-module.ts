// The parts of tfjs-backend-wasm's Emscripten module and BackendWasm that our
// kernels touch. tfjs types them against @types/emscripten, which is not a
// dependency here, so we name the few members we use ourselves.
import type { DataType } from '@tensorflow/tfjs';

export interface WasmModule {
  HEAPU8: Uint8Array;
  /** Present in the threaded build: its buffer is always the current (grown) heap. */
  wasmMemory?: WasmMemory;
  /** The instance's exports; the unthreaded builds export their memory here. */
  asm?: { memory?: WasmMemory };
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: unknown[]) => unknown;
  tfjs: {
    initWithThreadsCount(threads: number): void;
    getThreadsCount(): number;
    registerTensor(id: number, size: number, memoryOffset: number): void;
    disposeData(id: number): void;
    dispose(): void;
  };
  PThread?: {
    runningWorkers: { unref(): void }[];
    unusedWorkers: { unref(): void }[];
    terminateAllThreads(): void;
  };
}

// tsconfig.node.json has no DOM lib, and @types/node declares only part of
// the WebAssembly namespace; these are the members we use.
export interface WasmMemory {
  buffer: ArrayBufferLike;
}
export interface WasmInstantiation {
  instance: unknown;
  module: unknown;
}
export const webAssembly = (
  globalThis as unknown as {
    WebAssembly: { instantiate(binary: Uint8Array, imports: object): Promise<WasmInstantiation> };
  }
).WebAssembly;

export interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: DataType;
  refCount: number;
}

export interface WasmTensorInfo {
  dataId: object;
  shape: number[];
  dtype: DataType;
}

/** The BackendWasm members our kernels use (its d.ts marks some private). */
export interface WasmBackendInternals {
  wasm: WasmModule;
  dataIdNextNumber: number;
  dataIdMap: { get(dataId: object): WasmTensorData | undefined };
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number): WasmTensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

export function asInternals(backend: unknown): WasmBackendInternals {
  return backend as WasmBackendInternals;
}

export function tensorData(backend: WasmBackendInternals, info: { dataId: object }): WasmTensorData {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new Error('wasm backend: tensor data not found (disposed tensor?)');
  return data;
}
