// Picks and starts the tfjs backend: the first that works of node-gpu, webgpu,
// node, wasm, cpu, unless the user names one (option, or STUDIO_BACKEND).
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { BACKEND_ORDER, defaultWasmThreads, probeNative, wasmSimdSupported, type BackendChoice } from './detect';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { gemmEnabled, gemmError, gemmFor, registerStockBatchMatMul } from './wasm-matmul';
import { guardWasmAllocations } from './wasm-memory';
import { asInternals } from './wasm-module';
import { releaseWebGpuDevice, startWebGpu, type WebGpuAdapterInfo } from './webgpu';
import { registerThreadedWasm, threadedStartError, threadsUnsupportedReason, unrefWasmWorkers } from './wasm-threads';

export interface InitBackendOptions {
  /** 'auto' (default) or a backend to use; overrides STUDIO_BACKEND. */
  backend?: BackendChoice | 'auto';
  /** wasm threads; default STUDIO_WASM_THREADS or every core (max 8). */
  threads?: number;
  /** Route every wasm matmul through XNNPACK and add the missing training kernels (default true). */
  trainingKernels?: boolean;
  /** Environment to read STUDIO_BACKEND / STUDIO_WASM_THREADS from (default process.env). */
  env?: Record<string, string | undefined>;
}

export interface BackendInfo {
  name: BackendChoice;
  /** The name tfjs knows it by ('tensorflow' for both native backends). */
  tfBackend: string;
  /** Compute threads: wasm's XNNPACK pool size; null where tfjs does not say (native). */
  threads: number | null;
  simd: boolean | null;
  trainingKernels: boolean;
  /** Why this backend, and why not the ones before it. */
  notes: string[];
  /** The GPU adapter (webgpu only). */
  adapter?: WebGpuAdapterInfo;
}

export class BackendUnavailableError extends Error {
  readonly code = 'BACKEND_UNAVAILABLE';
}

let current: BackendInfo | null = null;
/** tfjs's own wasm factory, kept so a failed threaded start can fall back to it. */
let stockWasmFactory: { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number } | null = null;
let wasmThreadsNote: string | null = null;

export function currentBackend(): BackendInfo | null {
  return current;
}

function parseChoice(value: string | undefined, source: string): BackendChoice | 'auto' | undefined {
  if (value === undefined || value === '') return undefined;
  const normalized = value.trim().toLowerCase();
  if (normalized === 'auto' || (BACKEND_ORDER as readonly string[]).includes(normalized)) return normalized as BackendChoice | 'auto';
  throw new BackendUnavailableError(`${source}=${value} is not a backend; use one of auto, ${BACKEND_ORDER.join(', ')}`);
}

function parseThreads(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new BackendUnavailableError(`STUDIO_WASM_THREADS=${value} must be a whole number ≥ 1`);
  return n;
}

async function startNative(choice: 'node-gpu' | 'node', notes: string[]): Promise<BackendInfo | null> {
  const probe = await probeNative(choice);
  if (!probe.loaded) {
    notes.push(`${choice}: ${probe.reason}`);
    return null;
  }
  if (!(await tf.setBackend('tensorflow'))) {
    notes.push(`${choice}: the 'tensorflow' backend failed to start`);
    return null;
  }
  return { name: choice, tfBackend: 'tensorflow', threads: null, simd: null, trainingKernels: false, notes };
}

function engineRegistry(): Record<string, { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number }> {
  return (tf.engine() as unknown as { registryFactory: ReturnType<typeof engineRegistry> }).registryFactory;
}

async function startWasm(threads: number, trainingKernels: boolean, notes: string[]): Promise<BackendInfo | null> {
  if (trainingKernels) registerWasmTrainingKernels();
  else registerStockBatchMatMul();
  if (!tf.findBackend('wasm')) {
    stockWasmFactory ??= engineRegistry()['wasm'] ?? null;
    wasmThreadsNote = null;
    const unsupported = threads > 1 ? threadsUnsupportedReason() : null;
    if (threads > 1 && !unsupported) {
      // With the studio's GEMM doing the matmuls, XNNPACK's pool keeps one thread (see registerThreadedWasm).
      registerThreadedWasm(threads, trainingKernels && gemmEnabled() ? 1 : threads);
      if (!(await tf.setBackend('wasm'))) {
        wasmThreadsNote = `1 thread: multi-threaded wasm failed to start (${threadedStartError() ?? 'unknown error'})`;
        tf.removeBackend('wasm');
        if (stockWasmFactory) tf.registerBackend('wasm', stockWasmFactory.factory, stockWasmFactory.priority);
      }
    } else {
      if (unsupported) wasmThreadsNote = `1 thread: ${unsupported}`;
      // After shutdownBackend() the factory is gone from tfjs's registry.
      if (!engineRegistry()['wasm'] && stockWasmFactory) tf.registerBackend('wasm', stockWasmFactory.factory, stockWasmFactory.priority);
    }
  }
  if (tf.getBackend() !== 'wasm' && !(await tf.setBackend('wasm'))) {
    notes.push('wasm: the backend failed to start');
    return null;
  }
  if (wasmThreadsNote) notes.push(`wasm: ${wasmThreadsNote}`);
  unrefWasmWorkers(tf.backend());
  guardWasmAllocations(asInternals(tf.backend()));
  let computeThreads = getThreadsCount();
  if (trainingKernels && gemmEnabled()) {
    const gemm = gemmFor(asInternals(tf.backend()));
    if (gemm) {
      computeThreads = gemm.threads;
      notes.push(
        `wasm: matmuls on the studio's GEMM (${gemm.fma ? 'relaxed-SIMD FMA' : 'SIMD multiply and add'}, ${gemm.threads} thread${gemm.threads === 1 ? '' : 's'}); XNNPACK for the rest (${getThreadsCount()} thread${getThreadsCount() === 1 ? '' : 's'})`,
      );
    } else {
      notes.push(`wasm: the studio's GEMM did not start (${gemmError() ?? 'unknown error'}); matmuls on XNNPACK`);
    }
  }
  return { name: 'wasm', tfBackend: 'wasm', threads: computeThreads, simd: await wasmSimdSupported(), trainingKernels, notes };
}

async function startWebGpuBackend(named: boolean, notes: string[]): Promise<BackendInfo | null> {
  // A software adapter is slower than wasm: auto skips it, naming webgpu uses it.
  const adapter = await startWebGpu(notes, { allowFallbackAdapter: named });
  if (!adapter) {
    // A factory left registered would be tried again by tfjs's own backend choice.
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    return null;
  }
  notes.push(
    `webgpu: ${adapter.vendor} ${adapter.architecture} (${adapter.description})${adapter.fallback ? ', a software (fallback) adapter' : ''}`,
  );
  return { name: 'webgpu', tfBackend: 'webgpu', threads: null, simd: null, trainingKernels: false, notes, adapter };
}

/**
 * Starts the chosen backend (once per process for wasm's thread count: the
 * module is built when first used). Throws BackendUnavailableError when a
 * backend the user named cannot run, with the reason.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const env = options.env ?? process.env;
  const requested = options.backend ?? parseChoice(env['STUDIO_BACKEND'], 'STUDIO_BACKEND') ?? 'auto';
  const threads = options.threads ?? parseThreads(env['STUDIO_WASM_THREADS']) ?? defaultWasmThreads();
  const trainingKernels = options.trainingKernels ?? true;
  const candidates = requested === 'auto' ? BACKEND_ORDER : [requested];
  const notes: string[] = requested === 'auto' ? [] : [`chosen by the user (${options.backend ? 'option' : 'STUDIO_BACKEND'})`];
  for (const choice of candidates) {
    let info: BackendInfo | null;
    if (choice === 'node-gpu' || choice === 'node') info = await startNative(choice, notes);
    else if (choice === 'webgpu') info = await startWebGpuBackend(requested === 'webgpu', notes);
    else if (choice === 'wasm') info = await startWasm(threads, trainingKernels, notes);
    else
      info = (await tf.setBackend('cpu')) ? { name: 'cpu', tfBackend: 'cpu', threads: 1, simd: null, trainingKernels: false, notes } : null;
    if (info) {
      // What tfjs really runs on, whatever the steps before reported.
      if (tf.getBackend() !== info.tfBackend) throw new BackendUnavailableError(`tfjs runs on ${tf.getBackend()}, not ${info.tfBackend}`);
      current = info;
      return info;
    }
  }
  throw new BackendUnavailableError(`The ${requested} backend cannot run here: ${notes.join('; ')}`);
}

/**
 * Releases the backend's threads and memory. A process that used threaded
 * wasm exits on its own (its workers are unreferenced), but a long-lived one
 * that is done with tensors can free them here.
 */
export function shutdownBackend(): void {
  if (current) tf.removeBackend(current.tfBackend);
  if (current?.name === 'webgpu') releaseWebGpuDevice();
  current = null;
}
