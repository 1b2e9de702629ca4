/**
 * Training throughput and the demo's first curve point.
 *
 * 1. One optimizer step per objective on the engine's reference shape
 *    (REFERENCE_SPEC: Llama, vocab 8192, d 256, 4 layers; batch 4 pairs of
 *    128-token sequences, plain text), through the real Trainer on the
 *    backend the studio would pick: steps/s and tokens/s (unpadded tokens,
 *    both sides of every pair), after one warm-up step.
 * 2. LoRA on a SmolLM2-135M-shaped random model: seconds per step.
 * 3. The demo: a fresh workspace, the demo model and snapshot, the launcher's
 *    defaults, `runs.create` → the first recorded loss and the first eval
 *    point, through the real supervisor and worker process.
 */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { PRESETS } from '../../shared/objectives';
import type { RecordContent } from '../../shared/datasets';
import {
  checkFits,
  type CausalLM,
  configFromSpec,
  createModel,
  estimateMemory,
  formatBytes,
  HfTokenizer,
  WASM_HEAP_LIMIT_BYTES,
} from '../../main/engine';
import { REFERENCE_SPEC, SMOLLM2_135M_SPEC } from '../models/engine-bench';
import { initBackend, WasmOutOfMemoryError } from '../../main/engine/backend';
import { Trainer } from '../../main/training';
import { call, jobSettled } from '../../main/core/client';
import { createStudio } from '../../main/core/studio';
import type { Measurement, SuiteResult } from '../report';

const FIXTURE_TOKENIZER = fileURLToPath(new URL('../../test/fixtures/models/tiny-llama', import.meta.url));
const ASSETS = fileURLToPath(new URL('../../assets', import.meta.url));
const STEPS = 3;
const SMOL_LEN = 128;

/** Plain-text pairs whose prompt + response come to about `tokens` tokens with the fixture's byte-level tokenizer. */
function records(n: number, tokens: number): RecordContent[] {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'omega', 'sigma', 'kappa', 'theta'];
  const text = (seed: number, len: number) => Array.from({ length: len }, (_, i) => words[(seed * 7 + i * 3) % words.length]).join(' ');
  // About 4 tokens a word with 40 merges: half the budget for the prompt, half for each response.
  const w = Math.floor(tokens / 8);
  return Array.from({ length: n }, (_, i) => ({
    kind: 'preference' as const,
    prompt: [{ role: 'user', content: text(i, w) }],
    chosen: [{ role: 'assistant', content: text(i + 1, w) }],
    rejected: [{ role: 'assistant', content: text(i + 2, w) }],
    responses: null,
    system: null,
  }));
}

async function objectiveThroughput(measurements: Measurement[]): Promise<void> {
  const backend = await initBackend();
  const tokenizer = (await HfTokenizer.fromFolder(FIXTURE_TOKENIZER))!;
  const config = configFromSpec({ ...REFERENCE_SPEC, maxPositionEmbeddings: 256 });
  const data = records(4 * (STEPS + 1), 128);
  for (const name of Object.keys(PRESETS) as (keyof typeof PRESETS)[]) {
    const model = createModel(config, 1);
    const trainer = await Trainer.create({
      config: {
        model: { kind: 'spec', hiddenSize: 1, numLayers: 1, numHeads: 1, tokenizerDir: FIXTURE_TOKENIZER },
        objective: PRESETS[name],
        microBatchSize: 4,
        gradAccumulation: 1,
        maxLength: 128,
        maxPromptLength: 64,
        chatTemplate: false,
        maxSteps: STEPS + 1,
        evalEvery: 0,
      },
      model,
      tokenizer,
      records: data,
    });
    await trainer.step();
    const t0 = performance.now();
    for (let i = 0; i < STEPS; i++) await trainer.step();
    const seconds = (performance.now() - t0) / 1000;
    // The pairs are near-identical in length: a step's tokens are 4 pairs' worth of the mean.
    const sides = name === 'sft' ? 1 : 2;
    const meanPairTokens =
      trainer.pairs.reduce((n, p) => n + p.chosen.inputIds.length + (sides === 2 ? (p.rejected?.inputIds.length ?? 0) : 0), 0) /
      trainer.pairs.length;
    const seqTokens = meanPairTokens * 4 * STEPS;
    measurements.push({
      name: `${name}: steps/s`,
      value: STEPS / seconds,
      unit: 'steps/s',
      n: STEPS,
      note: `${backend.name}, batch 4 pairs × ~128 tokens`,
    });
    measurements.push({
      name: `${name}: tokens/s`,
      value: seqTokens / seconds,
      unit: 'tokens/s',
      n: STEPS,
      note: name === 'sft' ? 'chosen side only' : 'chosen + rejected',
    });
    trainer.dispose();
    model.dispose();
  }
}

/** LoRA (rank 8, every linear layer) on a SmolLM2-135M-shaped random model: what a laptop-size real model costs per step. */
async function smollmLora(measurements: Measurement[]): Promise<void> {
  const backend = await initBackend();
  const tokenizer = (await HfTokenizer.fromFolder(FIXTURE_TOKENIZER))!;
  const config = configFromSpec({ ...SMOLLM2_135M_SPEC, maxPositionEmbeddings: 256 });
  const model = createModel(config, 1);
  // One pair per micro-batch, 128-token sides: chosen and rejected are one [2, 128] batch. The heap
  // peaks near 3.5 GiB of wasm's 4 (see test/unit/engine/memory.test.ts); with XNNPACK for every
  // product (STUDIO_WASM_GEMM=xnnpack) its packed weight copies do not fit and the estimate refuses it.
  const memory = estimateMemory({ config, task: 'train', batchSize: 2, seqLen: SMOL_LEN, loraRank: 8 });
  const fit = checkFits(memory, { bytes: WASM_HEAP_LIMIT_BYTES, backend: backend.name });
  if (!fit.ok) {
    measurements.push({ name: 'SmolLM2-135M shape, LoRA r=8: step', value: NaN, unit: 's/step', note: `does not fit: ${fit.message}` });
    model.dispose();
    return;
  }
  try {
    await loraSteps(model, tokenizer, backend.name, memory.totalBytes, measurements);
  } catch (err) {
    // Reported, not hidden: the estimate said it fits, the heap said otherwise.
    if (!(err instanceof WasmOutOfMemoryError)) throw err;
    measurements.push({
      name: 'SmolLM2-135M shape, LoRA r=8: step',
      value: NaN,
      unit: 's/step',
      note: `estimated ${formatBytes(memory.totalBytes)} but ran out of wasm memory: ${err.message.split('.')[0]}`,
    });
  } finally {
    model.dispose();
  }
}

async function loraSteps(
  model: CausalLM,
  tokenizer: HfTokenizer,
  backend: string,
  memoryBytes: number,
  measurements: Measurement[],
): Promise<void> {
  const trainer = await Trainer.create({
    config: {
      model: { kind: 'spec', hiddenSize: 1, numLayers: 1, numHeads: 1, tokenizerDir: FIXTURE_TOKENIZER },
      objective: PRESETS.mmpo,
      microBatchSize: 1,
      gradAccumulation: 1,
      maxLength: SMOL_LEN,
      maxPromptLength: SMOL_LEN / 2,
      chatTemplate: false,
      maxSteps: 3,
      evalEvery: 0,
      lora: { rank: 8, alpha: 16 },
    },
    model,
    tokenizer,
    records: records(3, SMOL_LEN),
  });
  await trainer.step();
  const t0 = performance.now();
  for (let i = 0; i < 2; i++) await trainer.step();
  const seconds = (performance.now() - t0) / 1000 / 2;
  const meanPairTokens =
    trainer.pairs.reduce((n, p) => n + p.chosen.inputIds.length + (p.rejected?.inputIds.length ?? 0), 0) / trainer.pairs.length;
  measurements.push({
    name: 'SmolLM2-135M shape, LoRA r=8: step',
    value: seconds,
    unit: 's/step',
    n: 2,
    note: `${backend}; MMPO, 1 pair × ~${SMOL_LEN} tokens a side; ${trainer.lora!.parameterCount().toLocaleString('en')} trainable`,
  });
  measurements.push({
    name: 'SmolLM2-135M shape, LoRA r=8: tokens/s',
    value: meanPairTokens / seconds,
    unit: 'tokens/s',
    n: 2,
    note: `estimated memory ${formatBytes(memoryBytes)}`,
  });
  trainer.dispose();
}

async function demoFirstPoint(measurements: Measurement[]): Promise<void> {
  if (!existsSync(join(ASSETS, 'demo', 'model', 'config.json'))) {
    measurements.push({ name: 'demo: first curve point', value: NaN, unit: 's', note: 'assets/demo/model is missing' });
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'studio-bench-train-'));
  const studio = createStudio({ workspaceDir: join(dir, 'ws') });
  try {
    await studio.seedDemo();
    const demo = (await studio.demoModel())!;
    const [snapshot] = await call(studio, 'snapshots.list', {});
    const defaults = await call(studio, 'runs.defaults', { modelId: demo.id });
    const t0 = performance.now();
    let firstLoss = NaN;
    let firstEval = NaN;
    const seen = new Promise<void>((resolve) => {
      const off = studio.events.subscribe((e) => {
        if (e.type !== 'run.metrics') return;
        const now = (performance.now() - t0) / 1000;
        if (Number.isNaN(firstLoss) && e.points.some((p) => p.name === 'loss')) firstLoss = now;
        if (Number.isNaN(firstEval) && e.points.some((p) => p.name.startsWith('eval/'))) firstEval = now;
        if (!Number.isNaN(firstLoss) && !Number.isNaN(firstEval)) {
          off();
          resolve();
        }
      });
    });
    const run = await call(studio, 'runs.create', { snapshotId: snapshot!.id, modelId: demo.id, config: defaults });
    await seen;
    await call(studio, 'runs.cancel', { id: run.id });
    await jobSettled(studio, run.jobId);
    measurements.push({
      name: 'demo: launch → first loss point',
      value: firstLoss,
      unit: 's',
      note: 'worker start, model load, reference log-probs, step 1',
    });
    measurements.push({
      name: 'demo: launch → first eval point',
      value: firstEval,
      unit: 's',
      note: `evalEvery ${String(defaults['evalEvery'])}`,
    });
  } finally {
    await studio.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<SuiteResult> {
  const measurements: Measurement[] = [];
  // BENCH_TRAINING_PARTS=objectives,smollm,demo (any subset; all by default).
  const parts = process.env.BENCH_TRAINING_PARTS ?? 'objectives,smollm,demo';
  if (parts.includes('objectives')) await objectiveThroughput(measurements);
  if (parts.includes('smollm')) await smollmLora(measurements);
  if (parts.includes('demo')) await demoFirstPoint(measurements);
  return { suite: 'training', measurements };
}
