// The routed wasm BatchMatMul against the cpu backend: values and gradients
// for every transpose combination, batched and broadcast operands.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend';
import { gemmError, gemmFor } from '../../../../main/engine/backend/wasm-matmul';
import { asInternals } from '../../../../main/engine/backend/wasm-module';

type Case = { a: number[]; b: number[]; transposeA: boolean; transposeB: boolean };

const shapes: [number[], number[]][] = [
  [
    [5, 7],
    [7, 3],
  ], // plain 2D
  [
    [1, 7],
    [7, 9],
  ], // one row (generation): with bᵀ, computed as (b·aᵀ)ᵀ
  [
    [3, 1, 7],
    [7, 9],
  ], // a few rows in a batch against a shared bᵀ: swapped too
  [
    [4, 5, 7],
    [7, 3],
  ], // batch against shared weights: folded into rows
  [
    [5, 7],
    [4, 7, 3],
  ], // shared left operand, batched right
  [
    [4, 12, 7],
    [4, 7, 3],
  ], // batched both (attention)
  [
    [4, 3, 7],
    [4, 7, 9],
  ], // batched both, few rows per batch (decoding's attention): the stock kernel
  [
    [2, 1, 5, 7],
    [1, 3, 7, 3],
  ], // broadcast batch dims on both sides
  // A few rows against untransposed weights whose width is a multiple of 4: the gemv.
  [
    [2, 12],
    [12, 20],
  ],
  [
    [3, 1, 40],
    [40, 24],
  ],
  // From GEMM_MIN_ROWS left rows on, the studio's GEMM (ragged edges included):
  [
    [37, 19],
    [19, 21],
  ], // plain 2D
  [
    [4, 20, 9],
    [9, 13],
  ], // batch folded into 80 rows
  [
    [3, 33, 10],
    [3, 10, 17],
  ], // batched both
  [
    [17, 6],
    [2, 6, 16],
  ], // shared left operand, batched right
  [
    [2, 1, 18, 7],
    [1, 3, 7, 11],
  ], // broadcast batch dims on both sides
];

function cases(): Case[] {
  const out: Case[] = [];
  for (const [a, b] of shapes) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const swap = (s: number[], t: boolean) => (t ? [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!] : s);
        out.push({ a: swap(a, transposeA), b: swap(b, transposeB), transposeA, transposeB });
      }
    }
  }
  return out;
}

/** Values in a fixed pattern so both backends see the same inputs. */
function values(shape: number[], seed: number): Float32Array {
  const size = shape.reduce((p, d) => p * d, 1);
  return Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.37 + seed) * 0.9);
}

/**
 * matmul, d(sum(out·w))/da and /db on the current backend. The product itself
 * runs on the operands as given (exercising the broadcast paths). tfjs 4.22's
 * BatchMatMul gradient does not reduce broadcast batch dims (it throws on
 * every backend), and its cpu kernel mishandles batch dims broadcast on both
 * sides, so gradients, and the cpu product, use operands broadcast to the
 * output batch first (broadcastTo's gradient sums them back).
 */
function productAndGrads(c: Case): { out: Float32Array; shape: number[]; da: Float32Array; db: Float32Array } {
  return tf.tidy(() => {
    const a = tf.tensor(values(c.a, 1), c.a);
    const b = tf.tensor(values(c.b, 2), c.b);
    const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(c.a.slice(0, -2), c.b.slice(0, -2));
    const full = (x: tf.Tensor, s: number[]) => tf.broadcastTo(x, [...outBatch, ...s.slice(-2)]);
    const broadcastFirst = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(full(x, c.a), full(y, c.b), c.transposeA, c.transposeB);
    const out = tf.getBackend() === 'cpu' ? broadcastFirst(a, b) : tf.matMul(a, b, c.transposeA, c.transposeB);
    const w = tf.tensor(values(out.shape, 3), out.shape);
    const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(broadcastFirst(x, y), w)))([a, b]);
    return {
      out: out.dataSync() as Float32Array,
      shape: out.shape,
      da: da!.dataSync() as Float32Array,
      db: db!.dataSync() as Float32Array,
    };
  });
}

function maxDiff(x: Float32Array, y: Float32Array): number {
  expect(x.length).toBe(y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

describe('routed wasm BatchMatMul', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
  });

  for (const c of cases()) {
    it(`matches cpu for a${JSON.stringify(c.a)}${c.transposeA ? 'ᵀ' : ''} · b${JSON.stringify(c.b)}${c.transposeB ? 'ᵀ' : ''}`, async () => {
      await tf.setBackend('wasm');
      const wasm = productAndGrads(c);
      await tf.setBackend('cpu');
      const cpu = productAndGrads(c);
      await tf.setBackend('wasm');
      expect(wasm.shape).toEqual(cpu.shape);
      expect(maxDiff(wasm.out, cpu.out)).toBeLessThan(1e-5);
      expect(maxDiff(wasm.da, cpu.da)).toBeLessThan(1e-5);
      expect(maxDiff(wasm.db, cpu.db)).toBeLessThan(1e-5);
    });
  }

  it('runs products with enough rows on the studio GEMM, on both threads', async () => {
    await tf.setBackend('wasm');
    const engine = gemmFor(asInternals(tf.backend()));
    expect(gemmError()).toBeNull();
    expect(engine?.threads).toBe(2);
  });

  it('does not reuse packed weights when one tensor is multiplied under two shapes', async () => {
    await tf.setBackend('wasm');
    const w = tf.tensor(values([4, 6], 5), [4, 6]);
    const x1 = tf.tensor(values([3, 4], 6), [3, 4]);
    const x2 = tf.tensor(values([3, 8], 7), [3, 8]);
    const first = tf.matMul(x1, w).dataSync();
    const second = tf.matMul(x2, tf.reshape(w, [8, 3])).dataSync();
    const expectedSecond = tf.tidy(() => tf.sum(tf.mul(tf.expandDims(x2, 2), tf.reshape(w, [1, 8, 3])), 1)).dataSync();
    const expectedFirst = tf.tidy(() => tf.sum(tf.mul(tf.expandDims(x1, 2), tf.reshape(w, [1, 4, 6])), 1)).dataSync();
    expect(maxDiff(first as Float32Array, expectedFirst as Float32Array)).toBeLessThan(1e-5);
    expect(maxDiff(second as Float32Array, expectedSecond as Float32Array)).toBeLessThan(1e-5);
    tf.dispose([w, x1, x2]);
  });

  it('routes tf.fused.matMul with bias and activation', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor(values([3, 5, 4], 8), [3, 5, 4]);
    const b = tf.tensor(values([6, 4], 9), [6, 4]);
    const bias = tf.tensor(values([6], 10), [6]);
    const fused = tf.fused.matMul({ a, b, transposeB: true, bias, activation: 'relu' }).dataSync();
    const plain = tf.tidy(() => tf.relu(tf.add(tf.matMul(a, b, false, true), bias))).dataSync();
    expect(maxDiff(fused as Float32Array, plain as Float32Array)).toBeLessThan(1e-6);
    tf.dispose([a, b, bias]);
  });

  it('leaves no tensors behind', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    productAndGrads(cases()[17]!);
    expect(tf.memory().numTensors).toBe(before);
  });
});
