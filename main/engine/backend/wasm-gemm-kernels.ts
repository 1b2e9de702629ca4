// The studio's float32 GEMM for the wasm backend, written as WebAssembly
// with wasm-asm.ts. Four exported functions:
//
//   tiles(a, rs, ks, bPanel, c, ldc, mTiles, kc, accumulate)
//     The micro-kernel, swept down mTiles tiles of MR rows: for each tile
//     C[MR, NR] (=|+=) A[MR, kc] · Bpanel[kc, NR]. A is read in place through
//     strides (row r, step k at a + r·rs + k·ks, bytes), so a transposed A
//     costs nothing; one value per row is splat-loaded per k. The B panel is
//     packed: kc rows of NR floats. MR·NR/4 accumulators stay in registers.
//   pack(src, ks, js, nr, kc, dst)
//     Packs a B panel: dst[k, j] = B(k, j) at src + k·ks + j·js for j < nr,
//     0 for nr ≤ j < NR. A row-major B (js = 4, full panel) copies vectors.
//   share(job, scratch)
//     The same work, but each calling thread takes the next untaken item
//     from an atomic counter in the job (see shareFunction).
//   run(job, start, end, scratch)
//     Runs work items [start, end) of a job (see JOB_FIELDS): item =
//     batch index · nPanels + column panel. Loops M blocks (MC rows), K blocks
//     (KC), then items: pack the item's B block into scratch (it stays in L1),
//     then sweep its column panel down the M block. Each output element is
//     written by exactly one item, so threads can split the items freely and
//     results do not depend on the split.
//
// With relaxed SIMD the multiply-add is f32x4.relaxed_madd (one FMA on x86
// with FMA3, ~1.2–1.9× the throughput of mul + add); without it, mul + add.
import { encodeModule, FunctionBuilder, minU, op, type MemoryImport } from './wasm-asm';
import { elementwiseFunctions } from './wasm-elementwise-kernels';

/** Left rows per product from which the studio's GEMM is used (below: the gemv or XNNPACK). */
export const GEMM_MIN_ROWS = 16;

/** Rows and columns of the micro-kernel's output tile. */
export const MR = 4;
export const NR = 8;
const NV = NR / 4;

/** The job descriptor: consecutive i32 fields in the heap. Strides in bytes. */
export const JOB_FIELDS = [
  'a',
  'aBatchStride',
  'aRowStride',
  'aKStride',
  'b',
  'bBatchStride',
  'bKStride',
  'bColStride',
  'c',
  'cBatchStride',
  'ldc',
  'm',
  'n',
  'k',
  'nPanels',
  'kc',
  'mc',
  // For share(): the number of items, and the next one to take.
  'items',
  'next',
] as const;
export type JobField = (typeof JOB_FIELDS)[number];
export const JOB_BYTES = JOB_FIELDS.length * 4;
const field = (name: JobField): number => JOB_FIELDS.indexOf(name) * 4;

const TILES = 0;
const PACK = 1;

function tilesFunction(fma: boolean): FunctionBuilder {
  const fn = new FunctionBuilder('tiles', 9);
  const [a, rs, ks, bPanel, c, ldc, mTiles, kc, accumulate] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => fn.param(i)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const rowOffset = [0, fn.local('i32'), fn.local('i32'), fn.local('i32')];
  const pa = fn.local('i32');
  const pb = fn.local('i32');
  const remaining = fn.local('i32');
  const cRow = fn.local('i32');
  const acc: number[][] = [];
  for (let r = 0; r < MR; r++) acc.push(Array.from({ length: NV }, () => fn.local('v128')));
  const bv = Array.from({ length: NV }, () => fn.local('v128'));
  const av = fn.local('v128');
  const accAt = (r: number, v: number): number => acc[r]![v]!;

  for (let r = 1; r < MR; r++) fn.emit(op.get(rs), op.i32(r), op.mul, op.set(rowOffset[r]!));
  fn.emit(op.block, op.get(mTiles), op.eqz, op.brIf(0), op.loop);
  // Accumulators: from C, or zero.
  fn.emit(op.get(accumulate), op.if, op.get(c), op.set(cRow));
  for (let r = 0; r < MR; r++) {
    for (let v = 0; v < NV; v++) fn.emit(op.get(cRow), op.v128Load(v * 16), op.set(accAt(r, v)));
    if (r < MR - 1) fn.emit(op.get(cRow), op.get(ldc), op.add, op.set(cRow));
  }
  fn.emit(op.else);
  for (let r = 0; r < MR; r++) for (let v = 0; v < NV; v++) fn.emit(op.v128Zero, op.set(accAt(r, v)));
  fn.emit(op.end);
  // The k loop.
  fn.emit(op.get(a), op.set(pa), op.get(bPanel), op.set(pb), op.get(kc), op.set(remaining));
  fn.emit(op.block, op.get(remaining), op.eqz, op.brIf(0), op.loop);
  for (let v = 0; v < NV; v++) fn.emit(op.get(pb), op.v128Load(v * 16), op.set(bv[v]!));
  for (let r = 0; r < MR; r++) {
    if (r === 0) fn.emit(op.get(pa));
    else fn.emit(op.get(pa), op.get(rowOffset[r]!), op.add);
    fn.emit(op.v128Load32Splat(), op.set(av));
    for (let v = 0; v < NV; v++) {
      if (fma) fn.emit(op.get(av), op.get(bv[v]!), op.get(accAt(r, v)), op.f32x4RelaxedMadd, op.set(accAt(r, v)));
      else fn.emit(op.get(accAt(r, v)), op.get(av), op.get(bv[v]!), op.f32x4Mul, op.f32x4Add, op.set(accAt(r, v)));
    }
  }
  fn.emit(op.get(pa), op.get(ks), op.add, op.set(pa));
  fn.emit(op.get(pb), op.i32(NR * 4), op.add, op.set(pb));
  fn.emit(op.get(remaining), op.i32(1), op.sub, op.tee(remaining), op.brIf(0), op.end, op.end);
  // Store the tile.
  fn.emit(op.get(c), op.set(cRow));
  for (let r = 0; r < MR; r++) {
    for (let v = 0; v < NV; v++) fn.emit(op.get(cRow), op.get(accAt(r, v)), op.v128Store(v * 16));
    if (r < MR - 1) fn.emit(op.get(cRow), op.get(ldc), op.add, op.set(cRow));
  }
  // Next tile: MR rows down A and C.
  fn.emit(op.get(a), op.get(rs), op.i32(MR), op.mul, op.add, op.set(a));
  fn.emit(op.get(c), op.get(ldc), op.i32(MR), op.mul, op.add, op.set(c));
  fn.emit(op.get(mTiles), op.i32(1), op.sub, op.tee(mTiles), op.brIf(0), op.end, op.end);
  return fn;
}

function packFunction(): FunctionBuilder {
  const fn = new FunctionBuilder('pack', 6);
  const [src, ks, js, nr, kc, dst] = [0, 1, 2, 3, 4, 5];
  const s = fn.local('i32');
  const j = fn.local('i32');
  const remaining = fn.local('i32');
  fn.emit(op.get(kc), op.set(remaining));
  fn.emit(op.block, op.get(remaining), op.eqz, op.brIf(0));
  // Fast path: contiguous full rows.
  fn.emit(op.get(js), op.i32(4), op.eq, op.get(nr), op.i32(NR), op.eq, op.and, op.if);
  fn.emit(op.loop);
  for (let v = 0; v < NV; v++) fn.emit(op.get(dst), op.get(src), op.v128Load(v * 16), op.v128Store(v * 16));
  fn.emit(op.get(src), op.get(ks), op.add, op.set(src), op.get(dst), op.i32(NR * 4), op.add, op.set(dst));
  fn.emit(op.get(remaining), op.i32(1), op.sub, op.tee(remaining), op.brIf(0), op.end);
  fn.emit(op.else);
  fn.emit(op.loop);
  // nr strided values, then zeros up to NR.
  fn.emit(op.get(src), op.set(s), op.i32(0), op.set(j));
  fn.emit(op.block, op.loop);
  fn.emit(op.get(j), op.get(nr), op.geU, op.brIf(1));
  fn.emit(op.get(dst), op.get(s), op.f32Load(), op.f32Store());
  fn.emit(op.get(dst), op.i32(4), op.add, op.set(dst), op.get(s), op.get(js), op.add, op.set(s));
  fn.emit(op.get(j), op.i32(1), op.add, op.set(j), op.br(0), op.end, op.end);
  fn.emit(op.block, op.loop);
  fn.emit(op.get(j), op.i32(NR), op.geU, op.brIf(1));
  fn.emit(op.get(dst), op.f32Zero, op.f32Store());
  fn.emit(op.get(dst), op.i32(4), op.add, op.set(dst));
  fn.emit(op.get(j), op.i32(1), op.add, op.set(j), op.br(0), op.end, op.end);
  fn.emit(op.get(src), op.get(ks), op.add, op.set(src));
  fn.emit(op.get(remaining), op.i32(1), op.sub, op.tee(remaining), op.brIf(0), op.end);
  fn.emit(op.end);
  fn.emit(op.end);
  return fn;
}

interface DriverLocals {
  m: number;
  n: number;
  k: number;
  nPanels: number;
  kcMax: number;
  mcMax: number;
  ic: number;
  mc: number;
  pc: number;
  kc: number;
  item: number;
  batch: number;
  panel: number;
  nr: number;
}

function driverLocals(fn: FunctionBuilder): DriverLocals {
  const names = ['m', 'n', 'k', 'nPanels', 'kcMax', 'mcMax', 'ic', 'mc', 'pc', 'kc', 'item', 'batch', 'panel', 'nr'] as const;
  return Object.fromEntries(names.map((name) => [name, fn.local('i32')])) as unknown as DriverLocals;
}

function emitLoadShape(fn: FunctionBuilder, load: (name: JobField) => number[], v: DriverLocals): void {
  fn.emit(load('m'), op.set(v.m), load('n'), op.set(v.n), load('k'), op.set(v.k));
  fn.emit(load('nPanels'), op.set(v.nPanels), load('kc'), op.set(v.kcMax), load('mc'), op.set(v.mcMax));
}

/** `for (x = 0; x < limit; x += step)` around body; step is a local updated inside body. */
function emitBlockLoop(fn: FunctionBuilder, x: number, limit: number, size: number, sizeMax: number, body: () => void): void {
  fn.emit(op.i32(0), op.set(x), op.block, op.loop, op.get(x), op.get(limit), op.geU, op.brIf(1));
  fn.emit(minU(op.get(sizeMax), [...op.get(limit), ...op.get(x), ...op.sub]), op.set(size));
  body();
  fn.emit(op.get(x), op.get(size), op.add, op.set(x), op.br(0), op.end, op.end);
}

/** For the item in v.item at block (ic, pc): pack its B block into scratch, then sweep its column panel down the M block. */
function emitItemBlock(fn: FunctionBuilder, load: (name: JobField) => number[], v: DriverLocals, scratch: number): void {
  fn.emit(op.get(v.item), op.get(v.nPanels), op.divU, op.set(v.batch));
  fn.emit(op.get(v.item), op.get(v.nPanels), op.remU, op.set(v.panel));
  fn.emit(minU(op.i32(NR), [...op.get(v.n), ...op.get(v.panel), ...op.i32(NR), ...op.mul, ...op.sub]), op.set(v.nr));
  // pack(b + batch·bBatch + pc·bK + panel·NR·bCol, bK, bCol, nr, kc, scratch)
  fn.emit(load('b'), op.get(v.batch), load('bBatchStride'), op.mul, op.add);
  fn.emit(op.get(v.pc), load('bKStride'), op.mul, op.add);
  fn.emit(op.get(v.panel), op.i32(NR), op.mul, load('bColStride'), op.mul, op.add);
  fn.emit(load('bKStride'), load('bColStride'), op.get(v.nr), op.get(v.kc), op.get(scratch), op.call(PACK));
  // tiles(a + batch·aBatch + ic·aRow + pc·aK, aRow, aK, scratch, c + batch·cBatch + ic·ldc + panel·NR·4, ldc, mc / MR, kc, pc > 0)
  fn.emit(load('a'), op.get(v.batch), load('aBatchStride'), op.mul, op.add);
  fn.emit(op.get(v.ic), load('aRowStride'), op.mul, op.add, op.get(v.pc), load('aKStride'), op.mul, op.add);
  fn.emit(load('aRowStride'), load('aKStride'), op.get(scratch));
  fn.emit(load('c'), op.get(v.batch), load('cBatchStride'), op.mul, op.add);
  fn.emit(op.get(v.ic), load('ldc'), op.mul, op.add, op.get(v.panel), op.i32(NR * 4), op.mul, op.add);
  fn.emit(load('ldc'), op.get(v.mc), op.i32(MR), op.divU, op.get(v.kc), op.get(v.pc), op.i32(0), op.ne, op.call(TILES));
}

/**
 * run(job, start, end, scratch): items [start, end), M blocks and K blocks
 * outermost, so an A block stays in L2 across items (for any size of A).
 */
function runFunction(): FunctionBuilder {
  const fn = new FunctionBuilder('run', 4);
  const [job, start, end, scratch] = [0, 1, 2, 3];
  const load = (name: JobField) => [...op.get(job), ...op.i32Load(field(name))];
  const v = driverLocals(fn);
  emitLoadShape(fn, load, v);
  emitBlockLoop(fn, v.ic, v.m, v.mc, v.mcMax, () => {
    emitBlockLoop(fn, v.pc, v.k, v.kc, v.kcMax, () => {
      fn.forRange(v.item, op.get(start), op.get(end), () => emitItemBlock(fn, load, v, scratch));
    });
  });
  return fn;
}

/**
 * share(job, scratch): takes items one at a time from the job's shared
 * counter (an atomic add on `next`) until `items` are taken, each item whole
 * (all M and K blocks). Threads that call it on the same job split the work
 * by how fast each actually runs, so a thread the machine delays does less.
 * For an A small enough to stay in L2 across items.
 */
function shareFunction(): FunctionBuilder {
  const fn = new FunctionBuilder('share', 2);
  const [job, scratch] = [0, 1];
  const load = (name: JobField) => [...op.get(job), ...op.i32Load(field(name))];
  const v = driverLocals(fn);
  emitLoadShape(fn, load, v);
  fn.emit(op.block, op.loop);
  fn.emit(op.get(job), op.i32(1), op.i32AtomicRmwAdd(field('next')), op.tee(v.item), load('items'), op.geU, op.brIf(1));
  emitBlockLoop(fn, v.ic, v.m, v.mc, v.mcMax, () => {
    emitBlockLoop(fn, v.pc, v.k, v.kc, v.kcMax, () => emitItemBlock(fn, load, v, scratch));
  });
  fn.emit(op.br(0), op.end, op.end);
  return fn;
}

/** The module's bytes: TILES, PACK, run, share, then the elementwise kernels (wasm-elementwise-kernels.ts). */
export function gemmModuleBytes(options: { fma: boolean; memory: MemoryImport }): Uint8Array {
  return encodeModule(options.memory, [
    tilesFunction(options.fma),
    packFunction(),
    runFunction(),
    shareFunction(),
    ...elementwiseFunctions(options.fma),
  ]);
}

/** A module that only validates where relaxed SIMD is enabled. */
export function relaxedSimdProbe(): Uint8Array {
  const fn = new FunctionBuilder('probe', 1);
  fn.emit(op.get(0), op.get(0), op.v128Load(), op.get(0), op.v128Load(), op.get(0), op.v128Load(), op.f32x4RelaxedMadd, op.v128Store());
  return encodeModule({ shared: false, minimum: 1 }, [fn]);
}
