// A minimal Llama-style causal LM in plain tf ops, only for the benchmark:
// RMSNorm, RoPE (rotate-half), causal multi-head attention, SwiGLU, tied
// embedding, cross-entropy, Adam. The engine's real models live elsewhere;
// this one exists so the benchmark measures the backend, not model code.
import * as tf from '@tensorflow/tfjs';

export interface BenchShape {
  vocab: number;
  dModel: number;
  layers: number;
  heads: number;
  ffn: number;
  seq: number;
  batch: number;
}

/** The reference shape; ffn = 8/3·d rounded up to 64, as Llama does (5.3M parameters). */
export const REFERENCE_SHAPE: BenchShape = { vocab: 8192, dModel: 256, layers: 4, heads: 8, ffn: 704, seq: 128, batch: 4 };

interface Layer {
  attnNorm: tf.Variable;
  wq: tf.Variable;
  wk: tf.Variable;
  wv: tf.Variable;
  wo: tf.Variable;
  mlpNorm: tf.Variable;
  wGate: tf.Variable;
  wUp: tf.Variable;
  wDown: tf.Variable;
}

export interface BenchModel {
  shape: BenchShape;
  embed: tf.Variable;
  layers: Layer[];
  finalNorm: tf.Variable;
  variables: tf.Variable[];
  /** cos/sin tables [seq, headDim] (each half repeated), the rotate-half matrix [headDim, headDim], the additive causal mask [seq, seq]. */
  cos: tf.Tensor2D;
  sin: tf.Tensor2D;
  rotateHalf: tf.Tensor2D;
  mask: tf.Tensor2D;
}

export function createModel(shape: BenchShape, seed = 1): BenchModel {
  let next = seed;
  // tidy frees the initial value; the variable keeps its own reference.
  const normal = (dims: number[], std: number) => tf.tidy(() => tf.variable(tf.randomNormal(dims, 0, std, 'float32', next++)));
  const ones = (n: number) => tf.tidy(() => tf.variable(tf.ones([n])));
  const d = shape.dModel;
  const embed = normal([shape.vocab, d], 0.02);
  const layers: Layer[] = [];
  for (let i = 0; i < shape.layers; i++) {
    layers.push({
      attnNorm: ones(d),
      wq: normal([d, d], 0.02),
      wk: normal([d, d], 0.02),
      wv: normal([d, d], 0.02),
      wo: normal([d, d], 0.02),
      mlpNorm: ones(d),
      wGate: normal([d, shape.ffn], 0.02),
      wUp: normal([d, shape.ffn], 0.02),
      wDown: normal([shape.ffn, d], 0.02),
    });
  }
  const finalNorm = ones(d);
  const half = d / shape.heads / 2;
  const { cos, sin, rotateHalf, mask } = tf.tidy(() => {
    const invFreq = tf.pow(10000, tf.div(tf.range(0, half), -half)); // θ_i = 10000^(-i/half)
    const angles = tf.outerProduct(tf.range(0, shape.seq), invFreq as tf.Tensor1D);
    const doubled = tf.concat([angles, angles], 1);
    // x·R = concat(-x₂, x₁): R[i+half, i] = -1, R[i, i+half] = 1.
    const r = new Float32Array(4 * half * half);
    for (let i = 0; i < half; i++) {
      r[(i + half) * 2 * half + i] = -1;
      r[i * 2 * half + i + half] = 1;
    }
    const future = tf.greater(tf.range(0, shape.seq).expandDims(0), tf.range(0, shape.seq).expandDims(1));
    return {
      cos: tf.cos(doubled) as tf.Tensor2D,
      sin: tf.sin(doubled) as tf.Tensor2D,
      rotateHalf: tf.tensor2d(r, [2 * half, 2 * half]),
      mask: tf.mul(tf.cast(future, 'float32'), -1e9) as tf.Tensor2D,
    };
  });
  const variables = [embed, finalNorm, ...layers.flatMap((l) => Object.values(l) as tf.Variable[])];
  return { shape, embed, layers, finalNorm, variables, cos, sin, rotateHalf, mask };
}

function rmsNorm(x: tf.Tensor, gain: tf.Tensor): tf.Tensor {
  const scale = tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-5));
  return tf.mul(tf.mul(x, scale), gain);
}

/**
 * x: [batch, heads, seq, headDim] → rotated by position (rotate-half layout):
 * x·cos + rotate_half(x)·sin, with rotate_half as a matmul by a fixed ±1
 * matrix (one XNNPACK call instead of split, negate and concat).
 */
function rope(x: tf.Tensor, model: BenchModel): tf.Tensor {
  const headDim = x.shape[3] ?? 0;
  const rotated = tf.reshape(tf.matMul(tf.reshape(x, [-1, headDim]), model.rotateHalf), x.shape);
  return tf.add(tf.mul(x, model.cos), tf.mul(rotated, model.sin));
}

/** [batch·seq, d] → [batch, heads, seq, headDim] */
function splitHeads(x: tf.Tensor, s: BenchShape): tf.Tensor {
  return tf.transpose(tf.reshape(x, [s.batch, s.seq, s.heads, s.dModel / s.heads]), [0, 2, 1, 3]);
}

/** ids: [batch, seq] int32 → logits [batch·seq, vocab]. Linear layers use 2D matmuls (tfjs 4.22 cannot differentiate a broadcast batch matmul). */
export function forward(model: BenchModel, ids: tf.Tensor2D): tf.Tensor2D {
  const s = model.shape;
  const rows = s.batch * s.seq;
  let x = tf.reshape(tf.gather(model.embed, ids), [rows, s.dModel]);
  const scale = 1 / Math.sqrt(s.dModel / s.heads);
  for (const layer of model.layers) {
    const h = rmsNorm(x, layer.attnNorm);
    const q = rope(splitHeads(tf.matMul(h, layer.wq), s), model);
    const k = rope(splitHeads(tf.matMul(h, layer.wk), s), model);
    const v = splitHeads(tf.matMul(h, layer.wv), s);
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), scale), model.mask); // [b, h, seq, seq]
    const attended = tf.matMul(tf.softmax(scores), v); // [b, h, seq, headDim]
    const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [rows, s.dModel]);
    x = tf.add(x, tf.matMul(merged, layer.wo));
    const m = rmsNorm(x, layer.mlpNorm);
    const gate = tf.matMul(m, layer.wGate);
    const swiglu = tf.mul(tf.mul(gate, tf.sigmoid(gate)), tf.matMul(m, layer.wUp));
    x = tf.add(x, tf.matMul(swiglu, layer.wDown));
  }
  return tf.matMul(rmsNorm(x, model.finalNorm), model.embed, false, true) as tf.Tensor2D;
}

/**
 * Mean next-token cross-entropy; targets: [batch, seq] int32. Through the
 * native Softmax kernel and the log of the picked probabilities only: tfjs's
 * logSoftmax is six elementwise passes over [batch·seq, vocab] forward and
 * four back, softmax one and four.
 */
export function loss(model: BenchModel, ids: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  const probs = tf.softmax(forward(model, ids));
  const picked = tf.sum(tf.mul(probs, tf.oneHot(tf.reshape(targets, [-1]), model.shape.vocab)), -1);
  return tf.neg(tf.mean(tf.log(picked))) as tf.Scalar;
}

/** Matmul FLOPs of one forward pass (the 2·m·k·n of every product, attention included). */
export function forwardFlops(s: BenchShape): number {
  const tokens = s.batch * s.seq;
  const perLayer = 2 * tokens * (4 * s.dModel * s.dModel + 3 * s.dModel * s.ffn) + 2 * 2 * s.batch * s.seq * s.seq * s.dModel;
  return s.layers * perLayer + 2 * tokens * s.dModel * s.vocab;
}

export function makeBatch(s: BenchShape, seed = 7): { ids: tf.Tensor2D; targets: tf.Tensor2D } {
  return tf.tidy(() => {
    const tokens = tf.randomUniform([s.batch, s.seq + 1], 0, s.vocab, 'int32', seed);
    return {
      ids: tf.slice(tokens, [0, 0], [s.batch, s.seq]) as tf.Tensor2D,
      targets: tf.slice(tokens, [0, 1], [s.batch, s.seq]) as tf.Tensor2D,
    };
  });
}
