// Add, Sub, Multiply, Softmax (last axis) and Sigmoid on the wasm backend through the studio's SIMD kernels
// (wasm-elementwise-kernels.ts), split over the GEMM's helper thread. Taken
// when one operand has the output's shape and the other is the same shape, a
// scalar, or broadcast along one contiguous block of dimensions (a repeated
// suffix such as a bias or RoPE table, or a column such as an RMSNorm scale);
// anything else, small tensors and other dtypes keep the stock kernels.
import * as tf from '@tensorflow/tfjs';
import type { ElementwiseMode, ElementwiseOp } from './wasm-elementwise-kernels';
import { gemmFor } from './wasm-matmul';
import { asInternals, tensorData, type WasmTensorInfo } from './wasm-module';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type BinaryKernel = 'Add' | 'Sub' | 'Multiply';

/** Below this many output floats the stock kernel is as fast. */
const MIN_FLOATS = 4096;
const MAX_RUN = 4096;

export interface ElementwisePlan {
  /** Which input is read as `a` (the full operand). */
  full: 'a' | 'b';
  mode: ElementwiseMode;
  runLength: number;
  bPeriod: number;
}

/** The largest multiple of 4 up to MAX_RUN dividing n, or 0. */
function chunk(n: number): number {
  for (let c = MAX_RUN; c >= 4; c -= 4) if (n % c === 0) return c;
  return 0;
}

type Pattern = { kind: 'full' } | { kind: 'scalar' } | { kind: 'block'; inner: number; kept: number } | null;

/** How an operand of `shape` maps onto `out`: the same, a scalar, or one contiguous block of kept dims. */
function pattern(shape: number[], out: number[]): Pattern {
  const padded = [...new Array<number>(out.length - shape.length).fill(1), ...shape];
  if (tf.util.arraysEqual(padded, out)) return { kind: 'full' };
  let state: 'before' | 'in' | 'after' = 'before';
  let kept = 1;
  let inner = 1;
  for (let d = 0; d < out.length; d++) {
    const size = out[d]!;
    if (size === 1) continue;
    if (padded[d] === size) {
      if (state === 'after') return null;
      state = 'in';
      kept *= size;
    } else {
      if (state === 'in') state = 'after';
      if (state === 'after') inner *= size;
    }
  }
  return state === 'before' ? { kind: 'scalar' } : { kind: 'block', inner, kept };
}

/** How to run out = a OP b with the SIMD kernels, or null for the stock kernel. */
export function planElementwise(aShape: number[], bShape: number[], outShape: number[]): ElementwisePlan | null {
  const n = tf.util.sizeFromShape(outShape);
  const pa = pattern(aShape, outShape);
  const pb = pattern(bShape, outShape);
  if (!pa || !pb) return null;
  const full: 'a' | 'b' | null = pa.kind === 'full' ? 'a' : pb.kind === 'full' ? 'b' : null;
  if (!full) return null;
  const other = full === 'a' ? pb : pa;
  const run = chunk(n);
  if (other.kind === 'full') return run ? { full, mode: 'rows', runLength: run, bPeriod: n / run } : null;
  if (other.kind === 'scalar') return run ? { full, mode: 'runs', runLength: run, bPeriod: 1 } : null;
  if (other.inner === 1) return other.kept % 4 === 0 ? { full, mode: 'rows', runLength: other.kept, bPeriod: 1 } : null;
  return other.inner % 4 === 0 ? { full, mode: 'runs', runLength: other.inner, bPeriod: other.kept } : null;
}

const OPS: Record<BinaryKernel, ElementwiseOp> = { Add: 'add', Sub: 'sub', Multiply: 'mul' };
const stock = new Map<string, tf.KernelConfig>();

function kernelFor(name: BinaryKernel): tf.KernelFunc {
  return (args: KernelArgs): tf.TensorInfo => {
    const a = args.inputs['a'] as WasmTensorInfo;
    const b = args.inputs['b'] as WasmTensorInfo;
    const fallback = (): tf.TensorInfo => stock.get(name)!.kernelFunc(args) as tf.TensorInfo;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback();
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const n = tf.util.sizeFromShape(outShape);
    if (n < MIN_FLOATS) return fallback();
    const backend = asInternals(args.backend);
    const engine = gemmFor(backend);
    const plan = engine ? planElementwise(a.shape, b.shape, outShape) : null;
    if (!engine || !plan) return fallback();
    const [fullInput, otherInput] = plan.full === 'a' ? [a, b] : [b, a];
    const op = OPS[name] === 'sub' && plan.full === 'b' ? 'rsub' : OPS[name];
    const out = backend.makeOutput(outShape, 'float32');
    engine.binary({
      op,
      mode: plan.mode,
      a: tensorData(backend, fullInput).memoryOffset,
      b: tensorData(backend, otherInput).memoryOffset,
      out: tensorData(backend, out).memoryOffset,
      n,
      runLength: plan.runLength,
      bPeriod: plan.bPeriod,
    });
    return out;
  };
}

/** Softmax along the last axis (rows a multiple of 4 long) on the SIMD kernel. */
function softmaxKernel(args: KernelArgs): tf.TensorInfo {
  const logits = args.inputs['logits'] as WasmTensorInfo;
  const dim = Number(args.attrs?.['dim'] ?? -1);
  const rank = logits.shape.length;
  const rowLength = logits.shape[rank - 1] ?? 0;
  const n = tf.util.sizeFromShape(logits.shape);
  const backend = asInternals(args.backend);
  const engine =
    logits.dtype === 'float32' && (dim === -1 || dim === rank - 1) && rowLength % 4 === 0 && n >= MIN_FLOATS ? gemmFor(backend) : null;
  if (!engine) return stockUnary.get('Softmax')!.kernelFunc(args) as tf.TensorInfo;
  const out = backend.makeOutput([...logits.shape], 'float32');
  engine.softmax(tensorData(backend, logits).memoryOffset, tensorData(backend, out).memoryOffset, n / rowLength, rowLength);
  return out;
}

function sigmoidKernel(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs['x'] as WasmTensorInfo;
  const n = tf.util.sizeFromShape(x.shape);
  const run = chunk(n);
  const backend = asInternals(args.backend);
  const engine = x.dtype === 'float32' && run && n >= MIN_FLOATS ? gemmFor(backend) : null;
  if (!engine) return stockUnary.get('Sigmoid')!.kernelFunc(args) as tf.TensorInfo;
  const out = backend.makeOutput([...x.shape], 'float32');
  engine.sigmoid(tensorData(backend, x).memoryOffset, tensorData(backend, out).memoryOffset, n, run);
  return out;
}

/**
 * Transposes that swap two adjacent axes in front of the last one (split and
 * merge attention heads: [b, s, h, d] ↔ [b, h, s, d]) as run copies.
 */
function transposeKernel(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs['x'] as WasmTensorInfo;
  const perm = (args.attrs?.['perm'] as number[] | undefined) ?? [];
  const rank = x.shape.length;
  const swapAt = perm.findIndex((p, i) => p !== i);
  const swapsMiddle =
    swapAt >= 0 &&
    swapAt + 1 < rank - 1 &&
    perm[swapAt] === swapAt + 1 &&
    perm[swapAt + 1] === swapAt &&
    perm.every((p, i) => i === swapAt || i === swapAt + 1 || p === i);
  const inner = tf.util.sizeFromShape(x.shape.slice(swapAt + 2));
  const n = tf.util.sizeFromShape(x.shape);
  const backend = asInternals(args.backend);
  const engine =
    (x.dtype === 'float32' || x.dtype === 'int32') && swapsMiddle && inner % 4 === 0 && n >= MIN_FLOATS ? gemmFor(backend) : null;
  if (!engine) return stockUnary.get('Transpose')!.kernelFunc(args) as tf.TensorInfo;
  const outer = tf.util.sizeFromShape(x.shape.slice(0, swapAt));
  const out = backend.makeOutput(
    perm.map((p) => x.shape[p]!),
    x.dtype,
  );
  engine.swapMiddle(tensorData(backend, x).memoryOffset, tensorData(backend, out).memoryOffset, [
    outer,
    x.shape[swapAt]!,
    x.shape[swapAt + 1]!,
    inner,
  ]);
  return out;
}

const stockUnary = new Map<string, tf.KernelConfig>();
const ours = new Set<tf.KernelFunc>();

function replaceKernel(name: string, kernelFunc: tf.KernelFunc, keep: Map<string, tf.KernelConfig>): void {
  const current = tf.getKernel(name, 'wasm');
  if (!current || ours.has(current.kernelFunc)) return;
  keep.set(name, current);
  ours.add(kernelFunc);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...current, kernelFunc });
}

export function registerElementwiseKernels(): void {
  replaceKernel('Softmax', softmaxKernel, stockUnary);
  replaceKernel('Sigmoid', sigmoidKernel, stockUnary);
  replaceKernel('Transpose', transposeKernel, stockUnary);
  for (const name of Object.keys(OPS) as BinaryKernel[]) replaceKernel(name, kernelFor(name), stock);
}
