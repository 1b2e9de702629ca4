/**
 * Memory estimates taken before a job starts, so that a job that cannot fit is
 * refused with a clear message instead of dying inside the wasm heap (tfjs does
 * not check failed allocations there: "memory access out of bounds", `Aborted()`).
 *
 * The figures are deliberately on the high side: tfjs keeps every intermediate of
 * the forward pass alive for the backward pass, and float32 is used throughout.
 */
import type { LlamaConfig, ModelConfig } from './hf/config';
import { parameterCount } from './models/parameters';
import { GEMM_MIN_ROWS } from './backend/wasm-gemm-kernels';

export const BYTES_PER_FLOAT = 4;
/** The wasm backend's heap cannot grow past 4 GiB. */
export const WASM_HEAP_LIMIT_BYTES = 4 * 1024 ** 3;

/**
 * Backward temporaries and the copies tfjs makes around reshapes/transposes keep
 * far more alive than the forward intermediates alone. Calibrated against the
 * wasm heap's high-water mark (routed XNNPACK kernels, 2 threads): reference shape
 * (5.3M params) training at batch 4 × 128 used 595 MiB (estimate 659), batch 8 × 128
 * 993 MiB (1238); d=256, 8 layers, vocab 2048 at 4 × 256 1484 MiB (1639).
 */
const TRAIN_ACTIVATION_FACTOR = 3.2;
/**
 * Inference frees each block's intermediates (one tidy per block), but the wasm
 * allocator fragments. Measured heap high-water marks (estimate in brackets):
 * reference shape scoring 4 × 128: 144 MiB (173); 8 × 256: 474 MiB (650);
 * SmolLM2-135M scoring 2 × 256: 1124 MiB (1265); generating 2 × (128 + 8): 655 MiB (856).
 */
const INFERENCE_ACTIVATION_FACTOR = 1.75;

export type MemoryTask = 'score' | 'generate' | 'train';

/** Bytes of the transposed, fused weight copies Llama generation decodes with (models/llama-decode.ts). */
export function decodeWeightsBytes(c: LlamaConfig): number {
  const H = c.hiddenSize;
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const qkvOut = 2 * (q + kv) + kv; // q, k, their rotate-half images, v
  const perLayer = H * qkvOut + q * H + 2 * H * c.intermediateSize + c.intermediateSize * H;
  const biases = (c.qkvBias ? qkvOut : 0) + (c.oBias ? H : 0) + (c.mlpBias ? 2 * c.intermediateSize + H : 0);
  return BYTES_PER_FLOAT * (c.numLayers * (perLayer + biases) + H * c.vocabSize);
}

/**
 * Above this many bytes of copies, generation keeps the generic path (no
 * copies): on wasm XNNPACK also keeps a packed copy of each, and the heap is
 * capped at 4 GiB. SmolLM2-135M needs ~590 MB.
 */
export const DECODE_WEIGHTS_MAX_BYTES = 768 * 1024 ** 2;

/** What generation keeps besides the weights when it uses the prepared copies: the copies and XNNPACK's packing of them. */
export function generationWeightsBytes(c: ModelConfig): number {
  if (c.family !== 'llama') return 0;
  const bytes = decodeWeightsBytes(c);
  return bytes > DECODE_WEIGHTS_MAX_BYTES ? 0 : 2 * bytes;
}

export interface MemoryRequest {
  config: ModelConfig;
  task: MemoryTask;
  batchSize: number;
  /** Tokens per sequence (prompt + response; for generation prompt + new tokens). */
  seqLen: number;
  /** Train LoRA adapters of this rank instead of all weights. */
  loraRank?: number;
  /** Adam/AdamW keeps two moments per trained parameter. */
  optimizer?: 'adam' | 'sgd';
}

export interface MemoryEstimate {
  task: MemoryTask;
  parameters: number;
  trainableParameters: number;
  weightsBytes: number;
  gradientBytes: number;
  optimizerBytes: number;
  activationBytes: number;
  kvCacheBytes: number;
  /** Generation's prepared weight copies (Llama family, models up to ~190M parameters). */
  generationWeightsBytes: number;
  /**
   * Training and scoring with fewer than GEMM_MIN_ROWS tokens, or with
   * STUDIO_WASM_GEMM=xnnpack: the packed copy XNNPACK keeps of every weight
   * matrix it multiplies by, in the same heap (with XNNPACK for every product,
   * LoRA r=8 on the SmolLM2-135M shape peaked one weight copy above the rest
   * of the estimate). The studio's GEMM packs only an 8 KB panel per thread:
   * the same runs peaked at 1.3 / 2.0 / 2.7 / 3.5 GiB for 32 / 64 / 96 / 128
   * tokens a side, the estimate without this term 1.3 / 2.0 / 2.7 / 3.4.
   */
  packedWeightsBytes: number;
  totalBytes: number;
  request: Omit<MemoryRequest, 'config'>;
}

function dims(c: ModelConfig): { H: number; I: number; L: number; heads: number; kvDim: number; V: number } {
  const kvHeads = c.family === 'gpt2' ? c.numHeads : c.numKvHeads;
  return { H: c.hiddenSize, I: c.intermediateSize, L: c.numLayers, heads: c.numHeads, kvDim: kvHeads * c.headDim, V: c.vocabSize };
}

/** LoRA adapters on every linear layer of each block (as the paper's Llama-3.2-1B runs; lora.ts's default). */
function loraParameters(c: ModelConfig, rank: number): number {
  const { H, I, L, kvDim } = dims(c);
  const q = c.numHeads * c.headDim;
  const perLayer =
    c.family === 'gpt2'
      ? rank * (H + 3 * H) + rank * 2 * H + rank * (H + I) * 2
      : rank * (H + q) * 2 + rank * (H + kvDim) * 2 + rank * (H + I) * 3;
  return perLayer * L;
}

/** Floats kept per token per layer for the backward pass (inputs of every op that needs them). */
function activationFloatsPerTokenPerLayer(c: ModelConfig, seqLen: number): number {
  const { H, I, heads, kvDim } = dims(c);
  const attentionMaps = 3 * heads * seqLen; // scores, biased scores, probabilities
  return 12 * H + 4 * kvDim + 5 * I + attentionMaps;
}

export function estimateMemory(req: MemoryRequest): MemoryEstimate {
  const { config: c, task, batchSize: b, seqLen: s } = req;
  const { H, L, V, kvDim } = dims(c);
  const parameters = parameterCount(c);
  const tokens = b * s;
  const lora = req.loraRank !== undefined && req.loraRank > 0;
  const trainable = task !== 'train' ? 0 : lora ? loraParameters(c, req.loraRank!) : parameters;
  const weightsBytes = (parameters + (lora && task === 'train' ? trainable : 0)) * BYTES_PER_FLOAT;
  const gradientBytes = trainable * BYTES_PER_FLOAT;
  const optimizerBytes = task === 'train' && (req.optimizer ?? 'adam') === 'adam' ? 2 * trainable * BYTES_PER_FLOAT : 0;
  const kvCacheBytes = task === 'generate' ? 2 * L * b * s * kvDim * BYTES_PER_FLOAT : 0;
  const prepared = task === 'generate' ? generationWeightsBytes(c) : 0;
  const xnnpackProducts = tokens < GEMM_MIN_ROWS || process.env['STUDIO_WASM_GEMM'] === 'xnnpack';
  const packedWeightsBytes = task !== 'generate' && xnnpackProducts ? parameters * BYTES_PER_FLOAT : 0;
  // Logits, log-softmax and the one-hot target selection are each [b, s, V].
  const headFloats = 3 * tokens * V;
  let activationFloats: number;
  if (task === 'train') {
    activationFloats = TRAIN_ACTIVATION_FACTOR * (tokens * L * activationFloatsPerTokenPerLayer(c, s) + headFloats * 2 + tokens * H * 4);
  } else if (task === 'score') {
    // Inference frees each block's intermediates when the block ends.
    // The scoring head holds logits plus two [b, s, V] temporaries at a time (score.ts);
    // counted as four for allocator fragmentation.
    activationFloats = INFERENCE_ACTIVATION_FACTOR * tokens * activationFloatsPerTokenPerLayer(c, s) * 2 + 4 * tokens * V;
  } else {
    // Prefill dominates: one layer's intermediates plus the prompt's logits.
    activationFloats = INFERENCE_ACTIVATION_FACTOR * (tokens * activationFloatsPerTokenPerLayer(c, s) * 2 + tokens * V);
  }
  // Backends keep working copies of the largest matrix, the [V, H] LM head: wasm's
  // XNNPACK route copies a transposed operand and packs it.
  activationFloats += 2 * V * H;
  const activationBytes = activationFloats * BYTES_PER_FLOAT;
  const totalBytes = weightsBytes + gradientBytes + optimizerBytes + kvCacheBytes + activationBytes + prepared + packedWeightsBytes;
  const { config: _config, ...request } = req;
  return {
    task,
    parameters,
    trainableParameters: trainable,
    weightsBytes,
    gradientBytes,
    optimizerBytes,
    activationBytes,
    kvCacheBytes,
    generationWeightsBytes: prepared,
    packedWeightsBytes,
    totalBytes,
    request,
  };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v >= 100 || u === 0 ? 0 : 1)} ${units[u]}`;
}

export interface MemoryBudget {
  /** Bytes available to tensors (for wasm at most WASM_HEAP_LIMIT_BYTES). */
  bytes: number;
  backend?: string;
  /** Keep this fraction free for allocator fragmentation and temporaries. */
  headroom?: number;
}

export type FitResult =
  | { ok: true; estimate: MemoryEstimate; budgetBytes: number }
  | { ok: false; estimate: MemoryEstimate; budgetBytes: number; message: string; suggestions: string[] };

/** Compares an estimate with a budget; when it does not fit, says why and what would help. */
export function checkFits(estimate: MemoryEstimate, budget: MemoryBudget): FitResult {
  const isWasm = budget.backend === 'wasm';
  const cap = isWasm ? Math.min(budget.bytes, WASM_HEAP_LIMIT_BYTES) : budget.bytes;
  const usable = cap * (1 - (budget.headroom ?? 0.1));
  if (estimate.totalBytes <= usable) return { ok: true, estimate, budgetBytes: usable };

  const { batchSize, seqLen, loraRank } = estimate.request;
  const parts = [
    `weights ${formatBytes(estimate.weightsBytes)}`,
    estimate.gradientBytes ? `gradients ${formatBytes(estimate.gradientBytes)}` : '',
    estimate.optimizerBytes ? `optimizer state ${formatBytes(estimate.optimizerBytes)}` : '',
    `activations ${formatBytes(estimate.activationBytes)}`,
    estimate.kvCacheBytes ? `KV cache ${formatBytes(estimate.kvCacheBytes)}` : '',
    estimate.generationWeightsBytes ? `prepared weight copies ${formatBytes(estimate.generationWeightsBytes)}` : '',
    estimate.packedWeightsBytes ? `packed weight copies ${formatBytes(estimate.packedWeightsBytes)}` : '',
  ].filter(Boolean);
  const suggestions: string[] = [];
  const fixed = estimate.weightsBytes + estimate.gradientBytes + estimate.optimizerBytes + estimate.packedWeightsBytes;
  if (estimate.activationBytes + estimate.kvCacheBytes > usable - fixed && fixed < usable) {
    if (batchSize > 1) suggestions.push(`Use a smaller batch (try ${Math.max(1, Math.floor(batchSize / 2))}) with gradient accumulation.`);
    if (seqLen > 64) suggestions.push(`Use a shorter maximum length (try ${Math.floor(seqLen / 2)} tokens).`);
  }
  if (estimate.task === 'train' && !loraRank)
    suggestions.push('Train LoRA adapters instead of all weights (no full gradients or optimizer state).');
  if (isWasm) suggestions.push('Use a native backend (@tensorflow/tfjs-node or -gpu): the wasm heap is capped at 4 GiB.');
  if (suggestions.length === 0) suggestions.push('Use a smaller model or a machine with more memory.');
  const what = estimate.task === 'train' ? 'Training' : estimate.task === 'score' ? 'Scoring' : 'Generation';
  const message =
    `${what} needs about ${formatBytes(estimate.totalBytes)} (${parts.join(', ')}) at batch ${batchSize} × ${seqLen} tokens, ` +
    `but only ${formatBytes(usable)} is available${isWasm ? ' on the wasm backend (4 GiB heap cap)' : ''}.`;
  return { ok: false, estimate, budgetBytes: usable, message, suggestions };
}
