// One configuration of the engine benchmark's studio side, in its own process
// (wasm's thread count is fixed when its module starts, and the peak RSS must
// be this configuration's alone): prints one JSON line.
//   node --import tsx bench/engine/child.ts --mode forward|full|lora --threads N [--shape reference|tiny] [--warmup N] [--reps N] [--backend wasm|cpu|webgpu]
import * as tf from '@tensorflow/tfjs';
import { initBackend, shutdownBackend } from '../../main/engine/backend';
import { benchData, measureStudio, MODES, SHAPES, type Mode } from './harness';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const mode = arg('mode', 'full') as Mode;
if (!MODES.includes(mode)) throw new Error(`--mode ${mode}: expected one of ${MODES.join(', ')}`);
const shape = SHAPES[arg('shape', 'reference')];
if (!shape) throw new Error(`--shape ${arg('shape', '')}: expected one of ${Object.keys(SHAPES).join(', ')}`);
const plan = { shape, warmup: Number(arg('warmup', '2')), reps: Number(arg('reps', '5')) };
const backend = await initBackend({ backend: arg('backend', 'wasm') as 'wasm' | 'cpu' | 'webgpu', threads: Number(arg('threads', '1')) });
try {
  const data = await benchData(plan);
  const result = await measureStudio(plan, mode, data);
  // The wasm heap only grows: its size now is its high-water mark, the part of the peak RSS that tensors took.
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm;
  process.stdout.write(
    `${JSON.stringify({ backend: backend.name, threads: backend.threads, notes: backend.notes, ...result, ...(wasm ? { wasmHeapBytes: wasm.HEAPU8.byteLength } : {}) })}\n`,
  );
} finally {
  shutdownBackend();
}
