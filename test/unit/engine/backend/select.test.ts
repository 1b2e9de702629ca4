// Backend choice and the doctor report. The native backends are not
// installed on these machines (their install script cannot download
// libtensorflow); that must be a reported reason, never a crash.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  BackendUnavailableError,
  currentBackend,
  doctorReport,
  formatDoctorReport,
  initBackend,
  shutdownBackend,
  WASM_HEAP_CAP_BYTES,
} from '../../../../main/engine/backend';
import { isInstalled } from '../../../../main/engine/backend/detect';

describe('initBackend', () => {
  it('rejects an unknown STUDIO_BACKEND with the accepted names', async () => {
    await expect(initBackend({ env: { STUDIO_BACKEND: 'tpu' } })).rejects.toThrow(/auto, node-gpu, webgpu, node, wasm, cpu/);
  });

  it('rejects a bad STUDIO_WASM_THREADS', async () => {
    await expect(initBackend({ env: { STUDIO_WASM_THREADS: 'two' } })).rejects.toThrow(BackendUnavailableError);
  });

  it('honours STUDIO_BACKEND, and the option over it', async () => {
    const fromEnv = await initBackend({ env: { STUDIO_BACKEND: 'cpu' } });
    expect(fromEnv.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(fromEnv.notes[0]).toMatch(/STUDIO_BACKEND/);
    const fromOption = await initBackend({ backend: 'wasm', threads: 1, env: { STUDIO_BACKEND: 'cpu' } });
    expect(fromOption.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(fromOption.trainingKernels).toBe(true);
  });

  it('explains why tfjs-node cannot be used when it is not installed', async () => {
    const attempt = initBackend({ backend: 'node', env: {} });
    if (isInstalled('@tensorflow/tfjs-node')) {
      await expect(attempt).resolves.toMatchObject({ tfBackend: 'tensorflow' });
    } else {
      await expect(attempt).rejects.toThrow(/@tensorflow\/tfjs-node is not installed: .*libtensorflow/);
    }
  });

  it('auto picks the first backend that works, noting why earlier ones did not', async () => {
    const info = await initBackend({ env: {}, threads: 1 });
    const natives = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].filter(isInstalled);
    if (natives.length === 0) {
      expect(info.name).toBe('wasm');
      expect(info.notes.join('\n')).toMatch(/tfjs-node-gpu is not installed[\s\S]*tfjs-node is not installed/);
    } else {
      expect(['node-gpu', 'node']).toContain(info.name);
    }
  });
});

describe('shutdownBackend', () => {
  it('frees the backend, and wasm can be started again afterwards', async () => {
    await initBackend({ backend: 'wasm', threads: 1, env: {} });
    shutdownBackend();
    expect(currentBackend()).toBeNull();
    expect(tf.findBackend('wasm')).toBeNull();
    const again = await initBackend({ backend: 'wasm', threads: 1, env: {} });
    expect(again.name).toBe('wasm');
    const product = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([3, 4])).arraySync());
    expect(product).toEqual([
      [3, 3, 3, 3],
      [3, 3, 3, 3],
    ]);
  });
});

describe('doctorReport', () => {
  it('lists every backend with availability and a reason, plus threads, SIMD and memory', async () => {
    await initBackend({ backend: 'wasm', threads: 1, env: {} });
    const report = await doctorReport();
    expect(report.backends.map((b) => b.name)).toEqual(['node-gpu', 'webgpu', 'node', 'wasm', 'cpu']);
    for (const backend of report.backends) expect(backend.reason.length).toBeGreaterThan(10);
    expect(report.backends.find((b) => b.name === 'wasm')?.available).toBe(true);
    expect(report.backends.find((b) => b.name === 'cpu')?.available).toBe(true);
    expect(report.active?.name).toBe('wasm');
    expect(report.wasm.threads).toBe(1);
    expect(report.wasm.simd).toBe(true);
    expect(report.wasm.heapCapBytes).toBe(WASM_HEAP_CAP_BYTES);
    expect(report.wasm.fma).toBe(true);
    expect(report.wasm.matmul).toContain("the studio's GEMM, fused multiply-add");
    expect(report.active?.notes.some((note) => note.includes("matmuls on the studio's GEMM"))).toBe(true);
    expect(report.memory.totalBytes).toBeGreaterThan(report.memory.freeBytes);
    expect(report.memory.freeBytes).toBeGreaterThan(0);
    const text = formatDoctorReport(report);
    expect(text).toMatch(/wasm\s+\(active\)/);
    expect(text).toMatch(/heap cap: 4\.0 GiB/);
    expect(text).toMatch(/wasm matmuls: the studio's GEMM/);
  });
});
