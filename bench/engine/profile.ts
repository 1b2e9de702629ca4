// Where a training step's time goes, per kernel (routed wasm):
//   node --import tsx bench/engine/profile.ts [--threads N] [--matmul routed|stock] [--forward] [--matmuls]
// --forward profiles one forward pass (logits) instead of a training step.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../main/engine/backend';
import { registerUnsortedSegmentSum } from '../../main/engine/backend/wasm-segment-sum';
import { createModel, forward, loss, makeBatch, REFERENCE_SHAPE } from './model';

const argValue = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
await initBackend({ backend: 'wasm', threads: Number(argValue('threads', '2')), trainingKernels: argValue('matmul', 'routed') === 'routed' });
registerUnsortedSegmentSum();
const model = createModel(REFERENCE_SHAPE);
const { ids, targets } = makeBatch(REFERENCE_SHAPE);
const optimizer = tf.train.adam(1e-3);
const step = process.argv.includes('--forward')
  ? () => tf.tidy(() => void forward(model, ids).dataSync())
  : () => void optimizer.minimize(() => loss(model, ids, targets), true, model.variables)!.dataSync();
step();
step();
const started = performance.now();
const info = await tf.profile(() => void step());
const wall = performance.now() - started;
const byKernel = new Map<string, { ms: number; calls: number }>();
for (const k of info.kernels) {
  const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
  entry.ms += Number(k.kernelTimeMs);
  entry.calls += 1;
  byKernel.set(k.name, entry);
}
const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
const total = rows.reduce((s, [, v]) => s + v.ms, 0);
console.log(`step wall ${wall.toFixed(0)} ms (profiled), kernels ${total.toFixed(0)} ms`);
for (const [name, v] of rows.slice(0, 25)) console.log(`${name.padEnd(22)} ${v.ms.toFixed(1).padStart(8)} ms ${String(v.calls).padStart(5)} calls`);
if (process.argv.includes('--matmuls')) {
  const byShape = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels.filter((k) => k.name === 'BatchMatMul')) {
    const key = JSON.stringify(k.inputShapes);
    const entry = byShape.get(key) ?? { ms: 0, calls: 0 };
    entry.ms += Number(k.kernelTimeMs);
    entry.calls += 1;
    byShape.set(key, entry);
  }
  for (const [shape, v] of [...byShape.entries()].sort((a, b) => b[1].ms - a[1].ms)) console.log(`  ${shape.padEnd(40)} ${v.ms.toFixed(1).padStart(8)} ms ${String(v.calls).padStart(4)} calls`);
}
