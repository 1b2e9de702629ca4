import type * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../hf/config';
import type { KvCache } from './layers';

/** Named weight access; `get` throws with the missing name. */
export interface WeightLookup {
  get(name: string): tf.Tensor;
  has(name: string): boolean;
  /**
   * Output added to a linear module's result by an attached adapter (LoRA), or null.
   * @param module HF module name, e.g. `model.layers.0.self_attn.q_proj`
   * @param x the module's input [..., in] → [..., out]
   */
  adapterDelta(module: string, x: tf.Tensor): tf.Tensor | null;
}

/**
 * What the decoding fast path (llama-decode.ts) reads of a model: its config,
 * its weights and whether an adapter is attached. CausalLM implements it; the
 * interface lives here so the decoder does not import causal-lm.ts, which
 * imports the decoder.
 */
export interface DecodableModel extends WeightLookup {
  readonly config: ModelConfig;
  /** HF tensor name → variable. */
  readonly weights: Map<string, tf.Variable>;
  readonly adapter: object | null;
}

export interface ForwardArgs {
  /** [batch, seq] token ids. */
  inputIds: tf.Tensor2D;
  /** [batch, past + seq]: 1 for real tokens, 0 for padding. */
  attentionMask: tf.Tensor2D;
  /** [batch, seq] absolute positions. */
  positionIds: tf.Tensor2D;
  past: KvCache | null;
  /** Compute logits for the last position only (generation: saves a [b, s, vocab] product). */
  lastOnly?: boolean;
}

export interface ForwardResult {
  /** [batch, seq, vocab] ([batch, 1, vocab] with lastOnly) */
  logits: tf.Tensor3D;
  cache: KvCache;
}
