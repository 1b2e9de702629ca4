// Finds out which tfjs backends this machine can run, and why not when not.
// The native backends are optionalDependencies whose install script downloads
// libtensorflow; where that host is unreachable npm drops them, so their
// absence is an ordinary state reported in words, never a crash.
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { localRequire } from './node-require';
import { probeWebGpu } from './webgpu';
import { threadsUnsupportedReason } from './wasm-threads';

export type BackendChoice = 'node-gpu' | 'webgpu' | 'node' | 'wasm' | 'cpu';
/** CUDA first, then any vendor's GPU through WebGPU, then the CPU backends. */
export const BACKEND_ORDER: readonly BackendChoice[] = ['node-gpu', 'webgpu', 'node', 'wasm', 'cpu'];

export const NATIVE_PACKAGES = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
} as const;

export interface Availability {
  name: BackendChoice;
  available: boolean;
  /** Why it cannot be used (when unavailable), or what it runs on. */
  reason: string;
}

export function isInstalled(pkg: string): boolean {
  try {
    localRequire().resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

function notInstalledReason(pkg: string): string {
  return (
    `${pkg} is not installed: it is an optional dependency whose install script downloads libtensorflow ` +
    `from Google's servers, and npm drops it when that download fails (as on machines that cannot reach them)`
  );
}

interface NativeProbe {
  loaded: boolean;
  reason: string;
}
const nativeProbes = new Map<string, Promise<NativeProbe>>();

/**
 * Loads a native backend package once (importing it registers the
 * 'tensorflow' backend). Both native packages register the same name, so
 * only the first that loads is used in a process.
 */
export function probeNative(choice: 'node-gpu' | 'node'): Promise<NativeProbe> {
  const pkg = NATIVE_PACKAGES[choice];
  let probe = nativeProbes.get(pkg);
  if (!probe) {
    probe = (async (): Promise<NativeProbe> => {
      if (!isInstalled(pkg)) return { loaded: false, reason: notInstalledReason(pkg) };
      const other = choice === 'node' ? NATIVE_PACKAGES['node-gpu'] : NATIVE_PACKAGES.node;
      const otherProbe = nativeProbes.get(other);
      if (otherProbe && (await otherProbe).loaded) {
        return { loaded: false, reason: `${other} is already loaded in this process and provides the same 'tensorflow' backend` };
      }
      try {
        await import(/* @vite-ignore */ pkg);
      } catch (error) {
        return { loaded: false, reason: `${pkg} is installed but failed to load: ${(error as Error).message.split('\n')[0]}` };
      }
      if (!tf.findBackendFactory('tensorflow')) return { loaded: false, reason: `${pkg} loaded but registered no 'tensorflow' backend` };
      return { loaded: true, reason: `${pkg} loaded (libtensorflow, native threads)` };
    })();
    nativeProbes.set(pkg, probe);
  }
  return probe;
}

export async function wasmSimdSupported(): Promise<boolean> {
  return Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
}

/** Default wasm thread count: every core, at most the 8 workers the tfjs build preallocates. */
export function defaultWasmThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

export async function detectBackends(): Promise<Availability[]> {
  const result: Availability[] = [];
  const gpu = await probeNative('node-gpu');
  result.push({ name: 'node-gpu', available: gpu.loaded, reason: gpu.reason });
  const webgpu = await probeWebGpu();
  result.push({
    name: 'webgpu',
    available: webgpu.available,
    reason: webgpu.available
      ? `${webgpu.adapter.fallback ? 'software adapter (auto skips it: slower than wasm; STUDIO_BACKEND=webgpu uses it)' : 'GPU adapter'}: ` +
        `${webgpu.adapter.vendor} ${webgpu.adapter.architecture}, ${webgpu.adapter.description}`
      : webgpu.reason,
  });
  const cpuNative = await probeNative('node');
  result.push({ name: 'node', available: cpuNative.loaded, reason: cpuNative.reason });
  const simd = await wasmSimdSupported();
  const threadsReason = threadsUnsupportedReason();
  result.push({
    name: 'wasm',
    available: true,
    reason:
      `WebAssembly${simd ? ' with SIMD' : ' without SIMD (slow)'}: the studio's kernels and XNNPACK, ` +
      (threadsReason ? `1 thread (${threadsReason})` : `up to ${defaultWasmThreads()} threads`),
  });
  result.push({ name: 'cpu', available: true, reason: 'plain JavaScript kernels: correct but far too slow to train (last resort)' });
  return result;
}
