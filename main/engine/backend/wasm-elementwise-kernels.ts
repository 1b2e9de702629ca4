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
import { FunctionBuilder, minU, op } from './wasm-asm';

export const EW_OPS = ['add', 'sub', 'mul', 'rsub'] as const;
export type ElementwiseOp = (typeof EW_OPS)[number];
export const EW_MODES = ['rows', 'runs'] as const;
export type ElementwiseMode = (typeof EW_MODES)[number];

/** Job descriptor fields (i32, consecutive). */
export const EW_JOB_FIELDS = ['a', 'b', 'out', 'runLength', 'bPeriod', 'rows', 'cols', 'out2', 'kSplit', 'blocks'] as const;
export type ElementwiseJobField = (typeof EW_JOB_FIELDS)[number];
export const EW_JOB_BYTES = EW_JOB_FIELDS.length * 4;
const field = (name: ElementwiseJobField): number => EW_JOB_FIELDS.indexOf(name) * 4;

/** Export names, in the order elementwiseFunctions() emits them. */
export const EW_FUNCTION_NAMES: string[] = [
  ...EW_OPS.flatMap((o) => EW_MODES.map((m) => `ew_${o}_${m}`)),
  'ew_softmax',
  'ew_sigmoid',
  'ew_swap_middle',
  'ew_gemv',
];

const F32X4: Record<'add' | 'sub' | 'mul', number[]> = { add: op.f32x4Add, sub: op.f32x4Sub, mul: op.f32x4Mul };

/** A kernel `name(job, start, end)` and a reader for its job's fields. */
function kernel(name: string): { fn: FunctionBuilder; load: (field: ElementwiseJobField) => number[]; start: number; end: number } {
  const fn = new FunctionBuilder(name, 3);
  return { fn, load: (name) => [...op.get(0), ...op.i32Load(field(name))], start: 1, end: 2 };
}

/** Instructions for the number of vectors in `floats` floats (a multiple of 4). */
const vectors = (floats: number[]): number[] => [...floats, ...op.i32(2), ...op.shrU];

function elementwiseFunction(kind: ElementwiseOp, mode: ElementwiseMode): FunctionBuilder {
  const { fn, load, start, end } = kernel(`ew_${kind}_${mode}`);
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
  fn.forRange(run, op.get(start), op.get(end), () => {
    fn.emit(load('a'), op.get(run), op.get(runBytes), op.mul, op.add, op.set(pa));
    fn.emit(load('out'), op.get(run), op.get(runBytes), op.mul, op.add, op.set(po));
    if (mode === 'rows') {
      fn.emit(load('b'), op.get(run), load('bPeriod'), op.remU, op.get(runBytes), op.mul, op.add, op.set(pb));
    } else {
      fn.emit(load('b'), op.get(run), load('bPeriod'), op.remU, op.i32(4), op.mul, op.add, op.v128Load32Splat(), op.set(bv));
    }
    const bOperand = mode === 'rows' ? [...op.get(pb), ...op.v128Load()] : op.get(bv);
    fn.repeat(left, vectors(load('runLength')), () => {
      fn.emit(op.get(po), apply(bOperand), op.v128Store());
      fn.advance(mode === 'rows' ? [pa, po, pb] : [pa, po], 16);
    });
  });
  return fn;
}

// exp(x) on four lanes, Cephes' expf: x = n·ln2 + r with n = round(x·log2 e)
// (ln2 split in two for an exact reduction), e^r by a degree-6 polynomial,
// 2^n put into the exponent bits. Relative error ~2e-7 over the float range;
// below -87.3 (where e^x is subnormal) the result is 0, above 88.7 it is
// clamped. `x` and `t`, `u` are v128 locals; leaves e^x on the stack.
const EXP_POLY = [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
const EXP_CONSTANTS = {
  low: -87.33654,
  high: 88.72283,
  log2e: Math.LOG2E,
  ln2High: 0.693359375,
  ln2Low: -2.1219444e-4,
  one: 1,
  zero: 0,
  /** 1.5·2²³: adding it rounds to an integer, left in the low mantissa bits. */
  round: 12582912,
} as const;
type ExpRegisters = Record<keyof typeof EXP_CONSTANTS | 'p0' | 'p1' | 'p2' | 'p3' | 'p4' | 'p5' | 'bias', number>;

/**
 * The constants exp needs, loaded into v128 locals once, before the loops:
 * V8 rebuilds a v128.const on every use inside a loop.
 */
function expRegisters(fn: FunctionBuilder): ExpRegisters {
  const registers = {} as ExpRegisters;
  for (const [name, value] of Object.entries(EXP_CONSTANTS)) {
    const local = fn.local('v128');
    fn.emit(op.f32x4Const(value), op.set(local));
    registers[name as keyof typeof EXP_CONSTANTS] = local;
  }
  EXP_POLY.forEach((value, i) => {
    const local = fn.local('v128');
    fn.emit(op.f32x4Const(value), op.set(local));
    registers[`p${i}` as 'p0'] = local;
  });
  // bits(round) − 127: bits(x·log2e + round) − this = n + 127, the exponent of 2^n.
  registers.bias = fn.local('v128');
  fn.emit(op.i32x4Const(0x4b400000 - 127), op.set(registers.bias));
  return registers;
}

function emitExp(x: number, t: number, u: number, c: ExpRegisters): number[] {
  const out: number[] = [];
  const e = (...xs: number[][]) => {
    for (const bytes of xs) out.push(...bytes);
  };
  // u = x < low (mask for an exact 0); x = clamp(x) (a NaN stays NaN).
  e(op.get(x), op.get(c.low), op.f32x4Lt, op.set(u));
  e(op.get(x), op.get(c.high), op.f32x4Pmin, op.get(c.low), op.f32x4Pmax, op.set(x));
  // t = x·log2 e + round: n = round(x·log2 e) sits in t's low mantissa bits
  e(op.get(x), op.get(c.log2e), op.f32x4Mul, op.get(c.round), op.f32x4Add, op.set(t));
  // t = n = t − round (exact); x = x − n·C1 − n·C2
  e(op.get(x), op.get(t), op.get(c.round), op.f32x4Sub, op.tee(t), op.get(c.ln2High), op.f32x4Mul, op.f32x4Sub);
  e(op.get(t), op.get(c.ln2Low), op.f32x4Mul, op.f32x4Sub, op.set(x));
  // p = ((((c0·x + c1)·x + c2)·x + c3)·x + c4)·x + c5; y = p·x² + x + 1
  e(op.get(c.p0));
  for (const i of [1, 2, 3, 4, 5] as const) e(op.get(x), op.f32x4Mul, op.get(c[`p${i}`]), op.f32x4Add);
  e(op.get(x), op.get(x), op.f32x4Mul, op.f32x4Mul, op.get(x), op.f32x4Add, op.get(c.one), op.f32x4Add);
  // · 2^n: (n + 127) << 23 as float bits, from t's bits
  e(op.get(t), op.get(c.round), op.f32x4Add, op.get(c.bias), op.i32x4Sub, op.i32(23), op.i32x4Shl, op.f32x4Mul, op.set(x));
  // 0 where x was below the range (bitselect takes the first operand where the mask is set).
  e(op.get(c.zero), op.get(x), op.get(u), op.v128Bitselect);
  return out;
}

/**
 * ew_softmax(job, start, end): rows [start, end) of runLength floats each,
 * from a to out: max, then e^(x − max) and its sum, then a scale by 1/sum.
 */
function softmaxFunction(): FunctionBuilder {
  const { fn, load, start, end } = kernel('ew_softmax');
  const row = fn.local('i32');
  const rowBytes = fn.local('i32');
  const pa = fn.local('i32');
  const po = fn.local('i32');
  const left = fn.local('i32');
  const [x, t, u, acc, max] = [fn.local('v128'), fn.local('v128'), fn.local('v128'), fn.local('v128'), fn.local('v128')];
  const constants = expRegisters(fn);
  const horizontal = (combine: number[]) => [
    ...op.get(acc),
    ...op.f32x4ExtractLane(0),
    ...op.get(acc),
    ...op.f32x4ExtractLane(1),
    ...combine,
    ...op.get(acc),
    ...op.f32x4ExtractLane(2),
    ...combine,
    ...op.get(acc),
    ...op.f32x4ExtractLane(3),
    ...combine,
  ];
  /** body once per vector of the row, pa and po on that vector of input and output. */
  const sweep = (body: number[]) => {
    fn.emit(load('a'), op.get(row), op.get(rowBytes), op.mul, op.add, op.set(pa));
    fn.emit(load('out'), op.get(row), op.get(rowBytes), op.mul, op.add, op.set(po));
    fn.repeat(left, vectors(load('runLength')), () => fn.emit(body).advance([pa, po], 16));
  };
  fn.emit(load('runLength'), op.i32(4), op.mul, op.set(rowBytes));
  fn.forRange(row, op.get(start), op.get(end), () => {
    // max
    fn.emit(op.f32x4Const(-Infinity), op.set(acc));
    sweep([...op.get(acc), ...op.get(pa), ...op.v128Load(), ...op.f32x4Pmax, ...op.set(acc)]);
    fn.emit(horizontal(op.f32Max), op.f32x4Splat, op.set(max));
    // e^(x − max) → out, summed
    fn.emit(op.f32x4Const(0), op.set(acc));
    sweep([
      ...op.get(pa),
      ...op.v128Load(),
      ...op.get(max),
      ...op.f32x4Sub,
      ...op.set(x),
      ...op.get(po),
      ...emitExp(x, t, u, constants),
      ...op.tee(x),
      ...op.v128Store(),
      ...op.get(acc),
      ...op.get(x),
      ...op.f32x4Add,
      ...op.set(acc),
    ]);
    // · 1/sum, in place on out
    fn.emit(op.f32Const(1), horizontal(op.f32Add), op.f32Div, op.f32x4Splat, op.set(acc));
    sweep([...op.get(po), ...op.get(po), ...op.v128Load(), ...op.get(acc), ...op.f32x4Mul, ...op.v128Store()]);
  });
  return fn;
}

/** ew_sigmoid(job, start, end): out = 1 / (1 + e^(−a)) over runs [start, end) of runLength floats. */
function sigmoidFunction(): FunctionBuilder {
  const { fn, load, start, end } = kernel('ew_sigmoid');
  const run = fn.local('i32');
  const runBytes = fn.local('i32');
  const pa = fn.local('i32');
  const po = fn.local('i32');
  const left = fn.local('i32');
  const [x, t, u] = [fn.local('v128'), fn.local('v128'), fn.local('v128')];
  const constants = expRegisters(fn);
  fn.emit(load('runLength'), op.i32(4), op.mul, op.set(runBytes));
  fn.forRange(run, op.get(start), op.get(end), () => {
    fn.emit(load('a'), op.get(run), op.get(runBytes), op.mul, op.add, op.set(pa));
    fn.emit(load('out'), op.get(run), op.get(runBytes), op.mul, op.add, op.set(po));
    fn.repeat(left, vectors(load('runLength')), () => {
      fn.emit(op.get(constants.zero), op.get(pa), op.v128Load(), op.f32x4Sub, op.set(x));
      fn.emit(
        op.get(po),
        op.get(constants.one),
        op.get(constants.one),
        emitExp(x, t, u, constants),
        op.f32x4Add,
        op.f32x4Div,
        op.v128Store(),
      );
      fn.advance([pa, po], 16);
    });
  });
  return fn;
}

/**
 * ew_swap_middle(job, start, end): the transpose [outer, rows, cols, runLength]
 * → [outer, cols, rows, runLength] (split or merge attention heads) as vector
 * copies of whole runs. Run r of the output's (outer, col) pairs copies its
 * `rows` runs.
 */
function swapMiddleFunction(): FunctionBuilder {
  const { fn, load, start, end } = kernel('ew_swap_middle');
  const pair = fn.local('i32');
  const runBytes = fn.local('i32');
  const row = fn.local('i32');
  const src = fn.local('i32');
  const dst = fn.local('i32');
  const left = fn.local('i32');
  fn.emit(load('runLength'), op.i32(4), op.mul, op.set(runBytes));
  fn.forRange(pair, op.get(start), op.get(end), () => {
    // dst = out + pair·rows·runBytes; src = a + ((pair / cols)·rows·cols + pair % cols)·runBytes, then + cols·runBytes per row
    fn.emit(load('out'), op.get(pair), load('rows'), op.mul, op.get(runBytes), op.mul, op.add, op.set(dst));
    fn.emit(load('a'), op.get(pair), load('cols'), op.divU, load('rows'), op.mul, load('cols'), op.mul);
    fn.emit(op.get(pair), load('cols'), op.remU, op.add, op.get(runBytes), op.mul, op.add, op.set(src));
    fn.forRange(row, op.i32(0), load('rows'), () => {
      fn.repeat(left, vectors(load('runLength')), () =>
        fn.emit(op.get(dst), op.get(src), op.v128Load(), op.v128Store()).advance([src, dst], 16),
      );
      // next row: back to the run's start, then one row (cols runs) on
      fn.emit(op.get(src), op.get(runBytes), op.sub, load('cols'), op.get(runBytes), op.mul, op.add, op.set(src));
    });
  });
  return fn;
}

/**
 * ew_gemv(job, start, end): out[rows, n] = A[rows, k] · B[k, n] for a few
 * rows (decoding), B row-major and read in place (no packing; the product is
 * bound by memory). Run r = half·blocks + block: rows k ∈ [half·kSplit, …)
 * of B against column block `block` (runLength columns), into `out` for
 * half 0 and `out2` for half 1 (the caller adds the two). So each thread
 * streams its own contiguous half of B, four rows of B at a time against
 * the block's partial sums. Fields: a, b, out, runLength (a multiple of 4), bPeriod = n (a multiple
 * of 4), rows, cols = k, out2, kSplit, blocks.
 */
function gemvFunction(fma: boolean): FunctionBuilder {
  const { fn, load, start, end } = kernel('ew_gemv');
  const i32 = () => fn.local('i32');
  const [run, half, column, k0, steps, base, row, width] = [i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32()];
  const [step, pa, pb, po, block, left, rowBytes] = [i32(), i32(), i32(), i32(), i32(), i32(), i32()];
  const bRows = [fn.local('i32'), fn.local('i32'), fn.local('i32'), fn.local('i32')];
  const aValues = [fn.local('v128'), fn.local('v128'), fn.local('v128'), fn.local('v128')];
  /** *po = ((*po + a₀·b₀) + a₁·b₁) + …, b's read at the given pointers; relaxed_madd(a, b, c) is a·b + c. */
  const accumulate = (terms: [number, number][]): number[] => {
    const out = [...op.get(po)];
    if (fma) {
      for (const [a, b] of [...terms].reverse()) out.push(...op.get(a), ...op.get(b), ...op.v128Load());
      out.push(...op.get(po), ...op.v128Load(), ...terms.flatMap(() => op.f32x4RelaxedMadd));
    } else {
      out.push(...op.get(po), ...op.v128Load());
      for (const [a, b] of terms) out.push(...op.get(a), ...op.get(b), ...op.v128Load(), ...op.f32x4Mul, ...op.f32x4Add);
    }
    return [...out, ...op.v128Store()];
  };
  fn.forRange(run, op.get(start), op.get(end), () => {
    fn.emit(op.get(run), load('blocks'), op.divU, op.set(half));
    fn.emit(op.get(run), load('blocks'), op.remU, load('runLength'), op.mul, op.set(column));
    fn.emit(op.get(half), load('kSplit'), op.mul, op.set(k0));
    // steps = minU(kSplit, cols − k0); base = half ? out2 : out; width = minU(runLength, n − column)
    fn.emit(minU(load('kSplit'), [...load('cols'), ...op.get(k0), ...op.sub]), op.set(steps));
    fn.emit(load('out2'), load('out'), op.get(half), op.select, op.set(base));
    fn.emit(minU(load('runLength'), [...load('bPeriod'), ...op.get(column), ...op.sub]), op.set(width));
    fn.emit(load('bPeriod'), op.i32(4), op.mul, op.set(rowBytes));
    fn.forRange(row, op.i32(0), load('rows'), () => {
      // block = base + (row·n + column)·4, zeroed
      fn.emit(op.get(base), op.get(row), load('bPeriod'), op.mul, op.get(column), op.add, op.i32(4), op.mul, op.add, op.set(block));
      fn.emit(op.get(block), op.set(po));
      fn.repeat(left, vectors(op.get(width)), () => fn.emit(op.get(po), op.v128Zero, op.v128Store()).advance([po], 16));
      // for k in [k0, k0 + steps): block += A[row, k] · B[k, columns]
      fn.emit(load('a'), op.get(row), load('cols'), op.mul, op.get(k0), op.add, op.i32(4), op.mul, op.add, op.set(pa));
      fn.emit(load('b'), op.get(k0), load('bPeriod'), op.mul, op.get(column), op.add, op.i32(4), op.mul, op.add, op.set(pb));
      fn.emit(op.get(steps), op.set(step));
      // four k at a time: B's four rows stream side by side, the block is read and written once
      fn.emit(op.block, op.loop, op.get(step), op.i32(4), op.ltU, op.brIf(1));
      aValues.forEach((value, j) => fn.emit(op.get(pa), op.v128Load32Splat(j * 4), op.set(value)));
      bRows.forEach((pointer, j) => fn.emit(op.get(pb), op.get(rowBytes), op.i32(j), op.mul, op.add, op.set(pointer)));
      fn.emit(op.get(block), op.set(po));
      fn.repeat(left, vectors(op.get(width)), () => fn.emit(accumulate(aValues.map((a, j) => [a, bRows[j]!]))).advance([po, ...bRows], 16));
      fn.emit(op.get(pb), op.get(rowBytes), op.i32(4), op.mul, op.add, op.set(pb)).advance([pa], 16);
      fn.emit(op.get(step), op.i32(4), op.sub, op.set(step), op.br(0), op.end, op.end);
      // the last k (fewer than four), one at a time
      fn.emit(op.block, op.get(step), op.eqz, op.brIf(0));
      fn.repeat(step, op.get(step), () => {
        fn.emit(op.get(pa), op.v128Load32Splat(), op.set(aValues[0]!), op.get(pb), op.set(bRows[0]!), op.get(block), op.set(po));
        fn.repeat(left, vectors(op.get(width)), () => fn.emit(accumulate([[aValues[0]!, bRows[0]!]])).advance([po, bRows[0]!], 16));
        fn.emit(op.get(pb), op.get(rowBytes), op.add, op.set(pb)).advance([pa], 4);
      });
      fn.emit(op.end);
    });
  });
  return fn;
}

export function elementwiseFunctions(fma: boolean): FunctionBuilder[] {
  return [
    ...EW_OPS.flatMap((kind) => EW_MODES.map((mode) => elementwiseFunction(kind, mode))),
    softmaxFunction(),
    sigmoidFunction(),
    swapMiddleFunction(),
    gemvFunction(fma),
  ];
}
