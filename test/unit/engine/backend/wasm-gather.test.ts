// The row-copy GatherV2 on wasm against the cpu backend, and its errors.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend';

async function onBoth(run: () => tf.Tensor): Promise<[number[], number[], number[]]> {
  await tf.setBackend('wasm');
  const wasm = tf.tidy(run);
  const wasmValues = Array.from(wasm.dataSync());
  const shape = wasm.shape;
  wasm.dispose();
  await tf.setBackend('cpu');
  const cpu = tf.tidy(run);
  const cpuValues = Array.from(cpu.dataSync());
  expect(cpu.shape).toEqual(shape);
  cpu.dispose();
  await tf.setBackend('wasm');
  return [wasmValues, cpuValues, shape];
}

describe('wasm GatherV2 (row copies)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
  });

  it('gathers embedding rows for a [batch, seq] id matrix, repeats included', async () => {
    const [wasm, cpu, shape] = await onBoth(() =>
      tf.gather(
        tf.reshape(tf.range(0, 5 * 3 * 2, 1, 'float32'), [5, 3, 2]),
        tf.tensor2d(
          [
            [4, 0, 4],
            [1, 1, 2],
          ],
          [2, 3],
          'int32',
        ),
      ),
    );
    expect(shape).toEqual([2, 3, 3, 2]);
    expect(wasm).toEqual(cpu);
    expect(wasm.slice(0, 6)).toEqual([24, 25, 26, 27, 28, 29]);
  });

  it('gathers int32 rows, and other axes through the stock kernel', async () => {
    const int = await onBoth(() =>
      tf.gather(
        tf.tensor2d(
          [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
          [3, 2],
          'int32',
        ),
        tf.tensor1d([2, 0], 'int32'),
      ),
    );
    expect(int[0]).toEqual([5, 6, 1, 2]);
    expect(int[0]).toEqual(int[1]);
    const axis1 = await onBoth(() =>
      tf.gather(
        tf.tensor2d([
          [1, 2, 3],
          [4, 5, 6],
        ]),
        tf.tensor1d([2, 2, 0], 'int32'),
        1,
      ),
    );
    expect(axis1[0]).toEqual([3, 3, 1, 6, 6, 4]);
    expect(axis1[0]).toEqual(axis1[1]);
  });

  it('refuses an out-of-range id by value, and leaks nothing', async () => {
    await tf.setBackend('wasm');
    const table = tf.ones([4, 3]);
    const before = tf.memory().numTensors;
    expect(() => tf.gather(table, tf.tensor1d([1, 4], 'int32'))).toThrow('GatherV2: the index value 4 is not in [0, 3]');
    // The ids tensor made inside the call is the only one left.
    expect(tf.memory().numTensors).toBe(before + 1);
    table.dispose();
  });
});
