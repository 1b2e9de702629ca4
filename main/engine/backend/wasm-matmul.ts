// BatchMatMul for the wasm backend that always reaches XNNPACK.
//
// tfjs-backend-wasm 4.22 sends a product to XNNPACK's fully-connected
// operator only when neither side is transposed and both batch sizes are 1;
// everything else (all backward passes, all attention products) falls to a
// scalar loop at 1–2 GFLOP/s. Here every product is reduced to that one fast
// case: transposes are done explicitly (a memory copy, cheap next to the
// product), a batch against a shared right operand is folded into rows, and a
// batch against a batched right operand is a loop of single products over
// views into the operands' heap memory (no copies).
//
// XNNPACK caches the packed right operand under the operand's tensor id,
// without its shape. A view gets a fresh id for each call, so slices never
// reuse each other's packed weights; a whole tensor keeps its id (weights are
// packed once per tensor, which generation relies on) unless it was seen
// before with another shape through a reshape, when it gets a view too.
//
// One exception stays on the stock kernel: batched products with only a few
// left rows per batch (decoding's attention), see fewRowsPerBatch.
import * as tf from '@tensorflow/tfjs';
import { WasmGemm, type GemmProblem } from './wasm-gemm';
import { GEMM_MIN_ROWS } from './wasm-gemm-kernels';
import { threadedGemmThreads } from './wasm-threads';
import { asInternals, tensorData, type WasmBackendInternals, type WasmTensorInfo } from './wasm-module';

type MatMulFn = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  transposeA: boolean,
  transposeB: boolean,
  outId: number,
) => void;

let wasmBatchMatMul: MatMulFn | null = null;
let boundModule: unknown = null;
/** The shape ("K,N") each right operand was first packed with. */
const packedShapes = new WeakMap<object, string>();

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/** Registers a tensor id over existing heap memory; dispose with disposeView (never frees the memory). */
function makeView(backend: WasmBackendInternals, byteOffset: number, size: number): number {
  const id = backend.dataIdNextNumber++;
  backend.wasm.tfjs.registerTensor(id, size, byteOffset);
  return id;
}

function disposeView(backend: WasmBackendInternals, id: number): void {
  // Also runs the disposal callbacks that free XNNPACK's cached operator.
  backend.wasm.tfjs.disposeData(id);
}

const TILE = 32;

/**
 * [batch, rows, cols] → a new contiguous [batch, cols, rows], float32.
 * A cache-blocked loop over heap views: tfjs-wasm's Transpose writes with a
 * long stride and takes 43 ms for [512, 8192] (the tied embedding's
 * gradient), this 17 ms; equal on the other shapes.
 */
function transposeLastTwo(backend: WasmBackendInternals, x: WasmTensorInfo, batch: number, rows: number, cols: number): WasmTensorInfo {
  const out = backend.makeOutput([batch, cols, rows], 'float32');
  // Views only after the allocation: a heap growth detaches earlier ones.
  const buffer = heapBuffer(backend);
  const size = batch * rows * cols;
  const src = new Float32Array(buffer, tensorData(backend, x).memoryOffset, size);
  const dst = new Float32Array(buffer, tensorData(backend, out).memoryOffset, size);
  for (let b = 0; b < batch; b++) {
    const base = b * rows * cols;
    for (let i0 = 0; i0 < rows; i0 += TILE) {
      const i1 = Math.min(i0 + TILE, rows);
      for (let j0 = 0; j0 < cols; j0 += TILE) {
        const j1 = Math.min(j0 + TILE, cols);
        for (let i = i0; i < i1; i++) {
          const from = base + i * cols;
          for (let j = j0; j < j1; j++) dst[base + j * rows + i] = src[from + j]!;
        }
      }
    }
  }
  return out;
}

/** For each output batch index, the batch index of one operand under broadcasting. */
function broadcastIndex(outIndex: number, outBatch: number[], operandBatch: number[]): number {
  const offset = outBatch.length - operandBatch.length;
  let remaining = outIndex;
  let index = 0;
  let stride = 1;
  for (let d = outBatch.length - 1; d >= 0; d--) {
    const outDim = outBatch[d] ?? 1;
    const coordinate = remaining % outDim;
    remaining = Math.floor(remaining / outDim);
    const dim = d - offset >= 0 ? (operandBatch[d - offset] ?? 1) : 1;
    if (dim !== 1) index += coordinate * stride;
    stride *= dim;
  }
  return index;
}

function zeroFill(backend: WasmBackendInternals, out: WasmTensorInfo): void {
  const data = tensorData(backend, out);
  const size = tf.util.sizeFromShape(out.shape);
  new Float32Array(heapBuffer(backend), data.memoryOffset, size).fill(0);
}

/** The current heap; with shared (threaded) memory the module's cached view can lag a growth. */
export function heapBuffer(backend: WasmBackendInternals): ArrayBufferLike {
  return backend.wasm.wasmMemory ? backend.wasm.wasmMemory.buffer : backend.wasm.HEAPU8.buffer;
}

interface Operands {
  a: WasmTensorInfo;
  b: WasmTensorInfo;
  transposeA: boolean;
  transposeB: boolean;
}

export { GEMM_MIN_ROWS };
/**
 * Left rows up to which a product against untransposed weights runs as the
 * GEMM module's gemv (decoding): B read in place by both threads, each row
 * re-reading it. Measured against XNNPACK on one thread (its pool's size
 * while the GEMM has the helper): [1, 576]·[576, 49152] 3.4 vs 12.8 ms, 8 rows
 * ~21 vs 34 ms.
 */
export const GEMV_MAX_ROWS = GEMM_MIN_ROWS - 1;

let gemm: WasmGemm | null = null;
let gemmModule: unknown = null;
let gemmStartError: string | null = null;

/**
 * The studio's GEMM (wasm-gemm.ts) on this backend's heap, or null when it
 * is turned off (STUDIO_WASM_GEMM=xnnpack) or could not start (the reason is
 * kept for the doctor).
 */
export function gemmFor(backend: WasmBackendInternals): WasmGemm | null {
  if (gemmModule === backend.wasm) return gemm;
  gemm?.dispose();
  gemm = null;
  gemmModule = backend.wasm;
  gemmStartError = null;
  if (!gemmEnabled()) return null;
  try {
    const shared = backend.wasm.wasmMemory !== undefined;
    const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
    if (!memory) throw new Error('the wasm module does not expose its memory');
    gemm = new WasmGemm(
      { memory, malloc: (bytes) => backend.wasm._malloc(bytes) >>> 0, free: (pointer) => backend.wasm._free(pointer) },
      { shared, threads: shared ? threadedGemmThreads() : 1 },
    );
  } catch (error) {
    gemmStartError = (error as Error).message;
  }
  return gemm;
}

/** False when STUDIO_WASM_GEMM=xnnpack sends every product to XNNPACK (for comparison). */
export function gemmEnabled(): boolean {
  return process.env['STUDIO_WASM_GEMM'] !== 'xnnpack';
}

/** Why the studio's GEMM did not start on the current backend (null if it did or was not tried). */
export function gemmError(): string | null {
  return gemmStartError;
}

interface GemmOperands extends Operands {
  out: WasmTensorInfo;
  aBatchShape: number[];
  bBatchShape: number[];
  outBatchShape: number[];
  m: number;
  k: number;
  n: number;
}

/** op(a) · op(b) with the studio's GEMM: transposes are strides, batches one call where strides allow. */
function gemmBatchMatMul(backend: WasmBackendInternals, engine: WasmGemm, o: GemmOperands): void {
  const { a, b, transposeA, transposeB, m, k, n } = o;
  const aCols = a.shape[a.shape.length - 1] ?? 1;
  const bCols = b.shape[b.shape.length - 1] ?? 1;
  const aBatch = tf.util.sizeFromShape(o.aBatchShape);
  const bBatch = tf.util.sizeFromShape(o.bBatchShape);
  const outBatch = tf.util.sizeFromShape(o.outBatchShape);
  const aPointer = tensorData(backend, a).memoryOffset;
  const bPointer = tensorData(backend, b).memoryOffset;
  const cPointer = tensorData(backend, o.out).memoryOffset;
  const aStrides = { rowStride: transposeA ? 4 : aCols * 4, kStride: transposeA ? aCols * 4 : 4 };
  const bStrides = { kStride: transposeB ? 4 : bCols * 4, colStride: transposeB ? bCols * 4 : 4 };
  const problem = (
    batch: number,
    rows: number,
    aAt: number,
    aBatchStride: number,
    bAt: number,
    bBatchStride: number,
    cAt: number,
  ): GemmProblem => ({
    batch,
    m: rows,
    n,
    k,
    a: { pointer: aAt, batchStride: aBatchStride, ...aStrides },
    b: { pointer: bAt, batchStride: bBatchStride, ...bStrides },
    c: { pointer: cAt, batchStride: rows * n * 4, rowStride: n * 4 },
  });
  if (bBatch === 1 && !transposeA) {
    // One right operand for every batch: fold the batch into rows.
    engine.multiply(problem(1, aBatch * m, aPointer, 0, bPointer, 0, cPointer));
    return;
  }
  const aMatches = aBatch === outBatch || aBatch === 1;
  const bMatches = bBatch === outBatch || bBatch === 1;
  if (aMatches && bMatches) {
    engine.multiply(problem(outBatch, m, aPointer, aBatch === 1 ? 0 : m * k * 4, bPointer, bBatch === 1 ? 0 : k * n * 4, cPointer));
    return;
  }
  for (let i = 0; i < outBatch; i++) {
    const ia = broadcastIndex(i, o.outBatchShape, o.aBatchShape);
    const ib = broadcastIndex(i, o.outBatchShape, o.bBatchShape);
    engine.multiply(problem(1, m, aPointer + ia * m * k * 4, 0, bPointer + ib * k * n * 4, 0, cPointer + i * m * n * 4));
  }
}

/**
 * out = op(a) · op(b) over broadcast batch dims: the studio's GEMM for
 * products with GEMM_MIN_ROWS or more left rows, XNNPACK for the rest.
 */
export function xnnBatchMatMul(backend: WasmBackendInternals, { a, b, transposeA, transposeB }: Operands): WasmTensorInfo {
  if (!wasmBatchMatMul || boundModule !== backend.wasm) bindWasm(backend);
  if (!wasmBatchMatMul) throw new Error('wasm BatchMatMul export not found');
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const aRows = a.shape[aRank - 2] ?? 1;
  const aCols = a.shape[aRank - 1] ?? 1;
  const bRows = b.shape[bRank - 2] ?? 1;
  const bCols = b.shape[bRank - 1] ?? 1;
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const [kb, n] = transposeB ? [bCols, bRows] : [bRows, bCols];
  if (k !== kb) {
    throw new Error(
      `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape.join(',')} and ${b.shape.join(',')} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const aBatchShape = a.shape.slice(0, -2);
  const bBatchShape = b.shape.slice(0, -2);
  const outBatchShape = tf.broadcast_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  const aBatch = tf.util.sizeFromShape(aBatchShape);
  const bBatch = tf.util.sizeFromShape(bBatchShape);
  const outBatch = tf.util.sizeFromShape(outBatchShape);
  const out = backend.makeOutput([...outBatchShape, m, n], 'float32');
  if (outBatch * m * n === 0) return out;
  if (k === 0) {
    zeroFill(backend, out);
    return out;
  }
  const engine = gemmFor(backend);
  const rowsPerProduct = bBatch === 1 && !transposeA ? aBatch * m : m;
  if (engine && rowsPerProduct >= GEMM_MIN_ROWS) {
    gemmBatchMatMul(backend, engine, { a, b, transposeA, transposeB, out, aBatchShape, bBatchShape, outBatchShape, m, k, n });
    return out;
  }
  if (engine && bBatch === 1 && !transposeA && !transposeB && n % 4 === 0 && aBatch * m <= GEMV_MAX_ROWS) {
    // Decoding: a row or two against row-major weights, read in place on both threads.
    engine.gemv(
      tensorData(backend, a).memoryOffset,
      tensorData(backend, b).memoryOffset,
      tensorData(backend, out).memoryOffset,
      aBatch * m,
      k,
      n,
    );
    return out;
  }

  if (bBatch === 1 && transposeB && aBatch * m * (k + n) < 2 * n * k) {
    backend.disposeData(out.dataId);
    return swappedProduct(backend, { a, b, transposeA, aBatch, m, k, n }, out.shape);
  }
  const aReady = transposeA ? transposeLastTwo(backend, a, aBatch, aRows, aCols) : a;
  const bReady = transposeB ? transposeLastTwo(backend, b, bBatch, bRows, bCols) : b;
  try {
    const aData = tensorData(backend, aReady);
    const bData = tensorData(backend, bReady);
    const outData = tensorData(backend, out);
    const kn = shapeBytes([1, k, n]);
    if (bBatch === 1) {
      // One right operand for every batch: fold the batch into rows.
      const right = rightOperand(backend, bReady, k, n);
      wasmBatchMatMul(aData.id, shapeBytes([1, aBatch * m, k]), 3, right.id, kn, 3, false, false, outData.id);
      right.release();
      return out;
    }
    const mk = shapeBytes([1, m, k]);
    for (let i = 0; i < outBatch; i++) {
      const ia = broadcastIndex(i, outBatchShape, aBatchShape);
      const ib = broadcastIndex(i, outBatchShape, bBatchShape);
      const aId = makeView(backend, aData.memoryOffset + ia * m * k * 4, m * k);
      const bId = makeView(backend, bData.memoryOffset + ib * k * n * 4, k * n);
      const outId = makeView(backend, outData.memoryOffset + i * m * n * 4, m * n);
      wasmBatchMatMul(aId, mk, 3, bId, kn, 3, false, false, outId);
      disposeView(backend, aId);
      disposeView(backend, bId);
      disposeView(backend, outId);
    }
    return out;
  } finally {
    if (aReady !== a) backend.disposeData(aReady.dataId);
    if (bReady !== b) backend.disposeData(bReady.dataId);
  }
}

/**
 * The id to pass XNNPACK as the right (packed, cached) operand [k, n]: the
 * tensor's own id, unless that id was packed before under another shape.
 */
function rightOperand(backend: WasmBackendInternals, info: WasmTensorInfo, k: number, n: number): { id: number; release(): void } {
  const data = tensorData(backend, info);
  const key = `${k},${n}`;
  const seen = packedShapes.get(info.dataId);
  if (seen === undefined) packedShapes.set(info.dataId, key);
  if (seen === undefined || seen === key) return { id: data.id, release: () => undefined };
  const id = makeView(backend, data.memoryOffset, k * n);
  return { id, release: () => disposeView(backend, id) };
}

function transposeWith(backend: WasmBackendInternals, x: WasmTensorInfo, shape: number[], perm: number[]): WasmTensorInfo {
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!transpose) throw new Error('wasm backend has no Transpose kernel');
  const input = { dataId: x.dataId, shape, dtype: x.dtype };
  return transpose.kernelFunc({ inputs: { x: input }, backend: backend, attrs: { perm } }) as WasmTensorInfo;
}

interface SwappedOperands {
  a: WasmTensorInfo;
  b: WasmTensorInfo;
  transposeA: boolean;
  aBatch: number;
  m: number;
  k: number;
  n: number;
}

/**
 * op(A) · Bᵀ for a shared B [n, k] computed as (B · op(A)ᵀ)ᵀ: B is read in
 * place as XNNPACK's left operand instead of being transposed and packed on
 * every call. Chosen when few rows meet a large B — generation or scoring
 * against [out, in] weights or a tied embedding — where transposing B would
 * cost more than the product.
 */
function swappedProduct(
  backend: WasmBackendInternals,
  { a, b, transposeA, aBatch, m, k, n }: SwappedOperands,
  outShape: number[],
): WasmTensorInfo {
  const rows = aBatch * m;
  // op(A)ᵀ as [k, rows]: A is [rows, k], or [aBatch, k, m] when transposed.
  const aT = !transposeA
    ? transposeWith(backend, a, [1, rows, k], [0, 2, 1])
    : aBatch === 1
      ? a
      : transposeWith(backend, a, [aBatch, k, m], [1, 0, 2]);
  const product = backend.makeOutput([n, rows], 'float32');
  try {
    const right = rightOperand(backend, aT, k, rows);
    wasmBatchMatMul!(
      tensorData(backend, b).id,
      shapeBytes([1, n, k]),
      3,
      right.id,
      shapeBytes([1, k, rows]),
      3,
      false,
      false,
      tensorData(backend, product).id,
    );
    right.release();
    const out = transposeWith(backend, product, [1, n, rows], [0, 2, 1]);
    return { dataId: out.dataId, shape: outShape, dtype: 'float32' };
  } finally {
    backend.disposeData(product.dataId);
    if (aT !== a) backend.disposeData(aT.dataId);
  }
}

let stockBatchMatMul: tf.KernelConfig | undefined;

function bindWasm(backend: WasmBackendInternals): void {
  wasmBatchMatMul = backend.wasm.cwrap('BatchMatMul', null, [
    'number',
    'array',
    'number',
    'number',
    'array',
    'number',
    'number',
    'number',
    'number',
  ]);
  boundModule = backend.wasm;
}

/** Replaces wasm's BatchMatMul with the XNNPACK-routed one (float32; other dtypes keep the stock kernel). */
export function registerRoutedBatchMatMul(): void {
  const current = tf.getKernel('BatchMatMul', 'wasm');
  if (!current) throw new Error('@tensorflow/tfjs-backend-wasm must be imported before routing its kernels');
  if (current.kernelFunc === routedKernel) return;
  stockBatchMatMul = current;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: (backend) => {
      bindWasm(asInternals(backend));
      stockBatchMatMul?.setupFunc?.(backend);
    },
    kernelFunc: routedKernel,
  });
}

/** Puts the stock kernel back (for benchmarks comparing the two). */
export function registerStockBatchMatMul(): void {
  if (!stockBatchMatMul || tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc !== routedKernel) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(stockBatchMatMul);
}

/** Rows of the left operand per batch up to which a batched product stays on the stock kernel. */
export const STOCK_MAX_ROWS = 8;

/**
 * A batched product with a few left rows per batch against a batched right
 * operand: decoding's attention (one query row per head, or a head group's
 * rows, against that head's cache). Here one XNNPACK operator per batch costs
 * more than the whole product (creating it and packing, after a transpose, all
 * of the right operand to multiply it by a row or two), while tfjs's scalar
 * loop does every batch in one single-threaded call: ~40 µs instead of
 * 0.3–2 ms for 8 heads × 128 positions × 32 dims.
 */
function fewRowsPerBatch(a: WasmTensorInfo, b: WasmTensorInfo, transposeA: boolean): boolean {
  const aRank = a.shape.length;
  const batch = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const rows = (transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2]) ?? 1;
  return batch > 1 && rows <= STOCK_MAX_ROWS && tf.util.arraysEqual(a.shape.slice(0, -2), b.shape.slice(0, -2));
}

function routedKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const a = args.inputs['a'] as WasmTensorInfo;
  const b = args.inputs['b'] as WasmTensorInfo;
  const transposeA = Boolean(args.attrs?.['transposeA']);
  const transposeB = Boolean(args.attrs?.['transposeB']);
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || fewRowsPerBatch(a, b, transposeA)) {
    if (!stockBatchMatMul) throw new Error('stock BatchMatMul kernel missing');
    return stockBatchMatMul.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  return xnnBatchMatMul(asInternals(args.backend), { a, b, transposeA, transposeB });
}
