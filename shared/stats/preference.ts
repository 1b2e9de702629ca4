/**
 * Preference accuracy of a checkpoint on held-out pairs, under TRL's names
 * and definitions (../shared/evaluation.md, "Preference metrics"):
 *
 *   r(y) = β · (log π(y|x) − log π_ref(y|x))            (summed token log-probs)
 *   rewards/chosen, rewards/rejected = mean r(y_w), mean r(y_l)
 *   rewards/accuracies = mean 1[r(y_w) > r(y_l)]          (a tie counts as wrong)
 *   rewards/margins    = mean (r(y_w) − r(y_l))
 *   logps/chosen, logps/rejected = mean summed log-probs
 *   logits/chosen, logits/rejected = mean of each response's mean logit (when given)
 *
 * The rewards need a reference model; without one only the `logps*` keys are
 * reported. Ours, for any checkpoint with or without a reference (MMPO and
 * SimPO rank by these), also with ties counted as wrong:
 *
 *   logps/accuracies = mean 1[log π(y_w) > log π(y_l)]      raw log-prob margin accuracy
 *   logps/margins    = mean (log π(y_w) − log π(y_l))
 *   logps_per_token/accuracies = mean 1[log π(y_w)/|y_w| > log π(y_l)/|y_l|]
 *   logps_per_token/margins    = mean (log π(y_w)/|y_w| − log π(y_l)/|y_l|)
 *
 * A response of 0 tokens is divided by 1, as the trainer's per-token averages
 * do (main/training/objectives.ts), so both give the same numbers.
 */

export interface PreferencePairScores {
  /** Summed log-probs of the chosen and rejected responses under the model. */
  chosenLogp: number;
  rejectedLogp: number;
  /** Response lengths in tokens (the per-token variants divide by them). */
  chosenTokens: number;
  rejectedTokens: number;
  /** Summed log-probs under the reference model; both or neither. */
  refChosenLogp?: number;
  refRejectedLogp?: number;
  /** Mean logit over each response's tokens (TRL's logits/*), when the scorer kept them. */
  chosenMeanLogit?: number;
  rejectedMeanLogit?: number;
}

/** One pair's results, stored for drill-down (which pairs are right, wrong, flipped). */
export interface PreferencePairResult {
  /** log π(y_w) − log π(y_l). */
  logpMargin: number;
  /** Per-token means' difference. */
  logpPerTokenMargin: number;
  logpCorrect: boolean;
  logpPerTokenCorrect: boolean;
  /** Implicit rewards; null without reference log-probs. */
  rewardChosen: number | null;
  rewardRejected: number | null;
  rewardMargin: number | null;
  rewardCorrect: boolean | null;
}

export type PreferenceMetrics = Record<string, number>;

/** TRL's default β for DPO. */
export const DEFAULT_BETA = 0.1;

function hasReference(p: PreferencePairScores): boolean {
  const chosen = p.refChosenLogp !== undefined;
  const rejected = p.refRejectedLogp !== undefined;
  if (chosen !== rejected) throw new RangeError('A preference pair has a reference log-prob for one response but not the other.');
  return chosen;
}

/** The results of one pair; rewards use β (default 0.1, TRL's) when reference log-probs are given. */
export function scorePreferencePair(pair: PreferencePairScores, beta: number = DEFAULT_BETA): PreferencePairResult {
  const logpMargin = pair.chosenLogp - pair.rejectedLogp;
  const chosenPerToken = pair.chosenLogp / Math.max(pair.chosenTokens, 1);
  const rejectedPerToken = pair.rejectedLogp / Math.max(pair.rejectedTokens, 1);
  const logpPerTokenMargin = chosenPerToken - rejectedPerToken;
  let rewardChosen: number | null = null;
  let rewardRejected: number | null = null;
  if (hasReference(pair)) {
    rewardChosen = beta * (pair.chosenLogp - pair.refChosenLogp!);
    rewardRejected = beta * (pair.rejectedLogp - pair.refRejectedLogp!);
  }
  return {
    logpMargin,
    logpPerTokenMargin,
    // Strictly greater: a tie is wrong, as in TRL.
    logpCorrect: pair.chosenLogp > pair.rejectedLogp,
    logpPerTokenCorrect: chosenPerToken > rejectedPerToken,
    rewardChosen,
    rewardRejected,
    rewardMargin: rewardChosen === null || rewardRejected === null ? null : rewardChosen - rewardRejected,
    rewardCorrect: rewardChosen === null || rewardRejected === null ? null : rewardChosen > rewardRejected,
  };
}

/**
 * Means over pairs under TRL's keys (see the module comment). The `rewards/*`
 * keys appear only when every pair has reference log-probs (a RangeError when
 * some have and some have not), `logits/*` only when every pair has mean
 * logits. No pairs: an empty record.
 */
export function preferenceMetrics(pairs: readonly PreferencePairScores[], beta: number = DEFAULT_BETA): PreferenceMetrics {
  const n = pairs.length;
  if (n === 0) return {};
  const results = pairs.map((p) => scorePreferencePair(p, beta));
  const withReference = results.filter((r) => r.rewardChosen !== null).length;
  if (withReference !== 0 && withReference !== n)
    throw new RangeError(`Reference log-probs are given for ${withReference} of ${n} pairs: all or none.`);
  const mean = (f: (i: number) => number) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += f(i);
    return s / n;
  };
  const metrics: PreferenceMetrics = {};
  if (withReference === n) {
    metrics['rewards/chosen'] = mean((i) => results[i]!.rewardChosen!);
    metrics['rewards/rejected'] = mean((i) => results[i]!.rewardRejected!);
    metrics['rewards/accuracies'] = mean((i) => (results[i]!.rewardCorrect ? 1 : 0));
    metrics['rewards/margins'] = mean((i) => results[i]!.rewardMargin!);
  }
  metrics['logps/chosen'] = mean((i) => pairs[i]!.chosenLogp);
  metrics['logps/rejected'] = mean((i) => pairs[i]!.rejectedLogp);
  if (pairs.every((p) => p.chosenMeanLogit !== undefined && p.rejectedMeanLogit !== undefined)) {
    metrics['logits/chosen'] = mean((i) => pairs[i]!.chosenMeanLogit!);
    metrics['logits/rejected'] = mean((i) => pairs[i]!.rejectedMeanLogit!);
  }
  metrics['logps/accuracies'] = mean((i) => (results[i]!.logpCorrect ? 1 : 0));
  metrics['logps/margins'] = mean((i) => results[i]!.logpMargin);
  metrics['logps_per_token/accuracies'] = mean((i) => (results[i]!.logpPerTokenCorrect ? 1 : 0));
  metrics['logps_per_token/margins'] = mean((i) => results[i]!.logpPerTokenMargin);
  return metrics;
}
