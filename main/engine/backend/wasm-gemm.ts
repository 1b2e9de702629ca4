// Runs the studio's GEMM (wasm-gemm-kernels.ts) on tfjs-backend-wasm's heap:
// the module imports the backend's own memory, so operands are read and
// results written in place, with any strides (transposes cost nothing).
//
// Threads: with the threaded (shared-memory) backend, one helper
// worker_thread instantiates the same module on the same memory. A product's
// work items (batch × column panels) are split in two; the main thread runs
// its half while the helper runs the other, woken and awaited with Atomics
// on a small shared control block. Every output element is computed by one
// item in the same order whatever the split, so results do not depend on the
// thread count.
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { EW_FUNCTION_NAMES, EW_JOB_BYTES, type ElementwiseMode, type ElementwiseOp } from './wasm-elementwise-kernels';
import { gemmModuleBytes, JOB_BYTES, JOB_FIELDS, MR, NR, relaxedSimdProbe, type JobField } from './wasm-gemm-kernels';

type RangeFunction = (job: number, start: number, end: number) => void;
interface WasmInstanceExports {
  // Function properties, not methods: wasm exports do not use `this`, so they are safe to take off the object.
  run: (job: number, start: number, end: number, scratch: number) => void;
  share: (job: number, scratch: number) => void;
  [elementwise: string]: unknown;
}

/** One elementwise job: see wasm-elementwise-kernels.ts. Pointers in bytes, lengths in floats. */
export interface ElementwiseProblem {
  op: ElementwiseOp;
  mode: ElementwiseMode;
  a: number;
  b: number;
  out: number;
  n: number;
  runLength: number;
  bPeriod: number;
}
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** Heap memory and allocator of the wasm backend the GEMM runs on. */
export interface GemmHeap {
  memory: { buffer: ArrayBufferLike };
  malloc(bytes: number): number;
  free(pointer: number): void;
}

/** One product (or a batch of equally shaped ones); pointers and strides in bytes. */
export interface GemmProblem {
  batch: number;
  m: number;
  n: number;
  k: number;
  a: { pointer: number; batchStride: number; rowStride: number; kStride: number };
  b: { pointer: number; batchStride: number; kStride: number; colStride: number };
  c: { pointer: number; batchStride: number; rowStride: number };
}

/** K block (rows of a packed B block, which stays in L1) and M block (rows of A kept in L2). */
const KC = 256;
const MC = 512;
/** Below this many multiply-adds a product is not worth waking the helper thread for. */
const PARALLEL_MIN_MACS = 1 << 18;
/**
 * Columns per gemv work item (64 KB of partial sums a row, in L2). B streams
 * four rows at a time, so the partial sums are read and written once per
 * four rows of B; wider blocks keep B's reads long and sequential.
 */
const GEMV_BLOCK = 16384;
/** Below this many floats an elementwise op runs on one thread. */
const PARALLEL_MIN_FLOATS = 1 << 15;
const SCRATCH_BYTES = KC * NR * 4;
/** Largest A (one batch index) for which the threads share items dynamically. */
const SHARE_MAX_A_BYTES = 1 << 20;
/** How long the helper spins for the next product before it sleeps (env STUDIO_GEMM_SPIN_MS). */
const HELPER_SPIN_MS = Number(process.env['STUDIO_GEMM_SPIN_MS'] ?? 2);

let relaxedSimd: boolean | null = null;

/**
 * Whether f32x4.relaxed_madd compiles. Node 20 (V8 11.3) ships relaxed SIMD
 * behind a flag, which is turned on here (it only gates validation of new
 * modules); Node ≥ 22 and Electron's Chromium have it on. STUDIO_WASM_FMA=0
 * turns it off.
 */
export function relaxedSimdAvailable(): boolean {
  if (relaxedSimd !== null) return relaxedSimd;
  if (process.env['STUDIO_WASM_FMA'] === '0') return (relaxedSimd = false);
  const probe = relaxedSimdProbe();
  if (!wasmApi.validate(probe)) {
    try {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      // An engine without the flag: plain SIMD it is.
    }
  }
  relaxedSimd = wasmApi.validate(probe);
  return relaxedSimd;
}

// The helper thread: instantiate the module on the shared memory, then run
// the item range the main thread posts in the control block, until told to stop.
// Control block (Int32Array): [0] generation, [1] stop (2: failed), [2] job,
// [3] start, [4] end, [5] generation done, [6] task: 0 GEMM run (items
// [start, end)), 1 GEMM share, 2 + i elementwise function i (runs [start, end)).
const HELPER_SOURCE = `
const SPIN_MS = ${HELPER_SPIN_MS};
const { workerData } = require('node:worker_threads');
const { module, memory, control, scratch, elementwiseNames } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const { run, share } = exports;
const elementwise = elementwiseNames.map((name) => exports[name]);
const ctrl = new Int32Array(control);
let seen = 0;
for (;;) {
  // Products come in bursts with short gaps: spin a while before sleeping,
  // because waking from Atomics.wait costs ~0.1 ms.
  const until = performance.now() + SPIN_MS;
  while (Atomics.load(ctrl, 0) === seen && performance.now() < until) {}
  Atomics.wait(ctrl, 0, seen);
  const generation = Atomics.load(ctrl, 0);
  if (ctrl[1] !== 0) break;
  if (generation === seen) continue;
  seen = generation;
  try {
    const task = ctrl[6];
    if (task === 0) run(ctrl[2], ctrl[3], ctrl[4], scratch);
    else if (task === 1) share(ctrl[2], scratch);
    else elementwise[task - 2](ctrl[2], ctrl[3], ctrl[4]);
  } catch (error) {
    ctrl[1] = 2;
  }
  Atomics.store(ctrl, 5, seen);
  Atomics.notify(ctrl, 5);
}
`;

export class WasmGemm {
  private readonly run: WasmInstanceExports['run'];
  private readonly share: WasmInstanceExports['share'];
  private readonly elementwiseFunctions: RangeFunction[];
  private readonly job: number;
  private readonly elementwiseJob: number;
  private readonly scratch: number;
  private helper: { worker: Worker; control: Int32Array; scratch: number } | null = null;
  private generation = 0;
  readonly fma: boolean;

  /**
   * @param shared whether `heap.memory` is a shared WebAssembly.Memory (the threaded backend)
   * @param threads 2 or more starts the helper thread (shared memory only)
   * @param fma use relaxed SIMD's multiply-add (default: where available)
   */
  constructor(
    private readonly heap: GemmHeap,
    options: { shared: boolean; threads: number; fma?: boolean },
  ) {
    this.fma = options.fma ?? relaxedSimdAvailable();
    const bytes = gemmModuleBytes({
      fma: this.fma,
      memory: options.shared ? { shared: true, minimum: 1, maximum: 65536 } : { shared: false, minimum: 1 },
    });
    const module = compileOptimized(bytes);
    const instance = new wasmApi.Instance(module, { env: { memory: heap.memory } });
    const exports = instance.exports as WasmInstanceExports;
    ({ run: this.run, share: this.share } = exports);
    this.elementwiseFunctions = EW_FUNCTION_NAMES.map((name) => exports[name] as RangeFunction);
    this.job = heap.malloc(JOB_BYTES);
    this.elementwiseJob = heap.malloc(EW_JOB_BYTES);
    this.scratch = heap.malloc(SCRATCH_BYTES + 64);
    if (options.shared && options.threads > 1) {
      const control = new Int32Array(new SharedArrayBuffer(8 * 4));
      const elementwiseNames = EW_FUNCTION_NAMES;
      const scratch = heap.malloc(SCRATCH_BYTES + 64);
      const worker = new Worker(HELPER_SOURCE, {
        eval: true,
        workerData: { module, memory: heap.memory, control: control.buffer, scratch: alignUp(scratch), elementwiseNames },
      });
      worker.unref();
      this.helper = { worker, control, scratch };
    }
  }

  get threads(): number {
    return this.helper ? 2 : 1;
  }

  /** C = op(A) · op(B) for every batch index. */
  multiply(problem: GemmProblem): void {
    const { m, n, k, batch } = problem;
    if (m === 0 || n === 0 || batch === 0) return;
    if (k === 0) {
      this.forEachRow(problem, (view, offset) => view.fill(0, offset, offset + n));
      return;
    }
    const mPadded = Math.ceil(m / MR) * MR;
    const nPadded = Math.ceil(n / NR) * NR;
    if (mPadded === m && nPadded === n) {
      this.execute(problem);
      return;
    }
    // Ragged edges: copy A into MR-aligned rows and compute into a padded C,
    // then copy the real part back. (The kernel always stores whole tiles.)
    const aBytes = mPadded === m ? 0 : batch * mPadded * k * 4;
    const cBytes = batch * mPadded * nPadded * 4;
    const aCopy = aBytes ? this.heap.malloc(aBytes) : 0;
    const cCopy = this.heap.malloc(cBytes);
    try {
      const f32 = new Float32Array(this.heap.memory.buffer);
      let a = problem.a;
      if (aCopy) {
        for (let bi = 0; bi < batch; bi++) {
          for (let i = 0; i < mPadded; i++) {
            const to = aCopy / 4 + (bi * mPadded + i) * k;
            if (i >= m) {
              f32.fill(0, to, to + k);
              continue;
            }
            const from = problem.a.pointer + bi * problem.a.batchStride + i * problem.a.rowStride;
            const step = problem.a.kStride / 4;
            for (let kk = 0, at = from / 4; kk < k; kk++, at += step) f32[to + kk] = f32[at]!;
          }
        }
        a = { pointer: aCopy, batchStride: mPadded * k * 4, rowStride: k * 4, kStride: 4 };
      }
      this.execute({ ...problem, m: mPadded, a, c: { pointer: cCopy, batchStride: mPadded * nPadded * 4, rowStride: nPadded * 4 } });
      const out = new Float32Array(this.heap.memory.buffer);
      for (let bi = 0; bi < batch; bi++) {
        for (let i = 0; i < m; i++) {
          const from = cCopy / 4 + (bi * mPadded + i) * nPadded;
          const to = (problem.c.pointer + bi * problem.c.batchStride + i * problem.c.rowStride) / 4;
          out.set(out.subarray(from, from + n), to);
        }
      }
    } finally {
      if (aCopy) this.heap.free(aCopy);
      this.heap.free(cCopy);
    }
  }

  /**
   * out = a OP b over n floats (see ElementwiseProblem); runs split over
   * both threads from PARALLEL_MIN_FLOATS floats on.
   */
  binary(problem: ElementwiseProblem): void {
    const runs = problem.n / problem.runLength;
    if (!Number.isInteger(runs) || problem.runLength % 4 !== 0 || problem.runLength === 0) {
      throw new Error(`elementwise: run length ${problem.runLength} must be a positive multiple of 4 dividing ${problem.n}`);
    }
    this.dispatch(
      `ew_${problem.op}_${problem.mode}`,
      [problem.a, problem.b, problem.out, problem.runLength, problem.bPeriod, 0, 0],
      runs,
      problem.n,
    );
  }

  /** Softmax along rows of rowLength floats (a multiple of 4): out = e^(x − max) / Σ. */
  softmax(input: number, out: number, rows: number, rowLength: number): void {
    if (rowLength % 4 !== 0 || rowLength === 0) throw new Error(`softmax: row length ${rowLength} must be a positive multiple of 4`);
    this.dispatch('ew_softmax', [input, 0, out, rowLength, 1, 0, 0], rows, rows * rowLength);
  }

  /** out = 1 / (1 + e^(−x)) over n floats, in runs of runLength (a multiple of 4 dividing n). */
  sigmoid(input: number, out: number, n: number, runLength: number): void {
    if (runLength % 4 !== 0 || runLength === 0 || n % runLength !== 0)
      throw new Error(`sigmoid: run length ${runLength} must be a positive multiple of 4 dividing ${n}`);
    this.dispatch('ew_sigmoid', [input, 0, out, runLength, 1, 0, 0], n / runLength, n);
  }

  /**
   * out[rows, n] = A[rows, k] · B[k, n] for a few rows, A and B row-major and
   * contiguous, n a multiple of 4: B read in place, column blocks split over
   * both threads.
   */
  gemv(a: number, b: number, out: number, rows: number, k: number, n: number): void {
    if (n % 4 !== 0 || n === 0) throw new Error(`gemv: n = ${n} must be a positive multiple of 4`);
    if (k === 0) {
      new Float32Array(this.heap.memory.buffer, out, rows * n).fill(0);
      return;
    }
    const block = Math.min(GEMV_BLOCK, n);
    const blocks = Math.ceil(n / block);
    const split = this.helper !== null && k >= 2 && rows * n * k >= PARALLEL_MIN_FLOATS;
    if (!split) {
      this.dispatch('ew_gemv', [a, b, out, block, n, rows, k, out, k, blocks], blocks, 0);
      return;
    }
    // Each thread takes half of k (a contiguous half of B) into its own output; then add.
    const partial = this.heap.malloc(rows * n * 4 + 64);
    try {
      const second = alignUp(partial);
      const kSplit = Math.ceil(k / 2);
      this.dispatch('ew_gemv', [a, b, out, block, n, rows, k, second, kSplit, blocks], 2 * blocks, rows * n * k, blocks);
      this.binary({ op: 'add', mode: 'rows', a: out, b: second, out, n: rows * n, runLength: rows * n, bPeriod: 1 });
    } finally {
      this.heap.free(partial);
    }
  }

  /** [outer, rows, cols, inner] → [outer, cols, rows, inner], inner a multiple of 4. */
  swapMiddle(input: number, out: number, shape: [number, number, number, number]): void {
    const [outer, rows, cols, inner] = shape;
    if (inner % 4 !== 0 || inner === 0) throw new Error(`swapMiddle: inner size ${inner} must be a positive multiple of 4`);
    this.dispatch('ew_swap_middle', [input, 0, out, inner, 1, rows, cols], outer * cols, outer * rows * cols * inner);
  }

  /** Runs an elementwise kernel over `runs` runs, split over both threads when large. */
  private dispatch(name: string, fields: number[], runs: number, n: number, splitAt = Math.floor(runs / 2)): void {
    const job = new Int32Array(this.heap.memory.buffer, this.elementwiseJob, EW_JOB_BYTES / 4);
    job.fill(0);
    job.set(fields);
    const index = EW_FUNCTION_NAMES.indexOf(name);
    const kernel = this.elementwiseFunctions[index]!;
    if (!this.helper || runs < 2 || n < PARALLEL_MIN_FLOATS) {
      kernel(this.elementwiseJob, 0, runs);
      return;
    }
    const generation = this.wakeHelper(2 + index, this.elementwiseJob, splitAt, runs);
    kernel(this.elementwiseJob, 0, splitAt);
    this.awaitHelper(generation);
  }

  /** Stops the helper thread. */
  dispose(): void {
    if (!this.helper) return;
    Atomics.store(this.helper.control, 1, 1);
    Atomics.add(this.helper.control, 0, 1);
    Atomics.notify(this.helper.control, 0);
    void this.helper.worker.terminate();
    this.heap.free(this.helper.scratch);
    this.helper = null;
  }

  private forEachRow(problem: GemmProblem, visit: (view: Float32Array, offset: number) => void): void {
    const view = new Float32Array(this.heap.memory.buffer);
    for (let bi = 0; bi < problem.batch; bi++) {
      for (let i = 0; i < problem.m; i++) visit(view, (problem.c.pointer + bi * problem.c.batchStride + i * problem.c.rowStride) / 4);
    }
  }

  /** m a multiple of MR; C rows hold whole panels (n rounded up to NR). */
  private execute(problem: GemmProblem): void {
    const { a } = problem;
    const nPanels = Math.ceil(problem.n / NR);
    const values: Record<JobField, number> = {
      a: a.pointer,
      aBatchStride: a.batchStride,
      aRowStride: a.rowStride,
      aKStride: a.kStride,
      b: problem.b.pointer,
      bBatchStride: problem.b.batchStride,
      bKStride: problem.b.kStride,
      bColStride: problem.b.colStride,
      c: problem.c.pointer,
      cBatchStride: problem.c.batchStride,
      ldc: problem.c.rowStride,
      m: problem.m,
      n: problem.n,
      k: problem.k,
      nPanels,
      kc: KC,
      mc: MC,
      items: problem.batch * nPanels,
      next: 0,
    };
    const job = new Int32Array(this.heap.memory.buffer, this.job, JOB_FIELDS.length);
    JOB_FIELDS.forEach((name, index) => {
      job[index] = values[name];
    });
    const items = problem.batch * nPanels;
    const macs = problem.batch * problem.m * problem.n * problem.k;
    if (!this.helper || items < 2 || macs < PARALLEL_MIN_MACS) {
      this.run(this.job, 0, items, alignUp(this.scratch));
      return;
    }
    // With A (per batch index) small enough to stay in L2, the threads take
    // items as they go; otherwise each takes a fixed half, blocks outermost.
    const shared = problem.m * problem.k * 4 <= SHARE_MAX_A_BYTES;
    const split = Math.floor(items / 2);
    const generation = this.wakeHelper(shared ? 1 : 0, this.job, split, items);
    if (shared) this.share(this.job, alignUp(this.scratch));
    else this.run(this.job, 0, split, alignUp(this.scratch));
    this.awaitHelper(generation);
  }

  /** Posts a task to the helper (see HELPER_SOURCE's control block) and wakes it; returns the generation to await. */
  private wakeHelper(task: number, job: number, start: number, end: number): number {
    const { control } = this.helper!;
    const generation = ++this.generation;
    control[2] = job;
    control[3] = start;
    control[4] = end;
    control[6] = task;
    Atomics.store(control, 0, generation);
    Atomics.notify(control, 0);
    return generation;
  }

  private awaitHelper(generation: number): void {
    const control = this.helper!.control;
    for (let spin = 0; spin < 2000; spin++) if (Atomics.load(control, 5) === generation) return this.checkHelper();
    for (;;) {
      const done = Atomics.load(control, 5);
      if (done === generation) return this.checkHelper();
      if (Atomics.wait(control, 5, done, 30_000) === 'timed-out' && Atomics.load(control, 5) !== generation) {
        throw new Error('the wasm GEMM helper thread stopped answering');
      }
    }
  }

  private checkHelper(): void {
    if (this.helper && Atomics.load(this.helper.control, 1) === 2) throw new Error('the wasm GEMM helper thread failed');
  }
}

/**
 * Compiles with V8's optimizing tier up front. With dynamic tiering (the
 * default) a function stays on the baseline compiler until it has run for a
 * while, and the elementwise kernels, called a few hundred times per step,
 * would run 2–5× slower for many steps.
 */
function compileOptimized(bytes: Uint8Array): object {
  try {
    v8.setFlagsFromString('--no-wasm-dynamic-tiering');
    return new wasmApi.Module(bytes);
  } finally {
    v8.setFlagsFromString('--wasm-dynamic-tiering');
  }
}

/** Pointers reach 4 GiB: plain arithmetic, never 32-bit signed bit operations. */
function alignUp(pointer: number): number {
  return Math.ceil(pointer / 64) * 64;
}
