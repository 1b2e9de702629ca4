import type * as tf from '@tensorflow/tfjs';
import type { KvCache } from './layers';

/** Named weight access; `get` throws with the missing name. */
export interface WeightLookup {
  get(name: string): tf.Tensor;
  has(name: string): boolean;
}

export interface ForwardArgs {
  /** [batch, seq] token ids. */
  inputIds: tf.Tensor2D;
  /** [batch, past + seq]: 1 for real tokens, 0 for padding. */
  attentionMask: tf.Tensor2D;
  /** [batch, seq] absolute positions. */
  positionIds: tf.Tensor2D;
  past: KvCache | null;
}

export interface ForwardResult {
  /** [batch, seq, vocab] */
  logits: tf.Tensor3D;
  cache: KvCache;
}
