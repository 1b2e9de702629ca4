import { describe, expect, it } from 'vitest';
import { countUtf8Bytes, countWords, documentCounts, perplexityMetrics } from '../../../shared/stats/perplexity';

describe('perplexity (lm-eval rolling log-likelihood aggregation)', () => {
  it('counts words and UTF-8 bytes as lm-eval does', () => {
    expect(documentCounts('hello world')).toEqual({ words: 2, bytes: 11 });
    // ï and é are 2 bytes each in UTF-8: 10 characters → 12 bytes.
    expect(documentCounts('naïve café')).toEqual({ words: 2, bytes: 12 });
    // len(re.split(r"\s+", doc)): leading/trailing whitespace gives empty pieces that count.
    expect(countWords(' a  b\n')).toBe(4);
    expect(countWords('')).toBe(1);
    expect(countWords('a\tb\u00a0c')).toBe(3);
    // Python's \s includes U+001F and U+0085 but not U+FEFF (JavaScript's \s is the reverse).
    expect(countWords('a\u001fb\u0085c')).toBe(3);
    expect(countWords('a\ufeffb')).toBe(1);
    expect(countUtf8Bytes('😀')).toBe(4);
  });

  it('aggregates a two-document set as ratios of sums', () => {
    // doc 1 'hello world': ℓ = −10, 4 tokens, 2 words, 11 bytes
    // doc 2 'naïve café':  ℓ = −14, 6 tokens, 2 words, 12 bytes
    // Σℓ = −24, Σtokens = 10, Σwords = 4, Σbytes = 23
    // perplexity      = exp(24/10) = exp(2.4)   = 11.023176380641601
    // word_perplexity = exp(24/4)  = exp(6)     = 403.4287934927351
    // byte_perplexity = exp(24/23)              = 2.8390749034003155
    // bits_per_byte   = 24 / (23 · ln 2)        = 1.5054209122319617
    // (a mean of per-document token perplexities would be (e^2.5 + e^(14/6))/2 = 11.2474, not this)
    const docs = [
      { logLikelihood: -10, tokens: 4, ...documentCounts('hello world') },
      { logLikelihood: -14, tokens: 6, ...documentCounts('naïve café') },
    ];
    const m = perplexityMetrics(docs);
    expect(m).toMatchObject({ documents: 2, logLikelihood: -24, tokens: 10, words: 4, bytes: 23 });
    expect(m.perplexity).toBeCloseTo(11.023176380641601, 10);
    expect(m.word_perplexity).toBeCloseTo(403.4287934927351, 9);
    expect(m.byte_perplexity).toBeCloseTo(2.8390749034003155, 12);
    expect(m.bits_per_byte).toBeCloseTo(1.5054209122319617, 12);
    // bits_per_byte = log2(byte_perplexity)
    expect(Math.log2(m.byte_perplexity!)).toBeCloseTo(m.bits_per_byte!, 12);
  });

  it('gives null, not NaN, for an empty set', () => {
    expect(perplexityMetrics([])).toMatchObject({ perplexity: null, word_perplexity: null, byte_perplexity: null, bits_per_byte: null });
  });
});
