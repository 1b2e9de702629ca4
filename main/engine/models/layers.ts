/**
 * Building blocks shared by the architectures. Only tf ops, so the same code
 * runs on every backend. Weights stay in PyTorch layout; matmuls transpose as needed.
 */
import * as tf from '@tensorflow/tfjs';
import type { RopeScaling } from '../hf/config';

/** Per-layer attention cache: keys and values [batch, kvHeads, pastLen, headDim]. */
export interface KvCache {
  keys: tf.Tensor4D[];
  values: tf.Tensor4D[];
}

/** nn.Linear: x [..., in] · W[out, in]ᵀ + b → [..., out]. */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1]!;
  const lead = x.shape.slice(0, -1);
  let y: tf.Tensor = tf.matMul(x.reshape([-1, inDim]), weight, false, true);
  if (bias) y = y.add(bias);
  return y.reshape([...lead, weight.shape[0]]);
}

/** GPT-2 Conv1D: x [..., in] · W[in, out] + b → [..., out]. */
export function conv1d(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1]!;
  const lead = x.shape.slice(0, -1);
  const y = tf.matMul(x.reshape([-1, inDim]), weight as tf.Tensor2D).add(bias);
  return y.reshape([...lead, weight.shape[1]!]);
}

/** RMSNorm as in transformers: weight · x / sqrt(mean(x²) + eps). */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  const variance = x.square().mean(-1, true);
  return x.mul(variance.add(eps).rsqrt()).mul(weight);
}

export function layerNorm(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).mul(variance.add(eps).rsqrt()).mul(weight).add(bias);
}

/** GPT-2's `gelu_new`: the tanh approximation. */
export function geluNew(x: tf.Tensor): tf.Tensor {
  const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
  return x.mul(0.5).mul(inner.tanh().add(1));
}

/** RoPE inverse frequencies [headDim/2], with linear or Llama 3 frequency-dependent scaling when configured. */
export function ropeInverseFrequencies(headDim: number, theta: number, scaling: RopeScaling | null): Float32Array {
  const half = headDim / 2;
  const inv = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    // Computed in float32 like transformers, so long positions match to the last bits we can.
    inv[i] = 1 / Math.pow(theta, Math.fround((2 * i) / headDim));
  }
  if (!scaling) return inv;
  if (scaling.ropeType === 'linear') return inv.map((f) => f / scaling.factor);
  const { factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings: oldLen } = scaling;
  const lowFreqWavelen = oldLen / lowFreqFactor;
  const highFreqWavelen = oldLen / highFreqFactor;
  for (let i = 0; i < half; i++) {
    const f = inv[i]!;
    const wavelen = (2 * Math.PI) / f;
    if (wavelen > lowFreqWavelen) {
      inv[i] = f / factor;
    } else if (wavelen >= highFreqWavelen) {
      const smooth = (oldLen / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
      inv[i] = (1 - smooth) * (f / factor) + smooth * f;
    }
  }
  return inv;
}

/**
 * cos and sin tables [batch, 1, seq, headDim] for positions [batch, seq], each
 * below `length`. The angles are float32 products as on the device, but their
 * cos and sin are taken on the host (Math.cos of the float32 angle, rounded to
 * float32 — what the cpu backend computes) and gathered by position: a GPU's
 * sin and cos may be off by 2^-11 (WebGPU's and Vulkan's bound, and worse for
 * large angles), which put a software adapter's logits 1e-3 from PyTorch's.
 */
export function ropeTables(positionIds: tf.Tensor2D, invFreq: Float32Array, length: number): { cos: tf.Tensor4D; sin: tf.Tensor4D } {
  const half = invFreq.length;
  const d = 2 * half;
  const cos = new Float32Array(length * d);
  const sin = new Float32Array(length * d);
  for (let p = 0; p < length; p++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * invFreq[i]!);
      cos[p * d + i] = cos[p * d + half + i] = Math.cos(angle);
      sin[p * d + i] = sin[p * d + half + i] = Math.sin(angle);
    }
  }
  const at = (table: Float32Array) => tf.gather(tf.tensor2d(table, [length, d]), positionIds.toInt()).expandDims<tf.Tensor4D>(1);
  return { cos: at(cos), sin: at(sin) };
}

/** Applies RoPE with the rotate-half convention of transformers. x: [batch, heads, seq, headDim]. */
export function applyRope(x: tf.Tensor4D, cos: tf.Tensor4D, sin: tf.Tensor4D): tf.Tensor4D {
  const [x1, x2] = tf.split(x, 2, -1) as [tf.Tensor4D, tf.Tensor4D];
  const rotated = tf.concat([x2.neg(), x1], -1);
  return x.mul(cos).add(rotated.mul(sin));
}

/**
 * Additive attention bias [batch, 1, seq, pastLen + seq]: 0 where a query may attend
 * (causal and key not padding), a large negative number elsewhere.
 */
export function attentionBias(attentionMask: tf.Tensor2D, seqLen: number): tf.Tensor4D {
  const total = attentionMask.shape[1];
  const past = total - seqLen;
  const causal = new Float32Array(seqLen * total);
  for (let i = 0; i < seqLen; i++) for (let j = 0; j <= past + i; j++) causal[i * total + j] = 1;
  const allowed = tf.tensor4d(causal, [1, 1, seqLen, total]).mul(attentionMask.toFloat().reshape([-1, 1, 1, total]));
  return allowed.sub(1).mul<tf.Tensor4D>(1e9);
}

/** Position ids [batch, seq] from the mask over the full sequence, so left padding works. */
export function positionsFromMask(attentionMask: tf.Tensor2D, seqLen: number): tf.Tensor2D {
  const total = attentionMask.shape[1];
  const positions = tf.cumsum(attentionMask.toFloat(), 1).sub(1).maximum(0);
  return positions.slice([0, total - seqLen], [-1, seqLen]).toInt() as tf.Tensor2D;
}

/** [batch, seq, heads·headDim] → [batch, heads, seq, headDim]. */
export function splitHeads(x: tf.Tensor, heads: number, headDim: number): tf.Tensor4D {
  const [b, s] = x.shape as [number, number, number];
  return x.reshape([b, s, heads, headDim]).transpose<tf.Tensor4D>([0, 2, 1, 3]);
}

/** [batch, heads, seq, headDim] → [batch, seq, heads·headDim]. */
export function mergeHeads(x: tf.Tensor4D): tf.Tensor3D {
  const [b, h, s, d] = x.shape;
  return x.transpose([0, 2, 1, 3]).reshape<tf.Tensor3D>([b, s, h * d]);
}

/**
 * Scaled dot-product attention with grouped-query heads.
 * q [b, heads, s, d]; k, v [b, kvHeads, t, d]; bias [b, 1, s, t] → [b, heads, s, d].
 */
export function attention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, bias: tf.Tensor4D): tf.Tensor4D {
  const [b, heads, s, d] = q.shape;
  const kvHeads = k.shape[1];
  const t = k.shape[2];
  const rep = heads / kvHeads;
  // Query head h uses kv head floor(h / rep) (transformers' repeat_kv). Folding the
  // rep query heads of a group into rows shares K and V without copying them.
  const grouped = q.reshape([b, kvHeads, rep * s, d]);
  const scores = tf
    .matMul(grouped, k, false, true)
    .mul(1 / Math.sqrt(d))
    .reshape([b, kvHeads, rep, s, t])
    .add(bias.reshape([b, 1, 1, s, t]));
  const probs = tf.softmax(scores, -1).reshape([b, kvHeads, rep * s, t]);
  return tf.matMul(probs, v).reshape<tf.Tensor4D>([b, heads, s, d]);
}

/** Appends new keys/values to the cache along the sequence axis. */
export function extendCache(past: tf.Tensor4D | undefined, fresh: tf.Tensor4D): tf.Tensor4D {
  return past ? tf.concat<tf.Tensor4D>([past, fresh], 2) : fresh;
}

/** Keeps the last position: [b, s, h] → [b, 1, h]. */
export function lastPosition(x: tf.Tensor): tf.Tensor {
  const [b, s, h] = x.shape as [number, number, number];
  return x.slice([0, s - 1, 0], [b, 1, h]);
}
