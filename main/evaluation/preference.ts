/**
 * Preference accuracy of a model on held-out pairs: each record is tokenized
 * exactly as training tokenizes it (main/training/data.ts `buildPairs`, with
 * the run's chat-template and length settings), both responses are scored
 * with the engine's one scorer, and TRL's metrics come from
 * shared/stats/preference.ts — so `logps/*` equal what the trainer logs as
 * `eval_logps/*` on the same pairs, and with the reference log-probs and β of
 * a DPO run, `rewards/*` equal its `eval_rewards/*`.
 */
import type { CausalLM, HfTokenizer, ScoreExample } from '../engine';
import { buildPairs, type TokenizationSettings } from '../training/data';
import type { RecordContent } from '../../shared/datasets';
import {
  DEFAULT_BETA,
  preferenceMetrics,
  scorePreferencePair,
  type PreferenceMetrics,
  type PreferencePairResult,
  type PreferencePairScores,
} from '../../shared/stats/preference';
import { scoreInBatches, type BatchOptions } from './batches';

/** Summed log-probs of each pair's responses under a reference model, in the order of the scored pairs. */
export interface ReferencePairLogps {
  chosen: readonly number[];
  rejected: readonly number[];
}

export interface PreferenceOptions extends BatchOptions {
  /** The training run's tokenization (chat template, max lengths). */
  tokenization: TokenizationSettings;
  /** Reference log-probs of the scored pairs (`pairs` order), or a reference model to score them with. */
  reference?: ReferencePairLogps | CausalLM;
  /** β of the implicit reward (default 0.1, TRL's). */
  beta?: number;
}

export interface PreferencePairOutcome extends PreferencePairScores, PreferencePairResult {
  /** Index of the record in the records given. */
  record: number;
}

export interface PreferenceResults {
  /** One per scored pair, in record order. */
  pairs: PreferencePairOutcome[];
  /** Records left out (not a preference, a side missing), with why. */
  skipped: { record: number; reason: string }[];
  /** TRL's keys (`rewards/*` only with a reference), plus logps/accuracies, logps_per_token/* . */
  metrics: PreferenceMetrics;
}

function isModel(ref: ReferencePairLogps | CausalLM): ref is CausalLM {
  return typeof (ref as CausalLM).run === 'function';
}

/** Chosen / rejected summed log-probs, token counts and mean logits of every preference record, and their metrics. */
export async function scorePreferencePairs(
  model: CausalLM,
  tokenizer: HfTokenizer,
  records: readonly RecordContent[],
  opts: PreferenceOptions,
): Promise<PreferenceResults> {
  const built = buildPairs([...records], tokenizer, opts.tokenization, true);
  const examples: ScoreExample[] = [...built.pairs.map((p) => p.chosen), ...built.pairs.map((p) => p.rejected!)];
  const n = built.pairs.length;
  const padId = tokenizer.padTokenId ?? 0;
  const reference = opts.reference;
  // Progress counts the policy's sequences, then the reference model's when there is one.
  const total = reference && isModel(reference) ? 4 * n : 2 * n;
  const scores = await scoreInBatches(model, examples, {
    ...opts,
    padId,
    onProgress: opts.onProgress ? (done) => opts.onProgress!(done, total) : undefined,
  });
  let refLogps: ReferencePairLogps | null = null;
  if (reference && isModel(reference)) {
    const refScores = await scoreInBatches(reference, examples, {
      ...opts,
      padId,
      onProgress: opts.onProgress ? (done) => opts.onProgress!(2 * n + done, total) : undefined,
    });
    refLogps = { chosen: refScores.slice(0, n).map((s) => s.sumLogProb), rejected: refScores.slice(n).map((s) => s.sumLogProb) };
  } else if (reference) {
    if (reference.chosen.length !== n || reference.rejected.length !== n)
      throw new RangeError(`Reference log-probs are given for ${reference.chosen.length} pairs but ${n} pairs are scored.`);
    refLogps = reference;
  }
  const beta = opts.beta ?? DEFAULT_BETA;
  const inputs: PreferencePairScores[] = built.pairs.map((_, i) => ({
    chosenLogp: scores[i]!.sumLogProb,
    rejectedLogp: scores[n + i]!.sumLogProb,
    chosenTokens: scores[i]!.tokenCount,
    rejectedTokens: scores[n + i]!.tokenCount,
    chosenMeanLogit: scores[i]!.meanLogit,
    rejectedMeanLogit: scores[n + i]!.meanLogit,
    ...(refLogps ? { refChosenLogp: refLogps.chosen[i]!, refRejectedLogp: refLogps.rejected[i]! } : {}),
  }));
  return {
    pairs: inputs.map((p, i) => ({ record: built.pairs[i]!.record, ...p, ...scorePreferencePair(p, beta) })),
    skipped: built.skipped,
    metrics: preferenceMetrics(inputs, beta),
  };
}
