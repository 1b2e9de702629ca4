// Where the engine benchmark's time goes, per kernel, on the real classes:
// one Trainer step (MMPO, full fine-tune or LoRA) or one scoring forward.
//   node --import tsx bench/engine/profile.ts [--mode full|lora|forward] [--threads N] [--shape reference|tiny] [--rounds N] [--matmuls]
// Kernel times are what tfjs measures around each kernel; the remainder of
// the wall time is JavaScript between kernels (dispatch, tape, tidy, reads).
import * as tf from '@tensorflow/tfjs';
import { createModel, scoreBatch } from '../../main/engine';
import { initBackend } from '../../main/engine/backend';
import { Trainer } from '../../main/training';
import { benchData, MODES, runConfig, SHAPES, type Mode } from './harness';

const argValue = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const mode = argValue('mode', 'full') as Mode;
if (!MODES.includes(mode)) throw new Error(`--mode ${mode}: expected one of ${MODES.join(', ')}`);
const shape = SHAPES[argValue('shape', 'reference')]!;
const backend = await initBackend({ backend: 'wasm', threads: Number(argValue('threads', '1')) });
const plan = { shape, warmup: 2, reps: Number(argValue('rounds', '3')) };
const data = await benchData(plan);
const model = createModel(data.config, 0);
let run: () => Promise<unknown>;
if (mode === 'forward') {
  const examples = data.pairs.slice(0, shape.pairs).flatMap((p) => [p.chosen, p.rejected]);
  run = () => scoreBatch(model, examples);
} else {
  const trainer = await Trainer.create({ config: runConfig(plan, mode), model, tokenizer: data.tokenizer, records: data.records });
  run = () => trainer.step();
}
for (let i = 0; i < plan.warmup; i++) await run();
// Several profiled repetitions, each kernel's lowest total kept: on a shared
// machine a preempted kernel shows up in one repetition, not in all of them.
const rounds = Number(argValue('rounds', '3'));
const byKernel = new Map<string, { ms: number; calls: number }>();
const byShape = new Map<string, { ms: number; calls: number; flop: number }>();
let wall = Infinity;
let info: Awaited<ReturnType<typeof tf.profile>> | null = null;
for (let round = 0; round < rounds; round++) {
  const started = performance.now();
  info = await tf.profile(async () => void (await run()));
  wall = Math.min(wall, performance.now() - started);
  const totals = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const entry = totals.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += Number(k.kernelTimeMs);
    entry.calls += 1;
    totals.set(k.name, entry);
  }
  for (const [name, t] of totals) {
    const best = byKernel.get(name);
    if (!best || t.ms < best.ms) byKernel.set(name, t);
  }
  const shapes = new Map<string, { ms: number; calls: number; flop: number }>();
  for (const k of info.kernels.filter((k) => k.name === 'BatchMatMul')) {
    const key = JSON.stringify(k.inputShapes);
    const entry = shapes.get(key) ?? { ms: 0, calls: 0, flop: 0 };
    entry.ms += Number(k.kernelTimeMs);
    entry.calls += 1;
    // 2·M·N·K per product; the output's size is batch·M·N, K the shared dimension.
    const a = k.inputShapes[0] ?? [];
    const out = k.outputShapes[0] ?? [];
    const inner = out.length && a.length ? a.reduce((p, d) => p * d, 1) / (out.slice(0, -1).reduce((p, d) => p * d, 1) || 1) : 0;
    entry.flop += 2 * out.reduce((p, d) => p * d, 1) * inner;
    shapes.set(key, entry);
  }
  for (const [key, t] of shapes) {
    const best = byShape.get(key);
    if (!best || t.ms < best.ms) byShape.set(key, t);
  }
}
const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
const total = rows.reduce((s, [, v]) => s + v.ms, 0);
console.log(
  `${mode}, ${shape.name} shape, ${backend.name} ${backend.threads} thread(s), best of ${rounds}: wall ${wall.toFixed(0)} ms (profiled), kernels ${total.toFixed(0)} ms in ${info!.kernels.length} calls, between kernels ≥ ${(wall - total).toFixed(0)} ms`,
);
for (const [name, v] of rows.slice(0, 25))
  console.log(
    `${name.padEnd(22)} ${v.ms.toFixed(1).padStart(8)} ms ${((v.ms / wall) * 100).toFixed(0).padStart(3)}% ${String(v.calls).padStart(5)} calls`,
  );
if (process.argv.includes('--matmuls')) {
  console.log('BatchMatMul by input shapes (best round): ms, calls, GFLOP/s');
  for (const [key, v] of [...byShape.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(
      `  ${key.padEnd(40)} ${v.ms.toFixed(1).padStart(8)} ms ${String(v.calls).padStart(4)} calls ${(v.flop / v.ms / 1e6).toFixed(1).padStart(6)}`,
    );
  }
}
