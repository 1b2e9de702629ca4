/**
 * Generations of a win-rate item (main/evaluation/generation.ts) on the demo
 * model: the same seed gives the same responses, a response does not depend
 * on which other prompts were generated with it or in what order (so it can
 * be cached per prompt), another seed samples differently, and a repeated
 * prompt is a new sample. Also the prompts file reader of the eval worker.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LoadedModel } from '../../../main/engine';
import {
  generateResponses,
  promptHash,
  promptSeed,
  type GeneratedResponse,
  type GenerationPrompt,
  type GenerationSettings,
} from '../../../main/evaluation/generation';
import { readPromptsFile } from '../../../main/core/evals/win-rate-task';

const DEMO_MODEL = path.resolve(__dirname, '../../../assets/demo/model');
let demo: LoadedModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  demo = await loadModel(DEMO_MODEL);
});
afterAll(() => demo.model.dispose());

const ask = (text: string): GenerationPrompt => ({ messages: [{ role: 'user', content: text }], system: null });
const PROMPTS = [
  'Name a tool. Reply in uppercase.',
  'List 3 colors in exactly 3 words.',
  'Ask me about a fruit. End with a question mark.',
].map(ask);
const SETTINGS: GenerationSettings = { temperature: 1, topP: 1, topK: 0, maxTokens: 12, seed: 0, chat: true };

async function responses(prompts: GenerationPrompt[], settings: GenerationSettings, sample = 0): Promise<GeneratedResponse[]> {
  const out: GeneratedResponse[] = [];
  await generateResponses(
    demo.model,
    demo.tokenizer!,
    prompts.map((prompt) => ({ hash: promptHash(prompt, sample), prompt })),
    settings,
    { onResponse: (i, r) => (out[i] = r), onInvalid: (i, reason) => expect.fail(`prompt ${i}: ${reason}`) },
  );
  return out;
}

describe('win-rate generations', () => {
  it('gives the same responses for the same seed, whatever else is generated with them and in whatever order', async () => {
    const all = await responses(PROMPTS, SETTINGS);
    expect(all).toHaveLength(3);
    for (const r of all) {
      expect(r.tokens).toBeGreaterThan(0);
      expect(r.tokens).toBeLessThanOrEqual(12);
      expect(['stop_token', 'length']).toContain(r.finishReason);
    }
    expect(await responses(PROMPTS, SETTINGS)).toEqual(all);
    expect(await responses([PROMPTS[2]!], SETTINGS)).toEqual([all[2]]);
    expect(await responses([...PROMPTS].reverse(), SETTINGS)).toEqual([...all].reverse());
  });

  it('samples differently with another seed, and a repeated prompt is a sample of its own', async () => {
    // Temperature 1 over the demo model's vocabulary: three prompts × 12 tokens all equal under two seeds is not a real outcome.
    const a = await responses(PROMPTS, SETTINGS);
    const b = await responses(PROMPTS, { ...SETTINGS, seed: 1 });
    expect(b.map((r) => r.text)).not.toEqual(a.map((r) => r.text));
    expect(promptHash(PROMPTS[0]!, 1)).not.toBe(promptHash(PROMPTS[0]!, 0));
    expect(promptSeed(0, promptHash(PROMPTS[0]!, 1))).not.toBe(promptSeed(0, promptHash(PROMPTS[0]!, 0)));
  });

  it('is greedy at temperature 0, where the seed makes no difference', async () => {
    const greedy = { ...SETTINGS, temperature: 0 };
    expect(await responses(PROMPTS, { ...greedy, seed: 5 })).toEqual(await responses(PROMPTS, greedy));
  });
});

describe('the prompts file of a win-rate item', () => {
  it('reads {prompt, meta?, system?} per line and lists the bad lines with their reason', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'prompts-'));
    try {
      const file = path.join(dir, 'prompts.jsonl');
      writeFileSync(
        file,
        [
          JSON.stringify({ prompt: 'Name a tool. Reply in uppercase.', meta: { rule: 'uppercase' } }),
          '{not json',
          JSON.stringify({ meta: { rule: 'uppercase' } }),
          '',
          JSON.stringify({ prompt: [{ role: 'user', content: 'Hi' }], system: 'Be brief.' }),
        ].join('\n'),
      );
      const read = readPromptsFile(file);
      expect(read.prompts).toEqual([
        { id: 'line-1', prompt: ask('Name a tool. Reply in uppercase.'), meta: { rule: 'uppercase' }, line: 1 },
        { id: 'line-5', prompt: { messages: [{ role: 'user', content: 'Hi' }], system: 'Be brief.' }, meta: null, line: 5 },
      ]);
      expect(read.invalid).toEqual([
        { itemId: 'line-2', reason: 'line 2 is not valid JSON' },
        { itemId: 'line-3', reason: 'line 3 has no "prompt" (a non-empty text or a message list)' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
