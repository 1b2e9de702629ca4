// The SIMD Add/Sub/Multiply kernels on wasm against the cpu backend, for
// every broadcast pattern they take, and the plan that picks them.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend';
import { planElementwise } from '../../../../main/engine/backend/wasm-elementwise';

function values(shape: number[], seed: number): Float32Array {
  const size = shape.reduce((p, d) => p * d, 1);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = Math.sin(i * 0.37 + seed) * 3;
  return out;
}

describe('planElementwise', () => {
  it('runs the same shape in chunks, with b advancing alongside a', () => {
    expect(planElementwise([4, 8, 128, 32], [4, 8, 128, 32], [4, 8, 128, 32])).toEqual({
      full: 'a',
      mode: 'rows',
      runLength: 4096,
      bPeriod: 32,
    });
  });
  it('repeats a suffix (bias, RoPE table) per run', () => {
    expect(planElementwise([4, 8, 128, 32], [128, 32], [4, 8, 128, 32])).toEqual({ full: 'a', mode: 'rows', runLength: 4096, bPeriod: 1 });
    expect(planElementwise([256], [512, 256], [512, 256])).toEqual({ full: 'b', mode: 'rows', runLength: 256, bPeriod: 1 });
  });
  it('splats a column or a scalar over runs', () => {
    expect(planElementwise([512, 256], [512, 1], [512, 256])).toEqual({ full: 'a', mode: 'runs', runLength: 256, bPeriod: 512 });
    expect(planElementwise([4, 8, 128, 1], [4, 8, 128, 128], [4, 8, 128, 128])).toEqual({
      full: 'b',
      mode: 'runs',
      runLength: 128,
      bPeriod: 4096,
    });
    expect(planElementwise([512, 704], [], [512, 704])).toEqual({ full: 'a', mode: 'runs', runLength: 4096, bPeriod: 1 });
  });
  it('leaves other patterns to the stock kernel', () => {
    expect(planElementwise([4, 1, 128, 32], [4, 8, 128, 32], [4, 8, 128, 32])).toBeNull(); // kept dims not contiguous
    expect(planElementwise([512, 1], [1, 256], [512, 256])).toBeNull(); // neither operand full
    expect(planElementwise([1025, 3], [3], [1025, 3])).toBeNull(); // runs not a multiple of 4
  });
});

describe('wasm elementwise kernels', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
  });

  const cases: [string, number[], number[]][] = [
    ['same shape', [4, 8, 128, 32], [4, 8, 128, 32]],
    ['suffix', [4, 8, 128, 32], [128, 32]],
    ['suffix on the left', [32], [64, 8, 32]],
    ['column', [512, 256], [512, 1]],
    ['column on the left', [4, 8, 128, 1], [4, 8, 128, 128]],
    ['scalar', [512, 704], []],
    ['scalar on the left', [], [300, 16]],
    ['outer broadcast block', [2, 1, 64, 32], [64, 32]],
  ];
  for (const [label, aShape, bShape] of cases) {
    it(`Add, Sub and Multiply match cpu: ${label} ${JSON.stringify(aShape)} ∘ ${JSON.stringify(bShape)}`, async () => {
      const results: Record<string, Float32Array[]> = {};
      for (const backend of ['wasm', 'cpu']) {
        await tf.setBackend(backend);
        const a = tf.tensor(values(aShape, 1), aShape);
        const b = tf.tensor(values(bShape, 2), bShape);
        results[backend] = [tf.add(a, b), tf.sub(a, b), tf.mul(a, b)].map((t) => {
          const data = t.dataSync() as Float32Array;
          t.dispose();
          return data;
        });
        tf.dispose([a, b]);
      }
      await tf.setBackend('wasm');
      for (let i = 0; i < 3; i++) expect(Array.from(results['wasm']![i]!)).toEqual(Array.from(results['cpu']![i]!));
    });
  }

  async function againstCpu(run: () => tf.Tensor): Promise<{ wasm: Float32Array; cpu: Float32Array; shape: number[] }> {
    await tf.setBackend('wasm');
    const w = tf.tidy(run);
    const wasm = w.dataSync() as Float32Array;
    const shape = w.shape;
    w.dispose();
    await tf.setBackend('cpu');
    const c = tf.tidy(run);
    const cpu = c.dataSync() as Float32Array;
    expect(c.shape).toEqual(shape);
    c.dispose();
    await tf.setBackend('wasm');
    return { wasm, cpu, shape };
  }

  function worstRelative(got: Float32Array, want: Float32Array): number {
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.max(1e-30, Math.abs(want[i]!)));
    return worst;
  }

  it('softmax along the last axis matches cpu to 1e-6, masked positions exactly 0', async () => {
    const mask = Float32Array.from({ length: 128 }, (_, i) => (i > 90 ? -1e9 : 0));
    const { wasm, cpu } = await againstCpu(() =>
      tf.softmax(tf.add(tf.mul(tf.tensor(values([64, 128], 5), [64, 128]), 6), tf.tensor(mask, [128]))),
    );
    expect(worstRelative(wasm, cpu)).toBeLessThan(1e-6);
    expect(wasm[100]).toBe(0);
    const rowSum = wasm.slice(0, 128).reduce((s, v) => s + v, 0);
    expect(Math.abs(rowSum - 1)).toBeLessThan(1e-6);
  });

  it('sigmoid matches cpu to 1e-6 from -100 to 100', async () => {
    const x = Float32Array.from({ length: 8192 }, (_, i) => (i - 4096) / 40.96);
    const { wasm, cpu } = await againstCpu(() => tf.sigmoid(tf.tensor(x, [8192])));
    expect(worstRelative(wasm, cpu)).toBeLessThan(1e-6);
    expect(wasm[8191]).toBeCloseTo(1, 7);
  });

  it('transposes that swap two middle axes (attention heads) match cpu exactly; others stay stock', async () => {
    for (const [shape, perm] of [
      [
        [4, 128, 8, 32],
        [0, 2, 1, 3],
      ],
      [
        [72, 5, 12],
        [1, 0, 2],
      ],
      [
        [10, 3, 4, 5, 8],
        [0, 1, 3, 2, 4],
      ],
      [
        [64, 128],
        [1, 0],
      ],
    ] as [number[], number[]][]) {
      const { wasm, cpu, shape: outShape } = await againstCpu(() => tf.transpose(tf.tensor(values(shape, 6), shape), perm));
      expect(outShape).toEqual(perm.map((p) => shape[p]));
      expect(Array.from(wasm)).toEqual(Array.from(cpu));
    }
  });

  it('gives gradients through the new kernels that match cpu', async () => {
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      const x = tf.tensor(values([64, 128], 3), [64, 128]);
      const scale = tf.tensor(values([64, 1], 4), [64, 1]);
      const [gx, gs] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.sub(p, q), tf.add(p, q))))([x, scale]);
      const out = [gx!.dataSync(), gs!.dataSync()].map((d) => Array.from(d));
      tf.dispose([x, scale, gx!, gs!]);
      return out;
    };
    const wasm = await grads('wasm');
    const cpu = await grads('cpu');
    await tf.setBackend('wasm');
    for (let i = 0; i < 2; i++) {
      const worst = Math.max(...wasm[i]!.map((v, j) => Math.abs(v - cpu[i]![j]!)));
      expect(worst).toBeLessThan(1e-3); // sums over broadcast axes in another order
    }
  });
});
