/**
 * Plain causal-LM pre-training: every token of every text predicts the next
 * one (mean cross-entropy over the batch's real tokens). Used to make the demo
 * model, so a newcomer's first preference run starts from a model that already
 * speaks the demo's language. Tensor code is tf ops only (engine scoring +
 * AdamW), so it runs on every backend; the caller picks the backend.
 */
import * as tf from '@tensorflow/tfjs';
import { padBatch, scoreTensors, type CausalLM, type HfTokenizer, type ScoreExample } from '../engine';
import type { ScheduleConfig } from '../../shared/training';
import { epochOrder } from './data';
import { AdamW, clipByGlobalNorm } from './optimizer';
import { lrAt } from './schedule';

export interface PretrainOptions {
  /** Optimizer steps to take; give this or `epochs` (passes over the texts), not both. */
  steps?: number;
  epochs?: number;
  /** Texts per optimizer step. */
  batchSize: number;
  /** Texts longer than this many tokens lose tokens from the right. */
  maxLength: number;
  /** Peak learning rate. */
  lr: number;
  /** Seeds the order of the texts in every epoch. */
  seed: number;
  /** Decoupled weight decay (never on biases and norm weights); default 0. */
  weightDecay?: number;
  /** Default: cosine to 0 after 5% linear warmup. */
  schedule?: ScheduleConfig;
  /** Global gradient-norm clip; null = none. Default 1. */
  maxGradNorm?: number | null;
  /** Called after each step with its 1-based number and mean token loss (nats). */
  onStep?: (step: number, loss: number) => void;
}

export interface PretrainResult {
  /** Mean token cross-entropy of each step's batch, before its update. */
  losses: number[];
}

/** Biases and norm weights are not decayed (the HF Trainer's rule, as in trainer.ts). */
function decays(name: string): boolean {
  return !name.endsWith('.bias') && !/norm|ln_/.test(name);
}

/**
 * Tokenizes texts as they are: no special tokens are added, so render chat
 * templates and add BOS/EOS markers in the text yourself. Texts of fewer than
 * two tokens predict nothing and are dropped.
 */
export function tokenizeForPretraining(tokenizer: HfTokenizer, texts: string[], maxLength: number): ScoreExample[] {
  return texts
    .map((t) => tokenizer.encode(t, { addSpecialTokens: false }).slice(0, maxLength))
    .filter((ids) => ids.length >= 2)
    .map((ids) => ({ inputIds: ids, lossMask: ids.map(() => 1) }));
}

/** Index batches: seeded shuffles of 0..n−1, one per epoch, cut into batches that may run across epochs. */
function batchIndices(n: number, batchSize: number, seed: number): () => number[] {
  let epoch = 0;
  let order = epochOrder(n, seed, epoch);
  let pos = 0;
  return () => {
    const batch: number[] = [];
    while (batch.length < batchSize) {
      if (pos === n) {
        order = epochOrder(n, seed, ++epoch);
        pos = 0;
      }
      batch.push(order[pos++]!);
    }
    return batch;
  };
}

/**
 * Trains `model` in place on `texts` with AdamW and returns each step's loss.
 * Throws on a non-finite loss before applying that step's update.
 */
export async function pretrain(model: CausalLM, tokenizer: HfTokenizer, texts: string[], opts: PretrainOptions): Promise<PretrainResult> {
  if ((opts.steps === undefined) === (opts.epochs === undefined)) throw new Error('pretrain: give exactly one of steps and epochs');
  const examples = tokenizeForPretraining(tokenizer, texts, opts.maxLength);
  if (examples.length === 0) throw new Error('pretrain: no text has two or more tokens');
  const batchSize = Math.min(opts.batchSize, examples.length);
  const total = opts.steps ?? Math.ceil((opts.epochs! * examples.length) / batchSize);
  const schedule: ScheduleConfig = opts.schedule ?? { kind: 'cosine', warmupRatio: 0.05 };
  const named = [...model.weights.entries()];
  const variables = named.map(([, v]) => v);
  // The tidy frees the zero tensors AdamW initialises its moment variables from (the variables keep the data).
  let optimizer!: AdamW;
  tf.tidy(() => {
    optimizer = new AdamW(
      variables,
      { lr: opts.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: opts.weightDecay ?? 0 },
      named.map(([n]) => decays(n)),
    );
  });
  const padId = tokenizer.padTokenId ?? 0;
  const nextBatch = batchIndices(examples.length, batchSize, opts.seed);
  const losses: number[] = [];
  try {
    for (let step = 0; step < total; step++) {
      const batch = padBatch(
        nextBatch().map((i) => examples[i]!),
        padId,
      );
      try {
        const { value, grads } = tf.variableGrads(() => {
          const s = scoreTensors(model, batch);
          return tf.div<tf.Scalar>(tf.neg(tf.sum(s.sumLogProb)), tf.maximum(tf.sum(s.tokenCount), 1));
        }, variables);
        const loss = (await value.data())[0]!;
        value.dispose();
        const ordered = variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
        if (!Number.isFinite(loss)) {
          tf.dispose(ordered);
          throw new Error(`pretrain: step ${step + 1} loss is ${loss}; lower the learning rate`);
        }
        const clipped = await clipByGlobalNorm(ordered, opts.maxGradNorm === undefined ? 1 : opts.maxGradNorm);
        tf.dispose(ordered);
        optimizer.apply(clipped.grads, lrAt(step, total, schedule, opts.lr));
        tf.dispose(clipped.grads);
        losses.push(loss);
        opts.onStep?.(step + 1, loss);
      } finally {
        tf.dispose([batch.inputIds, batch.attentionMask, batch.lossMask]);
      }
    }
  } finally {
    optimizer.dispose();
  }
  return { losses };
}
