import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type HfTokenizer, type LoadedModel } from '../../../main/engine';
import { continuationOf, encodeRequest, requestExample, scoreChoices } from '../../../main/evaluation';
import { handLogLikelihood, MODELS, range } from './helpers';

let llama: LoadedModel;
let tok: HfTokenizer;

beforeAll(async () => {
  await tf.setBackend('cpu');
  llama = await loadModel(path.join(MODELS, 'tiny-llama'));
  tok = llama.tokenizer!;
});
afterAll(() => llama.model.dispose());

const plain = (s: string) => tok.encode(s, { addSpecialTokens: false });

/** ℓ of a (context, choice) request by hand: lm-eval's split, then one forward pass over context + continuation. */
async function handChoice(context: string, choice: string): Promise<number> {
  const contextIds = plain(context);
  const continuation = plain(context + ' ' + choice).slice(contextIds.length);
  const ids = [...contextIds, ...continuation];
  return handLogLikelihood(llama.model, ids, range(contextIds.length, ids.length));
}

const ITEMS = [
  { context: 'The cat sat on the', choices: ['mat', 'big red mat by the door', 'dog'], gold: 2 },
  { context: 'hello', choices: ['world', 'there my friend', 'x'], gold: 1 },
  { context: 'Question: what is blue? Answer:', choices: ['the sky', 'grass', 'a very old tree in the park'], gold: 2 },
];

describe('lm-eval request encoding', () => {
  it('prepends the target delimiter unless the choice starts with whitespace', () => {
    expect(continuationOf('Paris')).toBe(' Paris');
    expect(continuationOf(' Paris')).toBe(' Paris');
    expect(continuationOf('\nParis')).toBe('\nParis');
    expect(continuationOf('Paris', '')).toBe('Paris');
  });

  it('moves trailing whitespace of the context into the continuation', () => {
    const r = encodeRequest(tok, 'Answer: ', 'Paris');
    expect(r.context).toEqual(plain('Answer:'));
    expect(r.continuation).toEqual(plain('Answer: Paris').slice(plain('Answer:').length));
  });

  it('an empty context is the BOS token, and the continuation is encoded alone', () => {
    const r = encodeRequest(tok, '', ' Paris');
    expect(r.context).toEqual([tok.bosTokenId]);
    expect(r.continuation).toEqual(plain(' Paris'));
  });

  it('cuts the continuation from the whole string by the count of context tokens when BPE merges across the boundary', () => {
    // Find (context, continuation) splits inside a word, where the whole string's tokens do not start with the context's.
    const words = ['the cat', 'hello there', 'question', 'answer', 'tokenizer', 'preference', 'evaluation', 'sky blue'];
    const merged: { context: string; continuation: string }[] = [];
    for (const w of words)
      for (let cut = 1; cut < w.length; cut++) {
        const [context, continuation] = [w.slice(0, cut), w.slice(cut)];
        if (context.endsWith(' ')) continue; // that space moves to the continuation (tested above)
        const c = plain(context);
        const whole = plain(context + continuation);
        if (c.some((id, i) => whole[i] !== id)) merged.push({ context, continuation });
      }
    expect(merged.length).toBeGreaterThan(0);
    for (const { context, continuation } of merged) {
      const r = encodeRequest(tok, context, continuation);
      expect(r.context).toEqual(plain(context));
      expect(r.continuation).toEqual(plain(context + continuation).slice(plain(context).length));
      const ex = requestExample(r.context, r.continuation, 100);
      expect(ex.inputIds).toEqual([...r.context, ...r.continuation]);
      expect(ex.lossMask).toEqual([...r.context.map(() => 0), ...r.continuation.map(() => 1)]);
    }
  });

  it('keeps the last maxLength + 1 tokens, dropping the context from the left', () => {
    const ex = requestExample([1, 2, 3, 4, 5], [6, 7], 4);
    expect(ex.inputIds).toEqual([3, 4, 5, 6, 7]);
    expect(ex.lossMask).toEqual([0, 0, 0, 1, 1]);
  });
});

describe('scoreChoices on the tiny Llama fixture', () => {
  it('ℓ of every choice equals a full forward pass with log-softmax gathered by hand, in input order across length batches', async () => {
    const r = await scoreChoices(llama.model, tok, ITEMS, { maxBatchSize: 2 });
    expect(r.items).toHaveLength(3);
    for (const [i, item] of ITEMS.entries()) {
      const got = r.items[i]!;
      expect(got.invalid).toBeNull();
      expect(got.choiceLengths).toEqual(item.choices.map((c) => c.length));
      for (const [c, choice] of item.choices.entries()) {
        expect(got.logLikelihoods[c]).toBeCloseTo(await handChoice(item.context, choice), 4);
        expect(got.tokenCounts[c]).toBe(plain(item.context + ' ' + choice).length - plain(item.context).length);
      }
    }
    // Batched (2 sequences a pass, by length) and unbatched give the same numbers.
    const whole = await scoreChoices(llama.model, tok, ITEMS, { maxBatchSize: 100 });
    whole.items.forEach((it, i) => it.logLikelihoods.forEach((ll, c) => expect(ll).toBeCloseTo(r.items[i]!.logLikelihoods[c]!, 4)));
  });

  it('a 3-item set where acc and acc_norm disagree: both from the hand-computed log-likelihoods', async () => {
    const r = await scoreChoices(llama.model, tok, ITEMS);
    const hand = await Promise.all(ITEMS.map((it) => Promise.all(it.choices.map((c) => handChoice(it.context, c)))));
    const argmax = (xs: number[]) => xs.indexOf(Math.max(...xs));
    const preds = hand.map(argmax);
    const predsNorm = hand.map((lls, i) => argmax(lls.map((ll, c) => ll / ITEMS[i]!.choices[c]!.length)));
    // The fixture's log-likelihoods: item 1 prefers the 1-character "x" by sum but "there my friend" per character.
    expect(preds).toEqual([2, 2, 0]);
    expect(predsNorm).toEqual([2, 1, 0]);
    expect(r.items.map((it) => it.score!.pred)).toEqual(preds);
    expect(r.items.map((it) => it.score!.predNorm)).toEqual(predsNorm);
    expect(r.items.map((it) => [it.score!.acc, it.score!.acc_norm])).toEqual([
      [1, 1],
      [0, 1],
      [0, 0],
    ]);
    expect(r.summary.n).toBe(3);
    expect(r.summary.acc!.mean).toBeCloseTo(1 / 3, 12);
    expect(r.summary.acc_norm!.mean).toBeCloseTo(2 / 3, 12);
    expect(r.summary.acc!.stderr).toBeCloseTo(Math.sqrt(((1 / 3) * (2 / 3)) / 3), 12);
    expect(r.summary.acc_norm!.stderr).toBeCloseTo(Math.sqrt(((2 / 3) * (1 / 3)) / 3), 12);
  });

  it('lists invalid items with why and scores the rest', async () => {
    const r = await scoreChoices(llama.model, tok, [
      ITEMS[0]!,
      { context: 'x', choices: [], gold: 0 },
      { context: 'x', choices: ['a', 'b'], gold: 2 },
      { context: 'x', choices: ['a', ''], gold: 0 },
    ]);
    expect(r.items.map((it) => it.invalid)).toEqual([null, 'no choices', 'gold index 2 is out of range (0–1)', 'choice 1 is empty']);
    expect(r.items[1]!.score).toBeNull();
    expect(r.summary.n).toBe(1);
    expect(r.summary.acc!.mean).toBe(1);
  });

  it('reports progress after each batch and stops between batches when aborted', async () => {
    const controller = new AbortController();
    const progress: [number, number][] = [];
    const run = scoreChoices(llama.model, tok, ITEMS, {
      maxBatchSize: 2,
      signal: controller.signal,
      onProgress: (done, total) => {
        progress.push([done, total]);
        if (done === 4) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(progress).toEqual([
      [2, 9],
      [4, 9],
    ]);

    const full: [number, number][] = [];
    await scoreChoices(llama.model, tok, ITEMS, { maxBatchSize: 4, onProgress: (d, t) => full.push([d, t]) });
    expect(full).toEqual([
      [4, 9],
      [8, 9],
      [9, 9],
    ]);

    const before = new AbortController();
    before.abort();
    const none: number[] = [];
    await expect(scoreChoices(llama.model, tok, ITEMS, { signal: before.signal, onProgress: (d) => none.push(d) })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(none).toEqual([]);
  });
});
