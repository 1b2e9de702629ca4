// A very small WebAssembly binary writer: just enough to emit the studio's
// GEMM kernels (wasm-gemm-kernels.ts) at run time, so they can be built with
// or without relaxed SIMD and against shared or unshared memory without a
// compiler toolchain. Every function takes i32 parameters and returns
// nothing; memory is imported as env.memory.

export type ValType = 'i32' | 'f32' | 'v128';

const TYPE_CODE: Record<ValType, number> = { i32: 0x7f, f32: 0x7d, v128: 0x7b };

export function uleb(value: number): number[] {
  const out: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0);
  return out;
}

export function sleb(value: number): number[] {
  const out: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    if ((rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

const simd = (opcode: number, ...immediates: number[]): number[] => [0xfd, ...uleb(opcode), ...immediates];
/** memarg: alignment exponent, then byte offset. */
const memarg = (align: number, offset: number): number[] => [align, ...uleb(offset)];

/** Instructions, each as its bytes. */
export const op = {
  get: (local: number) => [0x20, ...uleb(local)],
  set: (local: number) => [0x21, ...uleb(local)],
  tee: (local: number) => [0x22, ...uleb(local)],
  i32: (value: number) => [0x41, ...sleb(value)],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  divU: [0x6e],
  remU: [0x70],
  eqz: [0x45],
  eq: [0x46],
  ne: [0x47],
  ltU: [0x49],
  gtU: [0x4b],
  geU: [0x4f],
  and: [0x71],
  shrU: [0x76],
  select: [0x1b],
  call: (fn: number) => [0x10, ...uleb(fn)],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  i32Load: (offset = 0) => [0x28, ...memarg(2, offset)],
  f32Load: (offset = 0) => [0x2a, ...memarg(2, offset)],
  f32Store: (offset = 0) => [0x38, ...memarg(2, offset)],
  f32Zero: [0x43, 0, 0, 0, 0],
  v128Load: (offset = 0) => simd(0x00, ...memarg(2, offset)),
  v128Load32Splat: (offset = 0) => simd(0x09, ...memarg(2, offset)),
  v128Store: (offset = 0) => simd(0x0b, ...memarg(2, offset)),
  v128Zero: simd(0x0c, ...new Array<number>(16).fill(0)),
  /** Threads: old = mem[address + offset]; mem[...] = old + value; pushes old. Stack: address, value. */
  i32AtomicRmwAdd: (offset = 0) => [0xfe, 0x1e, ...memarg(2, offset)],
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
  f32x4Min: simd(0xe8),
  f32x4Max: simd(0xe9),
  f32x4Lt: simd(0x43),
  /** Pseudo-minimum b < a ? b : a (one minps; keeps a NaN in a). */
  f32x4Pmin: simd(0xea),
  /** Pseudo-maximum a < b ? b : a (one maxps). */
  f32x4Pmax: simd(0xeb),
  i32x4Sub: simd(0xb1),
  f32x4Nearest: simd(0x6a),
  f32x4ExtractLane: (lane: number) => simd(0x1f, lane),
  f32x4ConvertI32x4S: simd(0xfa),
  i32x4TruncSatF32x4S: simd(0xf8),
  i32x4Shl: simd(0xab),
  i32x4Add: simd(0xae),
  v128Bitselect: simd(0x52),
  /** A v128 constant of four equal floats. */
  f32x4Const: (value: number) =>
    simd(0x0c, ...Array.from({ length: 4 }, () => [...new Uint8Array(new Float32Array([value]).buffer)]).flat()),
  i32x4Const: (value: number) => simd(0x0c, ...Array.from({ length: 4 }, () => [...new Uint8Array(new Int32Array([value]).buffer)]).flat()),
  f32Max: [0x97],
  f32Add: [0x92],
  f32Div: [0x95],
  f32Const: (value: number) => [0x43, ...new Uint8Array(new Float32Array([value]).buffer)],
  f32x4Splat: simd(0x13),
  /** Relaxed SIMD: a·b + c, one fused multiply-add where the CPU has one. */
  f32x4RelaxedMadd: simd(0x105),
};

/** The smaller of two unsigned i32 values, each given as the instructions that push it. */
export function minU(x: number[], y: number[]): number[] {
  return [...x, ...y, ...x, ...y, ...op.ltU, ...op.select];
}

export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly localTypes: ValType[] = [];

  constructor(
    readonly exportName: string,
    readonly paramCount: number,
  ) {}

  /** Index of the i-th parameter. */
  param(index: number): number {
    if (index >= this.paramCount) throw new Error(`${this.exportName} has ${this.paramCount} parameters`);
    return index;
  }

  local(type: ValType): number {
    this.localTypes.push(type);
    return this.paramCount + this.localTypes.length - 1;
  }

  emit(...instructions: number[][]): this {
    for (const instruction of instructions) this.code.push(...instruction);
    return this;
  }

  /** for (counter = from; counter < limit; counter++) body(); `from` and `limit` as instructions (unsigned compare). */
  forRange(counter: number, from: number[], limit: number[], body: () => void): this {
    this.emit(from, op.set(counter), op.block, op.loop, op.get(counter), limit, op.geU, op.brIf(1));
    body();
    return this.emit(op.get(counter), op.i32(1), op.add, op.set(counter), op.br(0), op.end, op.end);
  }

  /** counter = count; do body() while (--counter): at least once, so count must be 1 or more. */
  repeat(counter: number, count: number[], body: () => void): this {
    this.emit(count, op.set(counter), op.loop);
    body();
    return this.emit(op.get(counter), op.i32(1), op.sub, op.tee(counter), op.brIf(0), op.end);
  }

  /** pointer += bytes, for each pointer. */
  advance(pointers: number[], bytes: number): this {
    for (const pointer of pointers) this.emit(op.get(pointer), op.i32(bytes), op.add, op.set(pointer));
    return this;
  }

  /** The function body as the code section stores it (size prefix included). */
  encodeBody(): number[] {
    const runs: number[][] = [];
    for (const type of this.localTypes) {
      const last = runs[runs.length - 1];
      if (last && last[1] === TYPE_CODE[type]) last[0] = (last[0] ?? 0) + 1;
      else runs.push([1, TYPE_CODE[type]]);
    }
    const body = [...vector(runs.map(([count, code]) => [...uleb(count ?? 0), code ?? 0])), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

export interface MemoryImport {
  shared: boolean;
  /** Pages (64 KiB). */
  minimum: number;
  /** Required for shared memory; left out for unshared memory, so any maximum matches. */
  maximum?: number;
}

/** A module importing env.memory and exporting each function under its name. */
export function encodeModule(memory: MemoryImport, functions: FunctionBuilder[]): Uint8Array {
  const types = functions.map((fn) => [0x60, ...vector(new Array<number[]>(fn.paramCount).fill([TYPE_CODE.i32])), 0x00]);
  const limits =
    memory.maximum === undefined
      ? [0x00, ...uleb(memory.minimum)]
      : [memory.shared ? 0x03 : 0x01, ...uleb(memory.minimum), ...uleb(memory.maximum)];
  if (memory.shared && memory.maximum === undefined) throw new Error('a shared memory import needs a maximum');
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector(types)),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, ...limits]])),
    ...section(3, vector(functions.map((_, index) => uleb(index)))),
    ...section(7, vector(functions.map((fn, index) => [...name(fn.exportName), 0x00, ...uleb(index)]))),
    ...section(10, vector(functions.map((fn) => fn.encodeBody()))),
  ];
  return new Uint8Array(bytes);
}
