// One benchmark configuration, in its own process (the wasm thread count is
// fixed when the module starts): prints one JSON line.
//   node --import tsx bench/engine/measure.ts --matmul routed|stock --threads N [--steps N] [--forwards N]
import * as tf from '@tensorflow/tfjs';
import { FusedAdamOptimizer, initBackend } from '../../main/engine/backend';
import { registerUnsortedSegmentSum } from '../../main/engine/backend/wasm-segment-sum';
import { createModel, forward, loss, makeBatch, REFERENCE_SHAPE } from './model';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const matmul = arg('matmul', 'routed');
const threads = Number(arg('threads', '1'));
const steps = Number(arg('steps', '3'));
const forwards = Number(arg('forwards', '3'));

/**
 * Fastest of `repeats` runs after a warm-up: the machine is shared, and the
 * minimum is what the code can do. Also the process CPU time of that
 * fastest-CPU run: with one thread it is the time the run would take on an
 * idle core, whatever else the machine is doing.
 */
const cpuTimes: Record<string, number> = {};
/**
 * Waits for a result without copying it out: reads one value. A full
 * dataSync() of the forward's [512, 8192] logits copies 16 MB out of the wasm
 * heap (~10 ms, a quarter of PyTorch's whole forward), work PyTorch's peer
 * does not do either: its logits stay in its own memory.
 */
function settle(x: tf.Tensor): void {
  tf.tidy(() => void tf.slice(tf.reshape(x, [-1]), [x.size - 1], [1]).dataSync());
}

function timeMs(run: () => void, repeats: number, label = ''): number {
  run(); // warm-up: XNNPACK packing, heap growth, kernel setup
  let best = Infinity;
  let bestCpu = Infinity;
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    run();
    const cpu = process.cpuUsage(cpuStarted);
    best = Math.min(best, performance.now() - started);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1000);
  }
  if (label) cpuTimes[label] = bestCpu;
  return best;
}

const info = await initBackend({ backend: 'wasm', threads, trainingKernels: matmul === 'routed' });
// Stock tfjs-backend-wasm cannot train an embedding at all (no
// UnsortedSegmentSum); the stock configuration gets only that kernel.
registerUnsortedSegmentSum();

const n = 1024;
const ceilingMs = tf.tidy(() => {
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  // tidy must not return the read values: it walks whatever it returns.
  return timeMs(() => tf.tidy(() => settle(tf.matMul(a, b))), 5);
});

const shape = REFERENCE_SHAPE;
const model = createModel(shape);
const { ids, targets } = makeBatch(shape);
const tokens = shape.batch * shape.seq;

const forwardMs = timeMs(() => tf.tidy(() => settle(forward(model, ids))), forwards, 'forward');

// Our backend's configuration also gets the fused Adam; stock keeps tf.train.adam.
const optimizer = matmul === 'routed' ? new FusedAdamOptimizer(1e-3) : tf.train.adam(1e-3);
const losses: number[] = [];
const tensorsBefore = tf.memory().numTensors;
const trainMs = timeMs(() => {
  const cost = optimizer.minimize(() => loss(model, ids, targets), true, model.variables);
  losses.push(cost!.dataSync()[0]!);
  cost!.dispose();
}, steps, 'train');
// Adam's two moment slots per variable appear on the first step, then nothing grows.
const tensorGrowth = tf.memory().numTensors - tensorsBefore - 2 * model.variables.length;

process.stdout.write(
  `${JSON.stringify({
    config: `${matmul} wasm, ${info.threads} thread${info.threads === 1 ? '' : 's'}`,
    matmul,
    threads: info.threads,
    matmulCeilingGflops: (2 * n ** 3) / ceilingMs / 1e6,
    forwardMs,
    forwardTokensPerSec: (tokens / forwardMs) * 1000,
    trainMs,
    trainTokensPerSec: (tokens / trainMs) * 1000,
    // CPU time of the process (all threads): equals an idle machine's wall time only for 1 thread.
    forwardCpuMs: cpuTimes['forward'],
    trainCpuMs: cpuTimes['train'],
    losses,
    tensorGrowth,
    wasmHeapBytes: (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.byteLength,
  })}\n`,
);
