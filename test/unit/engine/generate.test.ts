import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultStopTokens, generate, generateText, sampleToken, type TokenEvent } from '../../../main/engine/generate';
import { loadModel, type LoadedModel } from '../../../main/engine/hf/folder';
import { SeededRng } from '../../../main/engine/rng';
import type { HfTokenizer } from '../../../main/engine/tokenizer';

let loaded: LoadedModel;
let tok: HfTokenizer;

beforeAll(async () => {
  await tf.setBackend('cpu');
  loaded = await loadModel(path.resolve(__dirname, '../../fixtures/models/tiny-llama'));
  tok = loaded.tokenizer!;
});
afterAll(() => loaded.model.dispose());

describe('sampleToken', () => {
  const logits = Float32Array.from([1, 3, 2, 0.5]);

  it('is greedy at temperature 0, with top-k 1 and with a tiny top-p', () => {
    const rng = new SeededRng(1);
    expect(sampleToken(logits, [], {}, rng)).toBe(1);
    for (let i = 0; i < 20; i++) {
      expect(sampleToken(logits, [], { temperature: 5, topK: 1 }, rng)).toBe(1);
      expect(sampleToken(logits, [], { temperature: 5, topP: 0.01 }, rng)).toBe(1);
    }
  });

  it('applies the repetition penalty to seen tokens', () => {
    // 3 / 2 = 1.5 < 2: the seen best token loses to token 2.
    expect(sampleToken(logits, [1], { repetitionPenalty: 2 }, new SeededRng(1))).toBe(2);
  });

  it('samples in proportion to softmax(logits / T), restricted by top-k', () => {
    const rng = new SeededRng(42);
    const counts = [0, 0, 0, 0];
    const n = 4000;
    for (let i = 0; i < n; i++) counts[sampleToken(logits, [], { temperature: 1, topK: 3 }, rng)]!++;
    const z = Math.exp(1) + Math.exp(3) + Math.exp(2);
    expect(counts[3]).toBe(0);
    expect(counts[1]! / n).toBeCloseTo(Math.exp(3) / z, 1);
    expect(counts[2]! / n).toBeCloseTo(Math.exp(2) / z, 1);
  });
});

describe('generate on the tiny Llama fixture', () => {
  const prompts = () => [tok.encode('the cat sat on'), tok.encode('hello')];

  it('greedy with the KV cache equals greedy by re-running the full sequence', async () => {
    const opts = { maxNewTokens: 8, stopTokenIds: [] };
    const cached = await generate(loaded.model, prompts(), opts);
    const rerun = await generate(loaded.model, prompts(), { ...opts, useCache: false });
    expect(cached.tokens).toEqual(rerun.tokens);
    expect(cached.tokens.map((t) => t.length)).toEqual([8, 8]);
    expect(cached.finishReasons).toEqual(['length', 'length']);
  });

  it('gives each prompt of a left-padded batch the same greedy output as alone', async () => {
    const [a, b] = prompts();
    const batched = await generate(loaded.model, [a!, b!], { maxNewTokens: 6, stopTokenIds: [] });
    const alone = await generate(loaded.model, [b!], { maxNewTokens: 6, stopTokenIds: [] });
    expect(batched.tokens[1]).toEqual(alone.tokens[0]);
  });

  it('is deterministic for a seed and varies across seeds; streams every token; leaks nothing', async () => {
    const opts = { maxNewTokens: 10, temperature: 1.5, topP: 0.95, stopTokenIds: [] };
    const before = tf.memory().numTensors;
    const events: TokenEvent[] = [];
    const a = await generate(loaded.model, prompts(), { ...opts, seed: 7, onToken: (e) => events.push(e) });
    const b = await generate(loaded.model, prompts(), { ...opts, seed: 7 });
    const c = await generate(loaded.model, prompts(), { ...opts, seed: 8 });
    expect(tf.memory().numTensors).toBe(before);
    expect(a.tokens).toEqual(b.tokens);
    expect(a.tokens).not.toEqual(c.tokens);
    expect(events.filter((e) => e.sequence === 0).map((e) => e.tokenId)).toEqual(a.tokens[0]);
    expect(events.filter((e) => e.sequence === 1).map((e) => e.step)).toEqual(a.tokens[1]!.map((_, i) => i));
  });

  it('stops at a stop token and at a stop sequence, cutting the text there', async () => {
    const free = await generate(loaded.model, prompts().slice(0, 1), { maxNewTokens: 6, stopTokenIds: [] });
    const third = free.tokens[0]![2]!;
    const stopped = await generate(loaded.model, prompts().slice(0, 1), { maxNewTokens: 6, stopTokenIds: [third] });
    expect(stopped.finishReasons).toEqual(['stop_token']);
    expect(stopped.tokens[0]).toEqual(free.tokens[0]!.slice(0, free.tokens[0]!.indexOf(third)));

    const freeText = tok.decode(free.tokens[0]!, { skipSpecialTokens: true });
    const stopSequence = freeText.slice(2, 4);
    const texts: string[] = [];
    const res = await generateText(loaded.model, tok, ['the cat sat on'], {
      maxNewTokens: 6,
      stopTokenIds: [],
      stopSequences: [stopSequence],
      onText: (_, t) => texts.push(t),
    });
    expect(res.finishReasons).toEqual(['stop_sequence']);
    expect(res.texts[0]).toBe(freeText.slice(0, freeText.indexOf(stopSequence)));
    expect(texts.at(-1)).toContain(stopSequence);
  });

  it('stops on EOS ids from config.json, generation_config.json and the tokenizer', () => {
    const ids = defaultStopTokens(loaded.model, tok, { eos_token_id: [7, 8] });
    expect(ids).toEqual(expect.arrayContaining([tok.eosTokenId, 7, 8]));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('wraps prompts in the chat template when asked', async () => {
    const res = await generateText(loaded.model, tok, ['hello'], { chat: true, maxNewTokens: 3, stopTokenIds: [] });
    const ids = tok.encode(tok.applyChatTemplate([{ role: 'user', content: 'hello' }], { addGenerationPrompt: true }), {
      addSpecialTokens: false,
    });
    const direct = await generate(loaded.model, [ids], { maxNewTokens: 3, stopTokenIds: [] });
    expect(res.tokens).toEqual(direct.tokens);
  });
});
