/**
 * ℓref(y|x) of mmpo-spec.md (Notation): summed response log-probs under the
 * frozen starting model, computed once for every pair and then read as
 * constants by MMPO (M5), DPO and IPO. The result is plain numbers so the
 * caller can persist it, keyed by `referenceCacheKey`.
 */
import { createHash } from 'node:crypto';
import { scoreBatch, type CausalLM, type ScoreExample } from '../engine';
import type { TokenizedPair, TokenizationSettings } from './data';

export interface ReferenceLogps {
  /** Per pair, in the order of the pairs given: Σ log p of the chosen / rejected response. */
  chosen: number[];
  rejected: number[];
  /** Response token counts (the same as the policy's, kept to check a cache matches). */
  chosenLength: number[];
  rejectedLength: number[];
}

export interface ReferenceOptions {
  /** Sequences per forward pass. */
  batchSize?: number;
  padId?: number;
  /** Called after each batch with sequences done and total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Scores both sides of every pair with `model` as it is now (call before
 * training starts; with LoRA, before the adapter moves — B = 0 at init, so the
 * adapted model equals the base). Pairs without a rejected side get NaN there.
 */
export async function computeReferenceLogps(model: CausalLM, pairs: TokenizedPair[], opts: ReferenceOptions = {}): Promise<ReferenceLogps> {
  const batchSize = opts.batchSize ?? 8;
  const sequences: { pair: number; side: 'chosen' | 'rejected'; example: ScoreExample }[] = [];
  pairs.forEach((p, i) => {
    sequences.push({ pair: i, side: 'chosen', example: p.chosen });
    if (p.rejected) sequences.push({ pair: i, side: 'rejected', example: p.rejected });
  });
  // Similar lengths together: less padding per batch.
  sequences.sort((a, b) => a.example.inputIds.length - b.example.inputIds.length);
  const out: ReferenceLogps = {
    chosen: new Array<number>(pairs.length).fill(NaN),
    rejected: new Array<number>(pairs.length).fill(NaN),
    chosenLength: new Array<number>(pairs.length).fill(0),
    rejectedLength: new Array<number>(pairs.length).fill(0),
  };
  for (let start = 0; start < sequences.length; start += batchSize) {
    const chunk = sequences.slice(start, start + batchSize);
    const scores = await scoreBatch(
      model,
      chunk.map((s) => s.example),
      { padId: opts.padId ?? 0 },
    );
    chunk.forEach((s, j) => {
      out[s.side][s.pair] = scores[j]!.sumLogProb;
      out[s.side === 'chosen' ? 'chosenLength' : 'rejectedLength'][s.pair] = scores[j]!.tokenCount;
    });
    opts.onProgress?.(Math.min(start + batchSize, sequences.length), sequences.length);
  }
  return out;
}

export interface ReferenceKeyParts {
  /** Content hash of the reference model's weights (and config). */
  modelHash: string;
  /** Content hash of the dataset snapshot. */
  snapshotHash: string;
  tokenization: TokenizationSettings;
}

/** The cache key: sha256 over a canonical JSON of what determines the numbers. */
export function referenceCacheKey(parts: ReferenceKeyParts): string {
  const canonical = JSON.stringify({
    v: 1,
    model: parts.modelHash,
    snapshot: parts.snapshotHash,
    chat: parts.tokenization.chatTemplate,
    maxLength: parts.tokenization.maxLength,
    maxPromptLength: parts.tokenization.maxPromptLength,
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/** Whether a cached result fits these pairs (same count and response lengths). */
export function referenceMatches(ref: ReferenceLogps, pairs: TokenizedPair[]): boolean {
  const responseTokens = (e: ScoreExample) => e.lossMask.slice(1).reduce((n, x) => n + x, 0);
  return (
    ref.chosen.length === pairs.length &&
    pairs.every((p, i) => ref.chosenLength[i] === responseTokens(p.chosen) && (!p.rejected || ref.rejectedLength[i] === responseTokens(p.rejected)))
  );
}
