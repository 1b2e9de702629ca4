/**
 * A causal language model: a config plus tf.Variables keyed by their Hugging
 * Face tensor names, so loading and saving are a name mapping.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../hf/config';
import { SeededRng } from '../rng';
import { gpt2Forward } from './gpt2';
import { positionsFromMask, type KvCache } from './layers';
import { llamaForward } from './llama';
import { releaseDecodeWeights } from './llama-decode';
import { parameterSpecs } from './parameters';
import type { DecodableModel, ForwardResult } from './types';

/** Something that adds a low-rank output to linear modules (see ../lora.ts). */
export interface Adapter {
  delta(module: string, x: tf.Tensor): tf.Tensor | null;
}

export class CausalLM implements DecodableModel {
  private disposed = false;
  /** Attached adapter (LoRA); its variables are trained while the base weights stay frozen. */
  adapter: Adapter | null = null;

  constructor(
    readonly config: ModelConfig,
    /** HF tensor name → variable, in the order of `parameterSpecs(config)`. */
    readonly weights: Map<string, tf.Variable>,
  ) {
    const missing = parameterSpecs(config)
      .map((p) => p.name)
      .filter((n) => !weights.has(n));
    if (missing.length) throw new Error(`Model is missing weights: ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''}`);
  }

  get(name: string): tf.Tensor {
    const v = this.weights.get(name);
    if (!v) throw new Error(`Model has no weight named ${name}`);
    return v;
  }

  has(name: string): boolean {
    return this.weights.has(name);
  }

  adapterDelta(module: string, x: tf.Tensor): tf.Tensor | null {
    return this.adapter ? this.adapter.delta(module, x) : null;
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }

  trainableVariables(): tf.Variable[] {
    return [...this.weights.values()];
  }

  /**
   * Full forward pass without a cache.
   * @param inputIds [batch, seq] int32
   * @param attentionMask [batch, seq] (1 = token, 0 = padding); all ones when omitted
   * @returns logits [batch, seq, vocab]; the caller owns (and disposes) it
   */
  forward(inputIds: tf.Tensor2D, attentionMask?: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => this.run(inputIds, attentionMask ?? tf.onesLike(inputIds), null).logits);
  }

  /**
   * Incremental forward for generation.
   * @param inputIds [batch, seq] new tokens
   * @param attentionMask [batch, past + seq] mask over everything seen so far
   * @param past cache from the previous call (not disposed here)
   * @param lastOnly logits for the last position only ([batch, 1, vocab])
   * @returns logits [batch, seq, vocab] and the extended cache; the caller owns both
   */
  forwardWithCache(inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, past: KvCache | null, lastOnly = false): ForwardResult {
    const out = tf.tidy(() => {
      const r = this.run(inputIds, attentionMask, past, lastOnly);
      return { logits: r.logits, keys: r.cache.keys, values: r.cache.values };
    });
    return { logits: out.logits, cache: { keys: out.keys, values: out.values } };
  }

  /** Un-tidied forward, for use inside a caller's tf.tidy or gradient function. */
  run(inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, past: KvCache | null, lastOnly = false): ForwardResult {
    if (this.disposed) throw new Error('Model has been disposed');
    const positionIds = positionsFromMask(attentionMask, inputIds.shape[1]);
    const args = { inputIds, attentionMask, positionIds, past, lastOnly };
    return this.config.family === 'gpt2' ? gpt2Forward(this.config, this, args) : llamaForward(this.config, this, args);
  }

  dispose(): void {
    if (this.disposed) return;
    releaseDecodeWeights(this);
    for (const v of this.weights.values()) v.dispose();
    this.disposed = true;
  }
}

export function disposeCache(cache: KvCache | null): void {
  if (!cache) return;
  tf.dispose([...cache.keys, ...cache.values]);
}

/**
 * A new model with transformers-style random init (normal(0, initializer_range)
 * for matrices and embeddings, ones for norm weights, zeros for biases), seeded.
 */
export function createModel(config: ModelConfig, seed = 0): CausalLM {
  const rng = new SeededRng(seed);
  const weights = new Map<string, tf.Variable>();
  for (const spec of parameterSpecs(config)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (spec.init.kind === 'normal') rng.fillNormal(data, spec.init.std);
    else if (spec.init.kind === 'ones') data.fill(1);
    // The tidy frees the initial tensor; the variable keeps its own reference.
    weights.set(
      spec.name,
      tf.tidy(() => tf.variable(tf.tensor(data, spec.shape, 'float32'), true)),
    );
  }
  return new CausalLM(config, weights);
}
