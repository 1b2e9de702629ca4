/**
 * A model folder whose tokenizer does not belong to its checkpoint (issue 14
 * item 13) fails at load time with one sentence naming the folder and both
 * sizes — in the engine's loader (studio score/generate, the eval worker and
 * training all load through it) and when a folder is registered.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../../main/engine/errors';
import { configFromSpec } from '../../../main/engine/hf/config';
import { loadModel, saveModel } from '../../../main/engine/hf/folder';
import { createModel } from '../../../main/engine/models/causal-lm';
import { inspectModelFolder } from '../../../main/core/runs/models';
import { loadStartingModel } from '../../../main/training';

const TINY_LLAMA = path.resolve(__dirname, '../../fixtures/models/tiny-llama');
const tmp = mkdtempSync(path.join(tmpdir(), 'tokenizer-mismatch-'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** tiny-llama (vocab_size 299, tokenizer ids 0–298) with `edit` applied to a copy of its files. */
function tinyLlamaWith(
  name: string,
  edit: { tokenizer?: (t: Record<string, unknown>) => void; config?: (c: Record<string, unknown>) => void },
) {
  const dir = path.join(tmp, name);
  cpSync(TINY_LLAMA, dir, { recursive: true });
  for (const [file, fn] of [
    ['tokenizer.json', edit.tokenizer],
    ['config.json', edit.config],
  ] as const) {
    if (!fn) continue;
    const json = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>;
    fn(json);
    writeFileSync(path.join(dir, file), JSON.stringify(json));
  }
  return dir;
}

/** Two more added tokens (ids 299 and 300): a tokenizer from a bigger vocabulary than the checkpoint's 299 rows. */
const widerTokenizer = (t: Record<string, unknown>) => {
  const added = t.added_tokens as Record<string, unknown>[];
  for (const id of [299, 300])
    added.push({ id, content: `<extra_${id}>`, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
};

async function loadError(dir: string): Promise<EngineError> {
  const err = await loadModel(dir).then(
    (m) => {
      m.model.dispose();
      return null;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EngineError);
  return err as EngineError;
}

describe('a tokenizer that does not match the checkpoint', () => {
  it('is refused when loading, in one sentence naming the folder and both sizes', async () => {
    const dir = tinyLlamaWith('wider-tokenizer', { tokenizer: widerTokenizer });
    const err = await loadError(dir);
    expect(err.code).toBe('tokenizer_mismatch');
    expect(err.message).toBe(
      `${dir}: the tokenizer does not match the checkpoint — tokenizer.json has 301 tokens (ids up to 300) but config.json's vocab_size (the embedding's rows) is 299.`,
    );
    // One sentence: a single full stop, at the end.
    expect(err.message.match(/\.(\s|$)/g)).toHaveLength(1);
  });

  it('is refused the same way where training and the eval worker load their model', async () => {
    const dir = tinyLlamaWith('wider-for-training', { tokenizer: widerTokenizer });
    await expect(loadStartingModel({ kind: 'folder', path: dir })).rejects.toMatchObject({
      code: 'tokenizer_mismatch',
      message: expect.stringContaining('301 tokens (ids up to 300)') as unknown,
    });
  });

  it('is refused when the folder is registered (studio eval, the launcher), before any job starts', async () => {
    const dir = tinyLlamaWith('wider-registered', { tokenizer: widerTokenizer });
    await expect(inspectModelFolder(dir)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/tokenizer does not match the checkpoint .* 301 tokens .* is 299\.$/) as unknown,
    });
  });

  it('refuses a special token id in config.json outside the vocabulary', async () => {
    const dir = tinyLlamaWith('eos-out-of-range', { config: (c) => (c.eos_token_id = 4000) });
    const err = await loadError(dir);
    expect(err.code).toBe('tokenizer_mismatch');
    expect(err.message).toBe(`${dir}: config.json's eos_token_id 4000 is outside the model's vocabulary of 299 tokens (vocab_size).`);
  });

  it('accepts a tokenizer smaller than the embedding (a vocabulary padded to a round size)', async () => {
    const dir = path.join(tmp, 'padded');
    const model = createModel(
      configFromSpec({ modelType: 'llama', vocabSize: 320, hiddenSize: 8, numLayers: 1, numHeads: 2, bosTokenId: 297, eosTokenId: 298 }),
      1,
    );
    await saveModel(model, dir, { tokenizerDir: TINY_LLAMA });
    model.dispose();
    const loaded = await loadModel(dir);
    expect(loaded.tokenizer?.maxTokenId).toBe(298);
    expect(loaded.model.config.vocabSize).toBe(320);
    loaded.model.dispose();
    // And the fixture itself, whose tokenizer fills its 299 rows exactly.
    const exact = await loadModel(TINY_LLAMA);
    expect(exact.tokenizer?.maxTokenId).toBe(298);
    exact.model.dispose();
  });
});
