/**
 * Throughput measurements of the model code on whatever backend is active:
 * training steps (SFT loss + Adam), forward passes, and generation with and
 * without the KV cache, on the engine's real model classes. `npm run bench --
 * models` runs it; it lives in bench/, not in the engine, so no product code
 * ships benchmark code.
 */
import * as tf from '@tensorflow/tfjs';
import { generate } from '../../main/engine/generate';
import { configFromSpec, type ModelConfig, type ModelSpec } from '../../main/engine/hf/config';
import { createModel } from '../../main/engine/models/causal-lm';
import { parameterCount } from '../../main/engine/models/parameters';
import { padBatch, scoreTensors } from '../../main/engine/score';
import { SeededRng } from '../../main/engine/rng';

/** The reference shape: d=256, 4 layers, 8 heads, vocab 8192 (5.3M parameters). */
export const REFERENCE_SPEC: ModelSpec = {
  modelType: 'llama',
  vocabSize: 8192,
  hiddenSize: 256,
  numLayers: 4,
  numHeads: 8,
  intermediateSize: 688,
};

/** The shape of HuggingFaceTB/SmolLM2-135M (random weights). */
export const SMOLLM2_135M_SPEC: ModelSpec = {
  modelType: 'llama',
  vocabSize: 49152,
  hiddenSize: 576,
  numLayers: 30,
  numHeads: 9,
  numKvHeads: 3,
  intermediateSize: 1536,
  maxPositionEmbeddings: 8192,
  ropeTheta: 100000,
  tieWordEmbeddings: true,
};

/** Forward FLOPs per token: 2 per weight used in a matmul, plus attention (QKᵀ and PV) at this length. */
export function forwardFlopsPerToken(config: ModelConfig, seqLen: number): number {
  const embeddingOnly = config.family === 'gpt2' ? config.maxPositionEmbeddings * config.hiddenSize : 0;
  // A tied or untied head is one [vocab, hidden] matmul; the input embedding is a lookup.
  const tiedCorrection = config.tieWordEmbeddings ? config.vocabSize * config.hiddenSize : 0;
  const matmulWeights = parameterCount(config) - embeddingOnly + tiedCorrection - config.vocabSize * config.hiddenSize;
  const attention = 2 * 2 * config.numLayers * seqLen * config.numHeads * config.headDim;
  return 2 * matmulWeights + attention;
}

export interface EngineBenchOptions {
  config: ModelConfig;
  batchSize: number;
  seqLen: number;
  /** Timed repetitions (after one warm-up). */
  iterations?: number;
  train?: boolean;
  /** Generation: prompt length and tokens generated. */
  promptLen?: number;
  newTokens?: number;
  /** Also time generation without the cache (slow on big models). */
  rerunGeneration?: boolean;
  /** Alternated cached / re-run generation rounds; the best of each side is reported (default 3). */
  generationRounds?: number;
  seed?: number;
}

export interface EngineBenchResult {
  backend: string;
  parameters: number;
  batchSize: number;
  seqLen: number;
  forward: { msPerBatch: number; tokensPerSecond: number; gflops: number };
  train: { msPerStep: number; tokensPerSecond: number; gflops: number } | null;
  generation: { cachedMsPerToken: number; rerunMsPerToken: number | null; cacheSpeedup: number | null };
}

async function timeIt(iterations: number, fn: () => Promise<void>): Promise<number> {
  await fn(); // warm-up: kernel compilation, XNNPACK weight packing
  const start = performance.now();
  for (let i = 0; i < iterations; i++) await fn();
  return (performance.now() - start) / iterations;
}

export async function benchEngine(opts: EngineBenchOptions): Promise<EngineBenchResult> {
  const { config, batchSize: b, seqLen: s } = opts;
  const iterations = opts.iterations ?? 3;
  const rng = new SeededRng(opts.seed ?? 0);
  const model = createModel(config, opts.seed ?? 0);
  const randomIds = (n: number): number[] => Array.from({ length: n }, () => Math.floor(rng.next() * config.vocabSize));
  const examples = Array.from({ length: b }, () => ({ inputIds: randomIds(s), lossMask: Array<number>(s).fill(1) }));
  const batch = padBatch(examples);
  const tokens = b * s;
  const flops = forwardFlopsPerToken(config, s) * tokens;
  try {
    const forwardMs = await timeIt(iterations, async () => {
      const logits = model.forward(batch.inputIds, batch.attentionMask);
      await logits.data();
      logits.dispose();
    });
    let train: EngineBenchResult['train'] = null;
    if (opts.train) {
      const optimizer = tf.train.adam(1e-4);
      const stepMs = await timeIt(iterations, async () => {
        const loss = optimizer.minimize(() => scoreTensors(model, batch).sumLogProb.neg().mean<tf.Scalar>(), true);
        await loss?.data();
        loss?.dispose();
      });
      optimizer.dispose();
      // A training step is about three forward passes of work.
      train = { msPerStep: stepMs, tokensPerSecond: (tokens * 1000) / stepMs, gflops: (3 * flops) / stepMs / 1e6 };
    }
    const promptLen = opts.promptLen ?? Math.max(1, Math.floor(s / 2));
    const newTokens = opts.newTokens ?? 32;
    const prompt = [randomIds(promptLen)];
    const genMs = async (useCache: boolean): Promise<number> =>
      (await timeIt(1, async () => {
        await generate(model, prompt, { maxNewTokens: newTokens, stopTokenIds: [], useCache });
      })) / newTokens;
    // Best of alternated rounds on both sides: on a shared machine noise only ever adds time,
    // and one slow round (a thread-pool wake-up stall) must not decide the ratio.
    let cachedMsPerToken = Infinity;
    let rerunMsPerToken: number | null = opts.rerunGeneration ? Infinity : null;
    for (let round = 0; round < (opts.generationRounds ?? 3); round++) {
      cachedMsPerToken = Math.min(cachedMsPerToken, await genMs(true));
      if (rerunMsPerToken !== null) rerunMsPerToken = Math.min(rerunMsPerToken, await genMs(false));
    }
    return {
      backend: tf.getBackend(),
      parameters: parameterCount(config),
      batchSize: b,
      seqLen: s,
      forward: { msPerBatch: forwardMs, tokensPerSecond: (tokens * 1000) / forwardMs, gflops: flops / forwardMs / 1e6 },
      train,
      generation: {
        cachedMsPerToken,
        rerunMsPerToken,
        cacheSpeedup: rerunMsPerToken === null ? null : rerunMsPerToken / cachedMsPerToken,
      },
    };
  } finally {
    tf.dispose([batch.inputIds, batch.attentionMask, batch.lossMask]);
    model.dispose();
  }
}

export function referenceConfig(): ModelConfig {
  return configFromSpec(REFERENCE_SPEC);
}

/** Achieved GFLOP/s of one n×n×n matmul on the active backend: the ceiling to compare against. */
export async function measureMatmulGflops(n = 1024, iterations = 3): Promise<number> {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  try {
    const ms = await timeIt(iterations, async () => {
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
    });
    return (2 * n ** 3) / ms / 1e6;
  } finally {
    tf.dispose([a, b]);
  }
}
