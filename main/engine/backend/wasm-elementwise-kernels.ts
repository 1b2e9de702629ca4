// Elementwise Add, Sub and Multiply for the wasm backend, as WebAssembly
// (wasm-asm.ts) in the same module as the GEMM, so they run on its helper
// thread too. tfjs-backend-wasm 4.22 runs them on one thread (XNNPACK's pool
// keeps one while the GEMM has the helper), and its broadcasting path is a
// generic strided loop.
//
// The output (n floats) is cut into runs of runLength floats (a multiple of
// 4); `a` is a full operand (a[i]), `b` one of two broadcast patterns:
//   rows: b's run r starts at b + (r mod bPeriod)·runLength — the same shape
//         (bPeriod = runs) or a suffix repeated (bPeriod = 1);
//   runs: one value per run, b[r mod bPeriod] — a column ([rows, 1]) or a
//         scalar (bPeriod = 1).
// ew_<op>_<mode>(job, start, end) computes runs [start, end), so threads can
// split the runs. Each output element is computed the same way whatever the split.
import { FunctionBuilder, op } from './wasm-asm';

export const EW_OPS = ['add', 'sub', 'mul', 'rsub'] as const;
export type ElementwiseOp = (typeof EW_OPS)[number];
export const EW_MODES = ['rows', 'runs'] as const;
export type ElementwiseMode = (typeof EW_MODES)[number];

/** Job descriptor fields (i32, consecutive). */
export const EW_JOB_FIELDS = ['a', 'b', 'out', 'runLength', 'bPeriod'] as const;
export type ElementwiseJobField = (typeof EW_JOB_FIELDS)[number];
export const EW_JOB_BYTES = EW_JOB_FIELDS.length * 4;
const field = (name: ElementwiseJobField): number => EW_JOB_FIELDS.indexOf(name) * 4;

/** Export names, in the order elementwiseFunctions() emits them. */
export const EW_FUNCTION_NAMES: string[] = EW_OPS.flatMap((o) => EW_MODES.map((m) => `ew_${o}_${m}`));

const F32X4: Record<'add' | 'sub' | 'mul', number[]> = { add: op.f32x4Add, sub: op.f32x4Sub, mul: op.f32x4Mul };

function elementwiseFunction(kind: ElementwiseOp, mode: ElementwiseMode): FunctionBuilder {
  const fn = new FunctionBuilder(`ew_${kind}_${mode}`, 3);
  const [job, start, end] = [0, 1, 2];
  const load = (name: ElementwiseJobField) => [...op.get(job), ...op.i32Load(field(name))];
  const run = fn.local('i32');
  const runBytes = fn.local('i32');
  const pa = fn.local('i32');
  const pb = fn.local('i32');
  const po = fn.local('i32');
  const left = fn.local('i32');
  const bv = fn.local('v128');
  const apply = (bOperand: number[]): number[] => {
    // out = a OP b; rsub is b − a.
    if (kind === 'rsub') return [...bOperand, ...op.get(pa), ...op.v128Load(), ...F32X4.sub];
    return [...op.get(pa), ...op.v128Load(), ...bOperand, ...F32X4[kind]];
  };
  fn.emit(load('runLength'), op.i32(4), op.mul, op.set(runBytes));
  fn.emit(op.get(start), op.set(run), op.block, op.loop, op.get(run), op.get(end), op.geU, op.brIf(1));
  fn.emit(load('a'), op.get(run), op.get(runBytes), op.mul, op.add, op.set(pa));
  fn.emit(load('out'), op.get(run), op.get(runBytes), op.mul, op.add, op.set(po));
  if (mode === 'rows') {
    fn.emit(load('b'), op.get(run), load('bPeriod'), op.remU, op.get(runBytes), op.mul, op.add, op.set(pb));
  } else {
    fn.emit(load('b'), op.get(run), load('bPeriod'), op.remU, op.i32(4), op.mul, op.add, op.v128Load32Splat(), op.set(bv));
  }
  fn.emit(load('runLength'), op.i32(2), op.shrU, op.set(left));
  fn.emit(op.loop);
  const bOperand = mode === 'rows' ? [...op.get(pb), ...op.v128Load()] : op.get(bv);
  fn.emit(op.get(po), apply(bOperand), op.v128Store());
  fn.emit(op.get(pa), op.i32(16), op.add, op.set(pa), op.get(po), op.i32(16), op.add, op.set(po));
  if (mode === 'rows') fn.emit(op.get(pb), op.i32(16), op.add, op.set(pb));
  fn.emit(op.get(left), op.i32(1), op.sub, op.tee(left), op.brIf(0), op.end);
  fn.emit(op.get(run), op.i32(1), op.add, op.set(run), op.br(0), op.end, op.end);
  return fn;
}

export function elementwiseFunctions(): FunctionBuilder[] {
  return EW_OPS.flatMap((kind) => EW_MODES.map((mode) => elementwiseFunction(kind, mode)));
}
