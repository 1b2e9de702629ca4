/**
 * Perplexity of documents, as lm-evaluation-harness aggregates rolling
 * log-likelihoods (../shared/evaluation.md, "Capability"): every variant is a
 * ratio of sums over the whole set, never a mean of per-document ratios.
 *
 *   perplexity      = exp(−Σ ℓ_doc / Σ tokens)
 *   word_perplexity = exp(−Σ ℓ_doc / Σ words)
 *   byte_perplexity = exp(−Σ ℓ_doc / Σ UTF-8 bytes)
 *   bits_per_byte   = −Σ ℓ_doc / (Σ UTF-8 bytes · ln 2)
 *
 * The word and byte variants do not depend on the tokenizer, so two models
 * with different tokenizers can be compared on them.
 */

export interface PerplexityDocument {
  /** Summed log-likelihood of the document's tokens (natural log, ≤ 0). */
  logLikelihood: number;
  /** Number of scored tokens. */
  tokens: number;
  /** Words as lm-eval counts them (`countWords`). */
  words: number;
  /** UTF-8 bytes (`countUtf8Bytes`). */
  bytes: number;
}

export interface PerplexityMetrics {
  documents: number;
  logLikelihood: number;
  tokens: number;
  words: number;
  bytes: number;
  /** Each is null when its denominator is 0 (no documents, or no tokens/words/bytes). */
  perplexity: number | null;
  word_perplexity: number | null;
  byte_perplexity: number | null;
  bits_per_byte: number | null;
}

/**
 * Whitespace as Python's `re` `\s` matches it in a str pattern (what lm-eval's
 * `re.split(r"\s+", doc)` splits on). JavaScript's `\s` differs on a few
 * characters: it also matches U+FEFF and misses U+001C–U+001F and U+0085.
 */
// eslint-disable-next-line no-control-regex -- U+001C–U+001F are whitespace to Python.
const PYTHON_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/**
 * Words as lm-eval counts them for word_perplexity: `len(re.split(r"\s+", doc))`.
 * Leading or trailing whitespace yields an empty piece that counts as a word,
 * and an empty document counts 1, exactly as there.
 */
export function countWords(text: string): number {
  return text.split(PYTHON_WHITESPACE).length;
}

const encoder = new TextEncoder();

/** UTF-8 length of a text: lm-eval's `len(doc.encode("utf-8"))`. */
export function countUtf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

/** The tokenizer-free counts of one document. */
export function documentCounts(text: string): { words: number; bytes: number } {
  return { words: countWords(text), bytes: countUtf8Bytes(text) };
}

/** All four variants over a set of documents (ratios of sums). */
export function perplexityMetrics(documents: readonly PerplexityDocument[]): PerplexityMetrics {
  let logLikelihood = 0;
  let tokens = 0;
  let words = 0;
  let bytes = 0;
  for (const d of documents) {
    logLikelihood += d.logLikelihood;
    tokens += d.tokens;
    words += d.words;
    bytes += d.bytes;
  }
  const per = (count: number) => (count > 0 ? Math.exp(-logLikelihood / count) : null);
  return {
    documents: documents.length,
    logLikelihood,
    tokens,
    words,
    bytes,
    perplexity: per(tokens),
    word_perplexity: per(words),
    byte_perplexity: per(bytes),
    bits_per_byte: bytes > 0 ? -logLikelihood / (bytes * Math.LN2) : null,
  };
}
