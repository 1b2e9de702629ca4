// The studio's wasm GEMM against a plain float64 loop: every stride layout
// (transposed operands), ragged tile edges, batches with shared operands,
// with and without relaxed SIMD, on one thread and on two over shared memory.
import { describe, expect, it } from 'vitest';
import { sleb, uleb } from '../../../../main/engine/backend/wasm-asm';
import { relaxedSimdAvailable, WasmGemm, type GemmProblem } from '../../../../main/engine/backend/wasm-gemm';
import { gemmModuleBytes } from '../../../../main/engine/backend/wasm-gemm-kernels';

const WebAssemblyApi = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => { buffer: ArrayBufferLike; grow(pages: number): number };
      validate(b: Uint8Array): boolean;
    };
  }
).WebAssembly;

function bumpHeap(shared: boolean) {
  const memory = new WebAssemblyApi.Memory({ initial: 256, maximum: 65536, shared });
  let top = 1 << 16;
  let live = 0;
  return {
    memory,
    malloc(bytes: number): number {
      const pointer = top;
      top += (bytes + 63) & ~63;
      live++;
      if (top > memory.buffer.byteLength) memory.grow(Math.ceil((top - memory.buffer.byteLength) / 65536));
      return pointer;
    },
    free(): void {
      live--;
    },
    get live() {
      return live;
    },
  };
}

let seed = 7;
const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5;

interface Case {
  batch: number;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  sharedB: boolean;
}

/** Fills operands, multiplies, returns the result and the float64 reference. */
function runCase(gemm: WasmGemm, heap: ReturnType<typeof bumpHeap>, c: Case): { got: Float32Array; want: Float64Array } {
  const { batch, m, n, k } = c;
  const a = heap.malloc(batch * m * k * 4);
  const b = heap.malloc(batch * k * n * 4);
  const out = heap.malloc(batch * m * n * 4);
  const view = new Float32Array(heap.memory.buffer);
  for (let i = 0; i < batch * m * k; i++) view[a / 4 + i] = random();
  for (let i = 0; i < batch * k * n; i++) view[b / 4 + i] = random();
  view.fill(Number.NaN, out / 4, out / 4 + batch * m * n);
  const problem: GemmProblem = {
    batch,
    m,
    n,
    k,
    a: { pointer: a, batchStride: m * k * 4, rowStride: c.transposeA ? 4 : k * 4, kStride: c.transposeA ? m * 4 : 4 },
    b: { pointer: b, batchStride: c.sharedB ? 0 : k * n * 4, kStride: c.transposeB ? 4 : n * 4, colStride: c.transposeB ? k * 4 : 4 },
    c: { pointer: out, batchStride: m * n * 4, rowStride: n * 4 },
  };
  gemm.multiply(problem);
  const heapNow = new Float32Array(heap.memory.buffer);
  const want = new Float64Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let kk = 0; kk < k; kk++) {
          const av = heapNow[a / 4 + bi * m * k + (c.transposeA ? kk * m + i : i * k + kk)]!;
          const bv = heapNow[b / 4 + (c.sharedB ? 0 : bi * k * n) + (c.transposeB ? j * k + kk : kk * n + j)]!;
          sum += av * bv;
        }
        want[(bi * m + i) * n + j] = sum;
      }
    }
  }
  return { got: heapNow.slice(out / 4, out / 4 + batch * m * n), want };
}

function maxError(got: Float32Array, want: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const error = Math.abs(got[i]! - want[i]!);
    worst = Number.isNaN(error) ? Infinity : Math.max(worst, error);
  }
  return worst;
}

function randomCases(count: number): Case[] {
  const pick = (max: number) => 1 + Math.floor((random() + 0.5) * max);
  const cases: Case[] = [
    // Exact tiles, several K blocks (K > 256) and M blocks (M > 512).
    { batch: 1, m: 520, n: 16, k: 600, transposeA: false, transposeB: true, sharedB: true },
    { batch: 2, m: 64, n: 40, k: 257, transposeA: true, transposeB: false, sharedB: false },
    // No reduction: zeros.
    { batch: 2, m: 5, n: 3, k: 0, transposeA: false, transposeB: false, sharedB: true },
  ];
  for (let i = 0; i < count; i++) {
    cases.push({
      batch: pick(4),
      m: pick(45),
      n: pick(45),
      k: pick(300) - 1,
      transposeA: random() > 0,
      transposeB: random() > 0,
      sharedB: random() > 0.2,
    });
  }
  return cases;
}

describe('wasm-asm', () => {
  it('encodes LEB128 integers', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
  });

  it('emits modules that validate, with and without relaxed SIMD and shared memory', () => {
    expect(WebAssemblyApi.validate(gemmModuleBytes({ fma: false, memory: { shared: false, minimum: 1 } }))).toBe(true);
    expect(WebAssemblyApi.validate(gemmModuleBytes({ fma: false, memory: { shared: true, minimum: 1, maximum: 65536 } }))).toBe(true);
    if (relaxedSimdAvailable())
      expect(WebAssemblyApi.validate(gemmModuleBytes({ fma: true, memory: { shared: false, minimum: 1 } }))).toBe(true);
  });
});

describe('WasmGemm.gemv', () => {
  it('matches a float64 loop for 1–15 rows, on one thread and split over two', () => {
    const heap = bumpHeap(true);
    const one = new WasmGemm(heap, { shared: true, threads: 1 });
    const two = new WasmGemm(heap, { shared: true, threads: 2 });
    for (const [rows, k, n] of [
      [1, 576, 1536],
      [2, 3, 4],
      [3, 257, 20000],
      [15, 64, 132],
      [1, 1, 8],
      [4, 0, 8],
    ] as const) {
      const a = heap.malloc(rows * k * 4 + 4);
      const b = heap.malloc(k * n * 4 + 4);
      const out1 = heap.malloc(rows * n * 4);
      const out2 = heap.malloc(rows * n * 4);
      const view = new Float32Array(heap.memory.buffer);
      for (let i = 0; i < rows * k; i++) view[a / 4 + i] = random();
      for (let i = 0; i < k * n; i++) view[b / 4 + i] = random();
      view.fill(Number.NaN, out1 / 4, out1 / 4 + rows * n);
      view.fill(Number.NaN, out2 / 4, out2 / 4 + rows * n);
      one.gemv(a, b, out1, rows, k, n);
      two.gemv(a, b, out2, rows, k, n);
      const now = new Float32Array(heap.memory.buffer);
      const want = new Float64Array(rows * n);
      for (let r = 0; r < rows; r++)
        for (let kk = 0; kk < k; kk++) for (let j = 0; j < n; j++) want[r * n + j]! += now[a / 4 + r * k + kk]! * now[b / 4 + kk * n + j]!;
      const label = JSON.stringify({ rows, k, n });
      expect(maxError(now.slice(out1 / 4, out1 / 4 + rows * n), want), label).toBeLessThan(1e-4);
      expect(maxError(now.slice(out2 / 4, out2 / 4 + rows * n), want), label).toBeLessThan(1e-4);
    }
    one.dispose();
    two.dispose();
  });
});

describe('WasmGemm', () => {
  it('has relaxed SIMD on this Node (the flag is turned on at run time)', () => {
    expect(relaxedSimdAvailable()).toBe(true);
  });

  for (const fma of [true, false]) {
    it(`matches a float64 loop on one thread (fma ${fma})`, () => {
      const heap = bumpHeap(false);
      const gemm = new WasmGemm(heap, { shared: false, threads: 1, fma });
      expect(gemm.threads).toBe(1);
      for (const c of randomCases(40)) {
        const { got, want } = runCase(gemm, heap, c);
        expect(maxError(got, want), JSON.stringify(c)).toBeLessThan(1e-4);
      }
      gemm.dispose();
    });
  }

  it('gives bit-identical results on two threads over shared memory, and frees its temporaries', () => {
    const heap = bumpHeap(true);
    const two = new WasmGemm(heap, { shared: true, threads: 2 });
    const one = new WasmGemm(heap, { shared: true, threads: 1 });
    expect(two.threads).toBe(2);
    const liveBefore = heap.live;
    const cases = [...randomCases(20), { batch: 3, m: 96, n: 200, k: 300, transposeA: false, transposeB: false, sharedB: false }];
    for (const c of cases) {
      const start = seed;
      const parallel = runCase(two, heap, c);
      seed = start;
      const serial = runCase(one, heap, c);
      expect(maxError(parallel.got, parallel.want), JSON.stringify(c)).toBeLessThan(1e-4);
      expect(Array.from(parallel.got)).toEqual(Array.from(serial.got));
    }
    // Operand buffers: 3 per case; the GEMM's own copies were all freed.
    expect(heap.live - liveBefore).toBe(cases.length * 3 * 2);
    two.dispose();
    one.dispose();
  });
});
