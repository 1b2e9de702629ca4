/**
 * The reference log-prob cache (`loadOrCompute`): real files in a temp
 * folder, the tiny llama scoring real pairs. Whether it computed is told by
 * `computed` and by the progress callback, which only scoring calls.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CausalLM, HfTokenizer } from '../../../main/engine';
import { computeReferenceLogps, loadOrCompute, referenceCacheKey, type ReferenceCacheOptions } from '../../../main/training/reference';
import { Trainer } from '../../../main/training/trainer';
import { PRESETS } from '../../../shared/objectives';
import { RunConfig } from '../../../shared/training';
import { tempDir } from '../../helpers/tmp';
import { baseConfig, syntheticRecords, tinyModel, tinyTokenizer } from './fixtures';

let tok: HfTokenizer;
let model: CausalLM;
let tmp: { dir: string; cleanup: () => void };
beforeAll(async () => {
  await tf.setBackend('cpu');
  tok = await tinyTokenizer();
  model = await tinyModel(3);
  tmp = tempDir('reference-cache-');
});
afterAll(() => {
  model.dispose();
  tmp.cleanup();
});

const config = RunConfig.parse(baseConfig({ objective: PRESETS.dpo }));
const tokenization = { chatTemplate: config.chatTemplate, maxLength: config.maxLength, maxPromptLength: config.maxPromptLength };
const pairs = () => Trainer.tokenize(config, tok, syntheticRecords(4));
const testPairs = () => Trainer.tokenize(config, tok, syntheticRecords(6).slice(4), true);

/** Options for a cache folder of its own, counting the sequences scored. */
function options(name: string, snapshotHash = 'snapshot-1'): { opts: ReferenceCacheOptions; scored: () => number } {
  let scored = 0;
  const opts: ReferenceCacheOptions = {
    dir: path.join(tmp.dir, name),
    key: { modelHash: 'model-1', snapshotHash, tokenization },
    batchSize: 4,
    onProgress: (done, total) => {
      if (done === total) scored += total;
    },
  };
  return { opts, scored: () => scored };
}

describe('loadOrCompute', () => {
  it('computes once, writes the cache file under its key, and reuses it for the same key', async () => {
    const { opts, scored } = options('reuse');
    const first = await loadOrCompute(model, pairs(), testPairs(), opts);
    expect(first.computed).toBe(true);
    expect(scored()).toBe(8 + 4);
    expect(first.key).toBe(referenceCacheKey(opts.key));
    expect(first.path).toBe(path.join(opts.dir, `${first.key}.json`));
    expect(first.bytes).toBe((await fs.stat(first.path)).size);
    expect(first.train).toEqual(await computeReferenceLogps(model, pairs(), { batchSize: 4 }));
    expect(first.test).toEqual(await computeReferenceLogps(model, testPairs(), { batchSize: 4 }));
    // Written to a temp file and renamed: nothing else is left in the folder.
    expect(await fs.readdir(opts.dir)).toEqual([`${first.key}.json`]);

    const second = await loadOrCompute(model, pairs(), testPairs(), opts);
    expect(second.computed).toBe(false);
    expect(scored()).toBe(12);
    expect(second).toMatchObject({ key: first.key, path: first.path, bytes: first.bytes, train: first.train, test: first.test });
  });

  it('recomputes for a different key (another snapshot) and keeps both entries', async () => {
    const a = options('keys', 'snapshot-1');
    const b = options('keys', 'snapshot-2');
    const first = await loadOrCompute(model, pairs(), [], a.opts);
    const other = await loadOrCompute(model, pairs(), [], b.opts);
    expect(other.computed).toBe(true);
    expect(b.scored()).toBe(8);
    expect(other.key).not.toBe(first.key);
    expect(other.test).toBeNull();
    expect((await fs.readdir(a.opts.dir)).sort()).toEqual([`${first.key}.json`, `${other.key}.json`].sort());
    expect((await loadOrCompute(model, pairs(), [], a.opts)).computed).toBe(false);
  });

  it.each([
    ['truncated JSON', (text: string) => text.slice(0, text.length / 2)],
    ['not JSON at all', () => '\u0000\u0001 binary'],
    ['JSON of another shape', () => '{"train": {"chosen": 3}}'],
    [
      'the reference of other pairs',
      (text: string) =>
        JSON.stringify({ ...(JSON.parse(text) as object), train: { chosen: [1], rejected: [2], chosenLength: [1], rejectedLength: [1] } }),
    ],
  ])('survives a cache file holding %s: recomputes and rewrites it', async (name, damage) => {
    const { opts, scored } = options(`corrupt-${name.replace(/\W/g, '')}`);
    const first = await loadOrCompute(model, pairs(), testPairs(), opts);
    await fs.writeFile(first.path, damage(await fs.readFile(first.path, 'utf8')));
    const again = await loadOrCompute(model, pairs(), testPairs(), opts);
    expect(again.computed).toBe(true);
    expect(scored()).toBe(24);
    expect(again.train).toEqual(first.train);
    expect(again.test).toEqual(first.test);
    // The file is whole again: the next call reads it.
    expect((await loadOrCompute(model, pairs(), testPairs(), opts)).computed).toBe(false);
  });

  it('backs the trainer: a second run reads the cache, and a resume whose cache is gone scores the starting model again', async () => {
    const referenceCache = { dir: path.join(tmp.dir, 'trainer'), modelHash: 'model-1', snapshotHash: 'snapshot-1' };
    const records = syntheticRecords(4);
    const testRecords = syntheticRecords(6).slice(4);
    const runConfig = baseConfig({ objective: PRESETS.dpo, maxSteps: 2 });
    const trained = await tinyModel(3);
    const first = await Trainer.create({ config: runConfig, model: trained, tokenizer: tok, records, testRecords, referenceCache });
    expect(first.referenceCache?.computed).toBe(true);
    const second = await Trainer.create({ config: runConfig, model: trained, tokenizer: tok, records, testRecords, referenceCache });
    expect(second.referenceCache).toEqual(first.referenceCache && { ...first.referenceCache, computed: false });
    expect(second.reference).toEqual(first.reference);
    second.dispose();

    await first.step();
    const dir = await first.saveCheckpoint(path.join(tmp.dir, 'trainer-run'));
    first.dispose();
    trained.dispose();
    await fs.rm(referenceCache.dir, { recursive: true });
    // The step trained `trained` in place; the same seed gives the starting weights again.
    const starting = await tinyModel(3);
    const resumed = await Trainer.resume(dir, { model: starting, tokenizer: tok, records, testRecords, referenceCache });
    expect(resumed.referenceCache?.computed).toBe(true);
    expect(resumed.reference).toEqual(second.reference);
    expect(resumed.testReference).toEqual(second.testReference);
    expect(resumed.currentStep).toBe(1);
    resumed.dispose();
    starting.dispose();
  });
});
