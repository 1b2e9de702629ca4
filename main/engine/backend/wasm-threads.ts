// Multi-threaded tfjs-backend-wasm under Node.
//
// tfjs 4.22 refuses threads in Node (WASM_HAS_MULTITHREAD_SUPPORT is false
// when IS_NODE) and, were it to try, hands Emscripten a Blob URL for the
// pthread worker and the main script, which Node's worker_threads cannot load.
// So we build the threaded-SIMD module ourselves: the worker glue is written
// to a file, the main script is the package's own glue file, and the thread
// count is passed explicitly (the C++ default halves the logical core count,
// which gives one thread on a 2-core machine). This leans on the package's
// file layout, so it is pinned to the version it was verified against.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BackendWasm, setThreadsCount, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { localRequire } from './node-require';
import { webAssembly, type WasmModule } from './wasm-module';

export const VERIFIED_WASM_VERSION = '4.22.0';
const WASM_PRIORITY = 2;

interface WasmImports {
  env: Record<string, unknown>;
}
interface ThreadedFactoryConfig {
  mainScriptUrlOrBlob: string;
  locateFile(path: string, prefix: string): string;
  instantiateWasm(imports: WasmImports, receive: (instance: unknown, module: unknown) => void): object;
  onAbort(message: string): void;
}
type ThreadedFactory = (config: ThreadedFactoryConfig) => Promise<WasmModule>;

/** Why threads cannot be used here, or null when they can. */
export function threadsUnsupportedReason(): string | null {
  // The typings declare the version this was built against; the installed package may differ.
  const installed: string = version_wasm;
  if (installed !== VERIFIED_WASM_VERSION) {
    return `multi-threaded wasm is verified only with @tensorflow/tfjs-backend-wasm ${VERIFIED_WASM_VERSION} (installed: ${installed})`;
  }
  if (typeof SharedArrayBuffer === 'undefined') return 'SharedArrayBuffer is not available in this runtime';
  try {
    wasmOutDir();
  } catch (error) {
    return `the threaded wasm files of @tensorflow/tfjs-backend-wasm were not found (${(error as Error).message})`;
  }
  return null;
}

function packageRequire(): NodeRequire {
  return localRequire();
}

function wasmOutDir(): string {
  const pkg = packageRequire().resolve('@tensorflow/tfjs-backend-wasm/package.json');
  const dir = join(dirname(pkg), 'wasm-out');
  for (const file of [
    'tfjs-backend-wasm-threaded-simd.js',
    'tfjs-backend-wasm-threaded-simd.wasm',
    'tfjs-backend-wasm-threaded-simd.worker.js',
  ]) {
    if (!existsSync(join(dir, file))) throw new Error(`missing ${file}`);
  }
  return dir;
}

/** Writes the pthread worker glue (shipped as a JS string) to a file Node can start a Worker from. */
function writeWorkerFile(dir: string): string {
  const { wasmWorkerContents } = packageRequire()(join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  const folder = join(tmpdir(), 'alignment-studio-tfjs-wasm');
  mkdirSync(folder, { recursive: true });
  // .cjs: the glue uses require() and must not be read as an ES module.
  const file = join(folder, `threaded-simd-${version_wasm}.worker.cjs`);
  // The string holds raw newlines inside JS string literals; tfjs escapes them
  // the same way before it makes its Blob.
  const source = wasmWorkerContents.replace(/\n/g, '\\n');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : null;
  if (current !== source) {
    // Atomic: another process may be starting a worker from this file.
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, source);
    renameSync(partial, file);
  }
  return file;
}

async function createThreadedModule(threads: number): Promise<WasmModule> {
  const dir = wasmOutDir();
  const workerFile = writeWorkerFile(dir);
  const glue = join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  const binary = readFileSync(join(dir, 'tfjs-backend-wasm-threaded-simd.wasm'));
  const factory = packageRequire()(glue) as ThreadedFactory;
  // Emscripten reports start failures through callbacks and may leave its own
  // promise pending, so a failure rejects this one instead.
  let fail: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const started = factory({
    mainScriptUrlOrBlob: glue,
    locateFile: (path, prefix) => (path.endsWith('.worker.js') ? workerFile : prefix + path),
    // The C++ caps the pool at half the logical core count it is told
    // (assuming hyper-threads), so tell it twice the threads we want.
    instantiateWasm: (imports, receive) => {
      imports.env['emscripten_num_logical_cores'] = () => threads * 2;
      webAssembly.instantiate(binary, imports).then(
        (result) => receive(result.instance, result.module),
        (error: unknown) => fail(new Error(`threaded wasm failed to instantiate: ${String(error)}`)),
      );
      return {};
    },
    onAbort: (message) => fail(new Error(`threaded wasm aborted during start: ${String(message)}`)),
  });
  const module = await Promise.race([started, failed]);
  // The same bridge tfjs's own init() builds.
  module.tfjs = {
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []) as () => number,
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

/**
 * Lets the process exit while the backend is alive. XNNPACK's pool threads
 * run on worker_threads that Emscripten keeps referenced while they work,
 * and pool threads never finish; unreferencing them is safe because the
 * main thread always waits for them inside each kernel call.
 */
export function unrefWasmWorkers(backend: unknown): void {
  const pthread = (backend as { wasm?: WasmModule }).wasm?.PThread;
  if (!pthread) return;
  for (const worker of [...pthread.runningWorkers, ...pthread.unusedWorkers]) worker.unref();
}

let lastThreadedStartError: string | null = null;

/** Why the last threaded start failed (null if none did). */
export function threadedStartError(): string | null {
  return lastThreadedStartError;
}

let gemmThreads = 1;

/** Threads the studio's GEMM (wasm-gemm.ts) may use on the threaded module; 1 otherwise. */
export function threadedGemmThreads(): number {
  return gemmThreads;
}

/**
 * Replaces the registered 'wasm' backend factory with one that starts the
 * threaded-SIMD module: `threads` compute threads, of which XNNPACK's pool
 * gets `poolThreads`. When the studio's GEMM does the matmuls it gets all
 * `threads` and XNNPACK's pool one: pool threads spin for a while after each
 * XNNPACK operator and would take the core the GEMM's helper needs. Call
 * before the backend is first used (tf.setBackend('wasm')).
 */
export function registerThreadedWasm(threads: number, poolThreads = threads): void {
  const reason = threadsUnsupportedReason();
  if (reason) throw new Error(reason);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      try {
        const module = await createThreadedModule(poolThreads);
        setThreadsCount(poolThreads);
        gemmThreads = threads;
        const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
        unrefWasmWorkers(backend);
        return backend;
      } catch (error) {
        // tfjs only logs a failed backend start; keep the reason for the doctor.
        lastThreadedStartError = (error as Error).message;
        throw error;
      }
    },
    WASM_PRIORITY,
  );
}

/** Restores tfjs's own (single-threaded in Node) wasm backend factory. */
export function registerStockWasm(threads: number): void {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setThreadsCount(threads);
}
