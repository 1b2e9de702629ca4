import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildExample, HfTokenizer } from '../../../main/engine/tokenizer';

const DIR = path.resolve(__dirname, '../../fixtures/models/tiny-llama');
const golden = JSON.parse(readFileSync(path.join(DIR, 'golden.json'), 'utf8')) as {
  chat: { messages: { role: string; content: string }[]; add_generation_prompt: boolean; expected: string }[];
  tokenizer: { text: string; ids: number[] }[];
};

let tok: HfTokenizer;
beforeAll(async () => {
  const loaded = await HfTokenizer.fromFolder(DIR);
  if (!loaded) throw new Error('fixture has no tokenizer');
  tok = loaded;
});

describe('tokenizer on the fixture byte-level BPE', () => {
  it('encodes like the reference Python BPE encoder and decodes back to the text', () => {
    for (const { text, ids } of golden.tokenizer) {
      expect(tok.encode(text)).toEqual(ids);
      expect(tok.decode(ids)).toBe(text);
    }
    const unicode = 'naïve café ☕ — 12 tokens';
    expect(tok.decode(tok.encode(unicode))).toBe(unicode);
  });

  it('knows its special tokens', () => {
    expect(tok.eosToken).toBe('<|im_end|>');
    expect(tok.eosTokenId).toBe(tok.tokenToId('<|im_end|>'));
    expect(tok.padTokenId).toBe(tok.eosTokenId);
    expect(tok.bosTokenId).toBe(tok.tokenToId('<|im_start|>'));
    expect(tok.decode(tok.encode('<|im_start|>hi<|im_end|>'), { skipSpecialTokens: true })).toBe('hi');
    // A generation that stops at once produced nothing to decode.
    expect(tok.decode([])).toBe('');
  });

  it('renders the chat template exactly as Python jinja2 does', () => {
    for (const c of golden.chat) {
      expect(tok.applyChatTemplate(c.messages, { addGenerationPrompt: c.add_generation_prompt })).toBe(c.expected);
    }
  });
});

describe('buildExample', () => {
  it('puts loss only on response tokens, at the exact prompt/response boundary', () => {
    const ex = buildExample(tok, 'the cat sat', ' on the mat.');
    const promptIds = tok.encode('the cat sat');
    expect(ex.inputIds.slice(0, ex.promptLength)).toEqual(promptIds);
    expect(ex.inputIds).toEqual([...tok.encode('the cat sat on the mat.'), tok.eosTokenId]);
    expect(ex.lossMask).toEqual(ex.inputIds.map((_, i) => (i < promptIds.length ? 0 : 1)));
    expect(ex.boundaryMerged).toBe(false);
    expect(tok.decode(ex.inputIds.slice(ex.promptLength), { skipSpecialTokens: true })).toBe(' on the mat.');
  });

  it('moves the boundary back when the tokenizer merges across it', () => {
    // "h" + "e" tokenizes as one "he" token in the full text.
    const ex = buildExample(tok, 'h', 'e cat', { appendEos: false });
    expect(ex.boundaryMerged).toBe(true);
    expect(ex.promptLength).toBe(0);
    expect(ex.inputIds).toEqual(tok.encode('he cat'));
    expect(ex.lossMask[0]).toBe(1);
  });

  it('uses the chat template when asked: the assistant turn (with its end token) is the response', () => {
    const ex = buildExample(tok, 'hello', 'hello there!', { chat: true });
    const prompt = tok.applyChatTemplate([{ role: 'user', content: 'hello' }], { addGenerationPrompt: true });
    expect(ex.inputIds.slice(0, ex.promptLength)).toEqual(tok.encode(prompt, { addSpecialTokens: false }));
    expect(tok.decode(ex.inputIds.slice(ex.promptLength))).toBe('hello there!<|im_end|>\n');
  });

  it('puts a system message first when given one', () => {
    const ex = buildExample(tok, 'hello', 'hi', { chat: true, system: 'Be brief.' });
    expect(tok.decode(ex.inputIds.slice(0, ex.promptLength))).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('truncates the prompt from the left and the response from the right, and records it', () => {
    const full = buildExample(tok, 'what is the answer? tell me a story', ' the answer is yes. the sun and the sea.');
    const ex = buildExample(tok, 'what is the answer? tell me a story', ' the answer is yes. the sun and the sea.', {
      maxPromptLength: 4,
      maxLength: 9,
    });
    expect(ex.promptLength).toBe(4);
    expect(ex.responseLength).toBe(5);
    expect(ex.inputIds.slice(0, 4)).toEqual(full.inputIds.slice(full.promptLength - 4, full.promptLength));
    expect(ex.inputIds.slice(4)).toEqual(full.inputIds.slice(full.promptLength, full.promptLength + 5));
    expect(ex.truncation).toEqual({ promptTokensDropped: full.promptLength - 4, responseTokensDropped: full.responseLength - 5 });
    expect(ex.lossMask).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1]);
  });

  it('keeps at least one response token when the prompt alone exceeds maxLength', () => {
    const ex = buildExample(tok, 'what is the answer? tell me a story', ' yes', { maxLength: 3 });
    expect(ex.inputIds.length).toBe(3);
    expect(ex.responseLength).toBeGreaterThanOrEqual(1);
    expect(ex.truncation.promptTokensDropped).toBeGreaterThan(0);
  });
});
