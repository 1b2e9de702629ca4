/** Independent log-likelihoods for the evaluation tests: one full forward pass, log-softmax, gathered by hand. */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { CausalLM } from '../../../main/engine';

export const MODELS = path.resolve(__dirname, '../../fixtures/models');

/** Σ log p(ids[t] | ids[<t]) over the positions `scored` (each ≥ 1), from the logits of one unpadded forward pass. */
export async function handLogLikelihood(model: CausalLM, ids: number[], scored: number[]): Promise<number> {
  const logits = model.forward(tf.tensor2d([ids], [1, ids.length], 'int32'));
  const logp = tf.tidy(() => tf.logSoftmax(logits.squeeze([0]), -1));
  const rows = (await logp.array()) as number[][];
  tf.dispose([logits, logp]);
  let sum = 0;
  for (const t of scored) {
    if (t < 1) throw new Error('position 0 has no prediction');
    sum += rows[t - 1]![ids[t]!]!;
  }
  return sum;
}

/** Positions from `from` (inclusive) to `to` (exclusive). */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
