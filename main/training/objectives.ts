/**
 * The training objectives of ../shared/mmpo-spec.md as pure functions from
 * per-sequence log-probabilities to a loss and TRL-named metrics. No model
 * code here: the trainer scores the policy (and reads cached reference
 * log-probs), then calls `computeObjective` inside its tf.tidy.
 *
 * Shapes: b = pairs in the micro-batch; every per-sequence tensor is [b].
 */
import * as tf from '@tensorflow/tfjs';
import { simpoGamma, type ObjectiveConfig } from '../../shared/objectives';

/** What the scorer reports for one side (chosen or rejected) of each pair. */
export interface SideStats {
  /** ℓθ(y|x): Σ_t log πθ(y_t | x, y_<t) over response tokens. [b], differentiable. */
  logpSum: tf.Tensor1D;
  /** Number of response tokens (min 1 is applied here). [b], constant. */
  length: tf.Tensor1D;
  /** Mean logit over response tokens, for the logits/* metrics. [b] */
  meanLogit?: tf.Tensor1D;
  /** (M10) H_obj(y) per sequence, when the entropy term is on. [b], differentiable. */
  entropyObjective?: tf.Tensor1D;
}

export interface ObjectiveInputs {
  chosen: SideStats;
  rejected: SideStats;
  /** ℓref(y_w|x), ℓref(y_l|x): summed reference log-probs, cached constants. [b] */
  refChosen?: tf.Tensor1D;
  refRejected?: tf.Tensor1D;
}

export interface ObjectiveResult {
  loss: tf.Scalar;
  /** Batch means, TRL names (rewards/chosen, rewards/margins, logps/chosen, …). */
  metrics: Record<string, tf.Scalar>;
  /** MMPO's chosen weight w_w per pair (M4), for its distribution. [b] */
  weightChosen?: tf.Tensor1D;
}

const mean = (t: tf.Tensor) => tf.mean<tf.Scalar>(t);

/** The identity in the forward pass, zero gradient in the backward pass (tfjs has no stop_gradient). */
export const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: x.clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as <T extends tf.Tensor>(x: T) => T;
/** log σ(x), stable for large |x|. */
const logSigmoid = (x: tf.Tensor) => tf.neg(tf.softplus(tf.neg(x)));
const safeLength = (length: tf.Tensor1D) => tf.maximum(length, 1);
const averaged = (side: SideStats) => tf.div<tf.Tensor1D>(side.logpSum, safeLength(side.length));

function requireReference(inputs: ObjectiveInputs, name: string): { refChosen: tf.Tensor1D; refRejected: tf.Tensor1D } {
  if (!inputs.refChosen || !inputs.refRejected) throw new Error(`The ${name} objective needs reference log-probs.`);
  return { refChosen: inputs.refChosen, refRejected: inputs.refRejected };
}

function commonMetrics(inputs: ObjectiveInputs, rewardChosen: tf.Tensor1D, rewardRejected: tf.Tensor1D): Record<string, tf.Scalar> {
  const margin = tf.sub(rewardChosen, rewardRejected);
  const metrics: Record<string, tf.Scalar> = {
    'rewards/chosen': mean(rewardChosen),
    'rewards/rejected': mean(rewardRejected),
    'rewards/accuracies': mean(tf.cast(tf.greater(rewardChosen, rewardRejected), 'float32')),
    'rewards/margins': mean(margin),
    'logps/chosen': mean(inputs.chosen.logpSum),
    'logps/rejected': mean(inputs.rejected.logpSum),
  };
  if (inputs.chosen.meanLogit) metrics['logits/chosen'] = mean(inputs.chosen.meanLogit);
  if (inputs.rejected.meanLogit) metrics['logits/rejected'] = mean(inputs.rejected.meanLogit);
  return metrics;
}

/**
 * (M6) r̃ = (r + 1e-6 − min R) / (max R − min R + 1e-6), R = all 2b values of
 * the micro-batch.
 */
export function inBatchNormalise(rw: tf.Tensor1D, rl: tf.Tensor1D): [tf.Tensor1D, tf.Tensor1D] {
  const all = tf.concat([rw, rl]);
  const lo = tf.min(all);
  const span = tf.add(tf.sub(tf.max(all), lo), 1e-6);
  const norm = (r: tf.Tensor1D) => tf.div<tf.Tensor1D>(tf.sub(tf.add(r, 1e-6), lo), span);
  return [norm(rw), norm(rl)];
}

/** MMPO (M2)–(M10). */
function mmpo(config: Extract<ObjectiveConfig, { objective: 'mmpo' }>, inputs: ObjectiveInputs): ObjectiveResult {
  const { refChosen, refRejected } = requireReference(inputs, 'MMPO');
  const norm = (x: tf.Tensor1D, side: SideStats) => (config.lengthNorm ? tf.div<tf.Tensor1D>(x, safeLength(side.length)) : x);
  const lw = norm(inputs.chosen.logpSum, inputs.chosen);
  const ll = norm(inputs.rejected.logpSum, inputs.rejected);
  // (M5) reference-based log P* terms; (M7) they are constants: no gradient flows through them.
  const rw = tf.add<tf.Tensor1D>(config.epsilon, tf.mul(config.beta, norm(refChosen, inputs.chosen)));
  const rl = tf.add<tf.Tensor1D>(config.epsilonRejected, tf.mul(config.beta, norm(refRejected, inputs.rejected)));
  const [logPw, logPl] = config.inBatchNorm ? inBatchNormalise(rw, rl) : [rw, rl];
  // (M2) scores of the two terms of the marginal.
  const sw = tf.add<tf.Tensor1D>(lw, logPw);
  const sl = tf.add<tf.Tensor1D>(ll, logPl);
  // (M3) L_mml = −lse(s_w, s_l), stably.
  const mml = tf.neg(tf.logSumExp(tf.stack([sw, sl], 1), 1));
  // (M8) L_pair = −log σ(s_w − s_l); (M9) L = L_mml + λ_pair · L_pair.
  const pair = tf.neg(logSigmoid(tf.sub(sw, sl)));
  let loss = mean(tf.add(mml, tf.mul(config.lambdaPair, pair)));
  const metrics = commonMetrics(inputs, sw, sl);
  // (M4) the weights of the likelihood gradient: softmax(s_w, s_l).
  const weightChosen = tf.sigmoid(tf.sub(sw, sl)) as tf.Tensor1D;
  metrics['mmpo/weight_chosen'] = mean(weightChosen);
  if (config.entropy) {
    const hw = inputs.chosen.entropyObjective;
    const hl = inputs.rejected.entropyObjective;
    if (!hw || !hl) throw new Error('The entropy term is on but the scorer did not report H_obj.');
    // (M10) batch loss += β · mean over responses of (−H_obj).
    const hMean = mean(tf.concat([hw, hl]));
    metrics['entropy_objective'] = hMean;
    loss = tf.add<tf.Scalar>(loss, tf.mul(config.beta, tf.neg(hMean)));
  }
  metrics['loss'] = loss;
  return { loss, metrics, weightChosen };
}

function dpo(beta: number, inputs: ObjectiveInputs): ObjectiveResult {
  const { refChosen, refRejected } = requireReference(inputs, 'DPO');
  const rewardChosen = tf.mul<tf.Tensor1D>(beta, tf.sub(inputs.chosen.logpSum, refChosen));
  const rewardRejected = tf.mul<tf.Tensor1D>(beta, tf.sub(inputs.rejected.logpSum, refRejected));
  // −log σ(β h), h = (ℓθ(y_w) − ℓref(y_w)) − (ℓθ(y_l) − ℓref(y_l)).
  const loss = mean(tf.neg(logSigmoid(tf.sub(rewardChosen, rewardRejected))));
  return { loss, metrics: { ...commonMetrics(inputs, rewardChosen, rewardRejected), loss } };
}

function ipo(beta: number, inputs: ObjectiveInputs): ObjectiveResult {
  const { refChosen, refRejected } = requireReference(inputs, 'IPO');
  // Length-averaged log-probs, as IPO prescribes.
  const dw = tf.sub<tf.Tensor1D>(averaged(inputs.chosen), tf.div(refChosen, safeLength(inputs.chosen.length)));
  const dl = tf.sub<tf.Tensor1D>(averaged(inputs.rejected), tf.div(refRejected, safeLength(inputs.rejected.length)));
  const h = tf.sub(dw, dl);
  const loss = mean(tf.square(tf.sub(h, 1 / (2 * beta))));
  const rewardChosen = tf.mul<tf.Tensor1D>(beta, dw);
  const rewardRejected = tf.mul<tf.Tensor1D>(beta, dl);
  return { loss, metrics: { ...commonMetrics(inputs, rewardChosen, rewardRejected), loss } };
}

function simpo(config: Extract<ObjectiveConfig, { objective: 'simpo' }>, inputs: ObjectiveInputs): ObjectiveResult {
  const lw = config.averageLogps ? averaged(inputs.chosen) : inputs.chosen.logpSum;
  const ll = config.averageLogps ? averaged(inputs.rejected) : inputs.rejected.logpSum;
  const rewardChosen = tf.mul<tf.Tensor1D>(config.beta, lw);
  const rewardRejected = tf.mul<tf.Tensor1D>(config.beta, ll);
  // −log σ(β(ℓ̄w − ℓ̄l) − γ), γ = β · (γ/β) as the spec and the SimPO authors' code set it.
  const loss = mean(tf.neg(logSigmoid(tf.sub(tf.sub(rewardChosen, rewardRejected), simpoGamma(config)))));
  return { loss, metrics: { ...commonMetrics(inputs, rewardChosen, rewardRejected), loss } };
}

function orpo(lambda: number, inputs: ObjectiveInputs): ObjectiveResult {
  const lw = averaged(inputs.chosen);
  const ll = averaged(inputs.rejected);
  // log odds(y) = log p − log(1 − p), p = exp(ℓ̄); log(1 − e^ℓ̄) computed as log(−expm1(ℓ̄)).
  const logOdds = (l: tf.Tensor1D) => tf.sub(l, tf.log(tf.neg(tf.sub(tf.exp(l), 1))));
  const ratio = logSigmoid(tf.sub(logOdds(lw), logOdds(ll)));
  const loss = mean(tf.sub(tf.neg(lw), tf.mul(lambda, ratio)));
  const rewardChosen = tf.mul<tf.Tensor1D>(lambda, lw);
  const rewardRejected = tf.mul<tf.Tensor1D>(lambda, ll);
  return { loss, metrics: { ...commonMetrics(inputs, rewardChosen, rewardRejected), 'orpo/log_odds_ratio': mean(ratio), loss } };
}

function sft(lengthNorm: boolean, inputs: ObjectiveInputs): ObjectiveResult {
  const lw = lengthNorm ? averaged(inputs.chosen) : inputs.chosen.logpSum;
  const loss = mean(tf.neg(lw));
  return {
    loss,
    metrics: {
      loss,
      'logps/chosen': mean(inputs.chosen.logpSum),
      ...(inputs.chosen.meanLogit ? { 'logits/chosen': mean(inputs.chosen.meanLogit) } : {}),
    },
  };
}

/** The registry: one entry per objective name. */
export function computeObjective(config: ObjectiveConfig, inputs: ObjectiveInputs): ObjectiveResult {
  switch (config.objective) {
    case 'mmpo':
      return mmpo(config, inputs);
    case 'dpo':
      return dpo(config.beta, inputs);
    case 'ipo':
      return ipo(config.beta, inputs);
    case 'simpo':
      return simpo(config, inputs);
    case 'orpo':
      return orpo(config.lambda, inputs);
    case 'sft':
      return sft(config.lengthNorm, inputs);
  }
}

/**
 * (M10) H_obj(y) = Σ_t [ stopgrad(H_t) · ℓθ(y_<t|x) + H_t ] per sequence.
 * @param tokenLogp log πθ(y_t | x, y_<t) at each response position, [b, T]
 * @param tokenEntropy H_t, the entropy of the next-token distribution, [b, T]
 * @param mask 1 on response tokens, [b, T]
 */
export function entropyObjective(tokenLogp: tf.Tensor2D, tokenEntropy: tf.Tensor2D, mask: tf.Tensor2D, lengthNorm: boolean): tf.Tensor1D {
  const masked = tf.mul(tokenLogp, mask);
  // ℓθ(y_<t|x): the log-likelihood of the response before position t (exclusive prefix sum).
  const prefix = tf.cumsum(masked, 1, true);
  const frozenEntropy = stopGradient(tokenEntropy);
  const perToken = tf.mul(tf.add(tf.mul(frozenEntropy, prefix), tokenEntropy), mask);
  const total = tf.sum<tf.Tensor1D>(perToken, 1);
  return lengthNorm ? tf.div<tf.Tensor1D>(total, tf.maximum(tf.sum(mask, 1), 1)) : total;
}
