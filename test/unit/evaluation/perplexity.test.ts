import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LoadedModel } from '../../../main/engine';
import { rollingWindows, scoreDocuments } from '../../../main/evaluation';
import { handLogLikelihood, MODELS, range } from './helpers';

let llama: LoadedModel;
let gpt2: LoadedModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  llama = await loadModel(path.join(MODELS, 'tiny-llama'));
  gpt2 = await loadModel(path.join(MODELS, 'tiny-gpt2'));
});
afterAll(() => {
  llama.model.dispose();
  gpt2.model.dispose();
});

const DOC = 'The quick brown fox jumps over the lazy dog. A second sentence follows it, and then a third one.';

describe('rollingWindows (lm-eval get_rolling_token_windows + make_disjoint_window, context_len 1)', () => {
  it('predicts every token once, the first from the prefix token, with up to maxLength tokens of left context', () => {
    const tokens = range(1, 11); // 1..10
    const w = rollingWindows(tokens, 0, 4);
    expect(w.map((x) => x.inputIds)).toEqual([
      [0, 1, 2, 3, 4],
      [4, 5, 6, 7, 8],
      [6, 7, 8, 9, 10],
    ]);
    expect(w.map((x) => x.lossMask)).toEqual([
      [0, 1, 1, 1, 1],
      [0, 1, 1, 1, 1],
      [0, 0, 0, 1, 1],
    ]);
    expect(rollingWindows([7, 8], 0, 4)).toEqual([{ inputIds: [0, 7, 8], lossMask: [0, 1, 1] }]);
    expect(rollingWindows([], 0, 4)).toEqual([]);
  });
});

describe('scoreDocuments', () => {
  for (const name of ['llama', 'gpt2'] as const) {
    it(`a document shorter than maxLength: the sum of one full pass from the prefix token (tiny ${name})`, async () => {
      const { model, tokenizer } = name === 'llama' ? llama : gpt2;
      const tok = tokenizer!;
      const ids = tok.encode('the cat sat on the mat', { addSpecialTokens: false });
      const full = [tok.bosTokenId!, ...ids];
      const hand = await handLogLikelihood(model, full, range(1, full.length));
      const r = await scoreDocuments(model, tok, ['the cat sat on the mat'], { maxLength: 60 });
      expect(r.documents[0]!.windows).toBe(1);
      expect(r.documents[0]!.tokens).toBe(ids.length);
      expect(r.documents[0]!.logLikelihood).toBeCloseTo(hand, 4);
    });
  }

  it('a document longer than maxLength: the sum of its windows, assembled by hand', async () => {
    const tok = llama.tokenizer!;
    const t = tok.encode(DOC, { addSpecialTokens: false });
    const L = 8;
    expect(t.length).toBeGreaterThan(2 * L);
    const bos = tok.bosTokenId!;
    // Window 1 reads [BOS, t0..t6] and predicts t0..t7; then each window predicts the next ≤ 8 tokens from the 8 before them.
    let hand = await handLogLikelihood(llama.model, [bos, ...t.slice(0, L)], range(1, L + 1));
    let predicted = L;
    let windows = 1;
    while (predicted < t.length) {
      const end = Math.min(predicted + L, t.length);
      const ids = t.slice(end - L - 1, end); // L tokens read, then the last target
      hand += await handLogLikelihood(llama.model, ids, range(ids.length - (end - predicted), ids.length));
      predicted = end;
      windows++;
    }
    const r = await scoreDocuments(llama.model, tok, [DOC, 'short one'], { maxLength: L, maxBatchSize: 3 });
    const doc = r.documents[0]!;
    expect(doc.windows).toBe(windows);
    expect(doc.tokens).toBe(t.length);
    expect(doc.logLikelihood).toBeCloseTo(hand, 4);
    expect(doc.words).toBe(DOC.split(/\s+/).length);
    expect(doc.bytes).toBe(Buffer.byteLength(DOC, 'utf8'));
    const short = r.documents[1]!;
    const ll = doc.logLikelihood + short.logLikelihood;
    expect(r.metrics.tokens).toBe(doc.tokens + short.tokens);
    expect(r.metrics.perplexity).toBeCloseTo(Math.exp(-ll / (doc.tokens + short.tokens)), 6);
    expect(r.metrics.word_perplexity).toBeCloseTo(Math.exp(-ll / (doc.words + 2)), 6);
    expect(r.metrics.bits_per_byte).toBeCloseTo(-ll / ((doc.bytes + 9) * Math.LN2), 6);
  });

  it('an empty document scores 0 over 0 tokens; maxLength beyond the model is refused', async () => {
    const r = await scoreDocuments(llama.model, llama.tokenizer!, [''], { maxLength: 16 });
    expect(r.documents[0]).toMatchObject({ logLikelihood: 0, tokens: 0, windows: 0, bytes: 0 });
    await expect(scoreDocuments(gpt2.model, gpt2.tokenizer!, [DOC], { maxLength: 64 })).rejects.toThrow(/maxLength 64/);
  });

  it('stops between batches when aborted', async () => {
    const controller = new AbortController();
    const progress: number[] = [];
    const run = scoreDocuments(llama.model, llama.tokenizer!, [DOC, DOC], {
      maxLength: 8,
      maxBatchSize: 1,
      signal: controller.signal,
      onProgress: (done) => {
        progress.push(done);
        controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(progress).toEqual([1]);
  });
});
