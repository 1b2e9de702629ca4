import { describe, expect, it } from 'vitest';
import { configFromSpec, parseModelConfig, type LlamaConfig } from '../../../main/engine/hf/config';
import {
  checkFits,
  DECODE_WEIGHTS_MAX_BYTES,
  decodeWeightsBytes,
  estimateMemory,
  formatBytes,
  WASM_HEAP_LIMIT_BYTES,
} from '../../../main/engine/memory';

const GiB = 1024 ** 3;
const reference = configFromSpec({
  modelType: 'llama',
  vocabSize: 8192,
  hiddenSize: 256,
  numLayers: 4,
  numHeads: 8,
  intermediateSize: 688,
});
const smollm = parseModelConfig({
  model_type: 'llama',
  vocab_size: 49152,
  hidden_size: 576,
  intermediate_size: 1536,
  num_hidden_layers: 30,
  num_attention_heads: 9,
  num_key_value_heads: 3,
  tie_word_embeddings: true,
});

describe('memory estimates', () => {
  it('counts weights, gradients and Adam state for full training and is near the measured 0.7 GB on the reference shape', () => {
    const e = estimateMemory({ config: reference, task: 'train', batchSize: 4, seqLen: 128 });
    expect(e.parameters).toBe(5_261_568);
    expect(e.weightsBytes).toBe(e.parameters * 4);
    expect(e.gradientBytes).toBe(e.parameters * 4);
    expect(e.optimizerBytes).toBe(e.parameters * 8);
    expect(e.totalBytes).toBeGreaterThan(0.5e9);
    expect(e.totalBytes).toBeLessThan(1.0e9);
  });

  it('grows with batch and length, and LoRA drops full gradients and optimizer state', () => {
    const small = estimateMemory({ config: reference, task: 'train', batchSize: 2, seqLen: 64 });
    const big = estimateMemory({ config: reference, task: 'train', batchSize: 4, seqLen: 128 });
    expect(big.activationBytes).toBeGreaterThan(3 * small.activationBytes);
    const lora = estimateMemory({ config: reference, task: 'train', batchSize: 4, seqLen: 128, loraRank: 8 });
    expect(lora.trainableParameters).toBeLessThan(big.trainableParameters / 10);
    expect(lora.optimizerBytes).toBe(lora.trainableParameters * 8);
    const gen = estimateMemory({ config: reference, task: 'generate', batchSize: 1, seqLen: 256 });
    expect(gen.kvCacheBytes).toBe(2 * 4 * 256 * 256 * 4);
    expect(gen.gradientBytes).toBe(0);
  });

  it('refuses full SmolLM2-135M training on wasm with reasons and suggestions', () => {
    const e = estimateMemory({ config: smollm, task: 'train', batchSize: 4, seqLen: 512 });
    const fit = checkFits(e, { bytes: 16 * GiB, backend: 'wasm' });
    expect(fit.ok).toBe(false);
    if (fit.ok) throw new Error('unreachable');
    expect(fit.budgetBytes).toBeLessThanOrEqual(WASM_HEAP_LIMIT_BYTES);
    expect(fit.message).toMatch(
      /^Training needs about [\d.]+ GiB \(weights 513 MiB, gradients 513 MiB, optimizer state 1\.0 GiB, activations/,
    );
    expect(fit.message).toContain('4 GiB heap cap');
    expect(fit.suggestions.join(' ')).toMatch(/smaller batch.*shorter maximum length.*LoRA.*native backend/);
  });

  it('counts the weight copies Llama generation decodes with (and their packing), only up to the cap', () => {
    const gen = estimateMemory({ config: smollm, task: 'generate', batchSize: 1, seqLen: 256 });
    const copies = decodeWeightsBytes(smollm as LlamaConfig);
    expect(copies).toBeGreaterThan(0.5e9);
    expect(copies).toBeLessThanOrEqual(DECODE_WEIGHTS_MAX_BYTES);
    expect(gen.generationWeightsBytes).toBe(2 * copies);
    expect(checkFits(gen, { bytes: 16 * GiB, backend: 'wasm' }).ok).toBe(true);
    expect(estimateMemory({ config: smollm, task: 'score', batchSize: 1, seqLen: 256 }).generationWeightsBytes).toBe(0);
    const big = parseModelConfig({
      model_type: 'llama',
      vocab_size: 49152,
      hidden_size: 960,
      intermediate_size: 2560,
      num_hidden_layers: 32,
      num_attention_heads: 15,
      num_key_value_heads: 5,
      tie_word_embeddings: true,
    });
    expect(estimateMemory({ config: big, task: 'generate', batchSize: 1, seqLen: 256 }).generationWeightsBytes).toBe(0);
  });

  it("tracks the measured heap of LoRA on SmolLM2-135M, and counts XNNPACK's packed copies only where XNNPACK multiplies", () => {
    // Measured (LoRA r=8, MMPO, one pair per micro-batch = batch 2, studio GEMM, 2 threads): the wasm
    // heap peaked at 1.3 / 2.0 / 2.7 / 3.5 GiB at 32 / 64 / 96 / 128 tokens a side.
    const lora = (seqLen: number) => estimateMemory({ config: smollm, task: 'train', batchSize: 2, seqLen, loraRank: 8 });
    const measured: [number, number][] = [
      [32, 1.3],
      [64, 2.0],
      [96, 2.7],
      [128, 3.5],
    ];
    for (const [seqLen, gib] of measured) {
      expect(lora(seqLen).packedWeightsBytes).toBe(0);
      expect(Math.abs(lora(seqLen).totalBytes / GiB - gib) / gib).toBeLessThan(0.1);
    }
    expect(checkFits(lora(128), { bytes: 16 * GiB, backend: 'wasm' }).ok).toBe(true);
    expect(checkFits(lora(192), { bytes: 16 * GiB, backend: 'wasm' }).ok).toBe(false);
    // Fewer rows than the GEMM takes: XNNPACK multiplies and keeps a packed copy of every weight.
    const tiny = estimateMemory({ config: smollm, task: 'score', batchSize: 1, seqLen: 8 });
    expect(tiny.packedWeightsBytes).toBe(tiny.parameters * 4);
    expect(estimateMemory({ config: smollm, task: 'generate', batchSize: 1, seqLen: 256 }).packedWeightsBytes).toBe(0);
  });

  it('counts the packed copies for every product when STUDIO_WASM_GEMM=xnnpack, so LoRA at 128 tokens is refused as it ran out', () => {
    const previous = process.env['STUDIO_WASM_GEMM'];
    process.env['STUDIO_WASM_GEMM'] = 'xnnpack';
    try {
      // With XNNPACK for every product the heap peaked at 1.8 / 2.5 / 3.3 GiB at 32 / 64 / 96 tokens and ran out at 128.
      const lora = (seqLen: number) => estimateMemory({ config: smollm, task: 'train', batchSize: 2, seqLen, loraRank: 8 });
      expect(lora(32).packedWeightsBytes).toBe(lora(32).parameters * 4);
      expect(lora(64).totalBytes).toBeGreaterThan(2.4 * GiB);
      const refused = checkFits(lora(128), { bytes: 16 * GiB, backend: 'wasm' });
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.message).toContain('packed weight copies');
    } finally {
      if (previous === undefined) delete process.env['STUDIO_WASM_GEMM'];
      else process.env['STUDIO_WASM_GEMM'] = previous;
    }
  });

  it('accepts what fits, e.g. scoring SmolLM2-135M at batch 1', () => {
    const e = estimateMemory({ config: smollm, task: 'score', batchSize: 1, seqLen: 512 });
    expect(checkFits(e, { bytes: 16 * GiB, backend: 'wasm' }).ok).toBe(true);
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});
