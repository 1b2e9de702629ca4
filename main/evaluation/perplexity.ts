/**
 * Rolling log-likelihood of documents, as lm-evaluation-harness's
 * `loglikelihood_rolling` computes it (HFLM, lm-eval 0.4), for the perplexity
 * variants of shared/stats/perplexity.ts (../../../shared/evaluation.md):
 *
 * - a document is tokenized without special tokens; its first token is
 *   predicted from the prefix token (BOS, else EOS), so every token is scored;
 * - `get_rolling_token_windows(context_len=1)` + `make_disjoint_window`: the
 *   first window predicts the first min(maxLength, n) tokens, each next one up
 *   to maxLength further tokens with as much left context as fits, so the
 *   model reads at most maxLength tokens and every token is predicted once;
 * - ℓ_doc is the sum over the windows, and the token count is the document's.
 */
import type { CausalLM, HfTokenizer, ScoreExample } from '../engine';
import { documentCounts, perplexityMetrics, type PerplexityDocument, type PerplexityMetrics } from '../../shared/stats/perplexity';
import { scoreInBatches, type BatchOptions } from './batches';
import { checkMaxLength, prefixTokenId } from './tokens';

export interface DocumentOptions extends BatchOptions {
  /** Tokens the model reads per window (lm-eval's `max_length`); at most max_position_embeddings − 1. */
  maxLength: number;
}

export interface DocumentResult extends PerplexityDocument {
  /** Windows the document was scored in. */
  windows: number;
}

export interface DocumentResults {
  documents: DocumentResult[];
  /** perplexity, word_perplexity, byte_perplexity, bits_per_byte (ratios of sums). */
  metrics: PerplexityMetrics;
}

/**
 * The engine examples of a document's rolling windows: each holds the tokens
 * the model reads followed by the last predicted token, with the loss mask on
 * the predicted ones. No tokens, no windows.
 */
export function rollingWindows(tokens: readonly number[], prefixToken: number, maxLength: number): ScoreExample[] {
  const n = tokens.length;
  if (n === 0) return [];
  const windows: ScoreExample[] = [];
  const first = Math.min(maxLength, n);
  windows.push({ inputIds: [prefixToken, ...tokens.slice(0, first)], lossMask: [0, ...new Array<number>(first).fill(1)] });
  let predicted = first;
  while (predicted < n) {
    const predict = Math.min(n - predicted, maxLength);
    const end = predicted + predict;
    // Context and predictions together: tokens[end − maxLength − 1, end), of which the last `predict` are scored.
    const ids = tokens.slice(end - maxLength - 1, end);
    windows.push({ inputIds: ids, lossMask: ids.map((_, i) => (i >= ids.length - predict ? 1 : 0)) });
    predicted = end;
  }
  return windows;
}

/** ℓ_doc, token, word and byte counts of every document, and the perplexity variants over them. */
export async function scoreDocuments(
  model: CausalLM,
  tokenizer: HfTokenizer,
  docs: readonly string[],
  opts: DocumentOptions,
): Promise<DocumentResults> {
  const maxLength = checkMaxLength(model, opts.maxLength);
  const prefix = prefixTokenId(tokenizer);
  const examples: ScoreExample[] = [];
  const owner: number[] = [];
  const documents: DocumentResult[] = docs.map((text, d) => {
    const tokens = tokenizer.encode(text, { addSpecialTokens: false });
    const windows = rollingWindows(tokens, prefix, maxLength);
    for (const w of windows) {
      examples.push(w);
      owner.push(d);
    }
    return { logLikelihood: 0, tokens: tokens.length, windows: windows.length, ...documentCounts(text) };
  });
  const scores = await scoreInBatches(model, examples, { ...opts, padId: tokenizer.padTokenId ?? 0 });
  scores.forEach((s, k) => (documents[owner[k]!]!.logLikelihood += s.sumLogProb));
  return { documents, metrics: perplexityMetrics(documents) };
}
