/**
 * AdamW (Loshchilov & Hutter; PyTorch's torch.optim.AdamW update) over an
 * explicit list of tf.Variables, with global-norm gradient clipping and a
 * state that round-trips through plain Float32Arrays for checkpoints.
 *
 * We keep our own instead of tf.train.adam because that one has no decoupled
 * weight decay, no clipping, and no exportable moment estimates.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '../../shared/training';

export interface OptimizerState {
  /** Completed optimizer steps (t in the bias corrections). */
  step: number;
  /** First and second moments, one array per variable, in variable order. */
  m: Float32Array[];
  v: Float32Array[];
  shapes: number[][];
}

/**
 * tf.addN over any number of tensors. On webgpu in chunks: its shader binds
 * each input as a storage buffer, and adapters may allow as few as 8 per
 * stage (each chunk starts with the sum so far). Elsewhere one addN, whose
 * order of additions the chunks would change on wasm.
 */
function addMany(xs: tf.Tensor[]): tf.Tensor {
  const CHUNK = 7;
  if (tf.getBackend() !== 'webgpu' || xs.length <= CHUNK) return tf.addN(xs);
  let total = tf.addN(xs.slice(0, CHUNK));
  for (let i = CHUNK; i < xs.length; i += CHUNK - 1) total = tf.addN([total, ...xs.slice(i, i + CHUNK - 1)]);
  return total;
}

/**
 * Rescales gradients so their global L2 norm is at most `maxNorm` (as
 * torch.nn.utils.clip_grad_norm_: factor maxNorm / (norm + 1e-6), capped at 1).
 * Returns new tensors (the caller disposes the inputs) and the pre-clip norm,
 * read asynchronously (a GPU backend cannot read synchronously).
 */
export async function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number | null): Promise<{ grads: tf.Tensor[]; norm: number }> {
  const normT = tf.tidy(() => tf.sqrt(addMany(grads.map((g) => tf.sum(tf.square(g))))));
  let norm: number;
  try {
    norm = (await normT.data())[0]!;
  } finally {
    normT.dispose();
  }
  const factor = maxNorm === null || !Number.isFinite(norm) ? 1 : Math.min(1, maxNorm / (norm + 1e-6));
  return { grads: grads.map((g) => (factor === 1 ? g.clone() : tf.tidy(() => tf.mul(g, factor)))), norm };
}

export class AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;

  /**
   * @param variables what the optimizer updates, in a fixed order
   * @param decay per variable: whether weight decay applies (default all)
   */
  constructor(
    readonly variables: tf.Variable[],
    readonly config: OptimizerConfig,
    private readonly decay: boolean[] = variables.map(() => true),
  ) {
    // tidy frees the zero tensors the variables were initialised from.
    this.m = variables.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    this.v = variables.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
  }

  get step(): number {
    return this.t;
  }

  /**
   * One update with learning rate `lr`; `grads[i]` belongs to `variables[i]`.
   * PyTorch order: p ← p·(1 − lr·wd); m, v updated; p ← p − lr·m̂ / (√v̂ + ε).
   */
  apply(grads: tf.Tensor[], lr: number): void {
    if (grads.length !== this.variables.length) throw new Error(`AdamW: ${grads.length} gradients for ${this.variables.length} variables`);
    this.t += 1;
    const { beta1, beta2, eps, weightDecay } = this.config;
    const bc1 = 1 - beta1 ** this.t;
    const bc2 = 1 - beta2 ** this.t;
    this.variables.forEach((p, i) => {
      tf.tidy(() => {
        const g = grads[i]!;
        const m = tf.add(tf.mul(this.m[i]!, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i]!, beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        const decayed = this.decay[i] && weightDecay > 0 ? tf.mul(p, 1 - lr * weightDecay) : p;
        const update = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), eps));
        p.assign(tf.sub(decayed, tf.mul(update, lr)));
      });
    });
  }

  /** The moments, read asynchronously (a GPU backend cannot read synchronously). */
  async exportState(): Promise<OptimizerState> {
    const step = this.t;
    const read = (xs: tf.Variable[]) => Promise.all(xs.map(async (x) => (await x.data()) as Float32Array));
    const [m, v] = await Promise.all([read(this.m), read(this.v)]);
    return { step, m, v, shapes: this.variables.map((x) => [...x.shape]) };
  }

  importState(state: OptimizerState): void {
    if (state.m.length !== this.variables.length || state.v.length !== this.variables.length) {
      throw new Error(`Optimizer state holds ${state.m.length} variables, expected ${this.variables.length}`);
    }
    this.variables.forEach((x, i) => {
      if (state.m[i]!.length !== x.size || state.v[i]!.length !== x.size)
        throw new Error(`Optimizer state for variable ${i} has the wrong size`);
      tf.tidy(() => {
        this.m[i]!.assign(tf.tensor(state.m[i]!, x.shape));
        this.v[i]!.assign(tf.tensor(state.v[i]!, x.shape));
      });
    });
    this.t = state.step;
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
