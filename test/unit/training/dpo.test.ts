import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { scoreBatch, type HfTokenizer } from '../../../main/engine';
import { computeReferenceLogps, referenceCacheKey, referenceMatches } from '../../../main/training/reference';
import { Trainer } from '../../../main/training/trainer';
import { PRESETS } from '../../../shared/objectives';
import { RunConfig } from '../../../shared/training';
import { baseConfig, syntheticRecords, tinyModel, tinyTokenizer } from './fixtures';

let tok: HfTokenizer;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tok = await tinyTokenizer();
});

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('Trainer with DPO', () => {
  it('DPO: loss starts at log 2 and falls over 20 steps; evaluation sees the learned preference', async () => {
    const model = await tinyModel();
    const records = syntheticRecords(10);
    const trainer = await Trainer.create({
      config: baseConfig({ objective: PRESETS.dpo, maxSteps: 20 }),
      model,
      tokenizer: tok,
      records: records.slice(0, 8),
      testRecords: records.slice(8),
    });
    const before = await trainer.evaluate();
    expect(before.loss).toBeCloseTo(Math.log(2), 4); // policy = reference
    expect(before.rewardMargin).toBeCloseTo(0, 4);
    const losses = [];
    while (!trainer.finished) losses.push((await trainer.step()).metrics['loss']!);
    expect(losses[0]).toBeCloseTo(Math.log(2), 4);
    expect(mean(losses.slice(-4))).toBeLessThan(0.5);
    const after = await trainer.evaluate();
    expect(after.pairs).toBe(2);
    expect(after.rewardAccuracy).toBe(1);
    expect(after.logpAccuracy).toBe(1);
    expect(after.rewardMargin).toBeGreaterThan(0);
    expect(after.loss).toBeLessThan(before.loss);
    trainer.dispose();
    model.dispose();
  });
});

describe('reference log-probs', () => {
  it('are computed once with progress, match the scorer, and are keyed by what determines them', async () => {
    const model = await tinyModel();
    const config = RunConfig.parse(baseConfig({ objective: PRESETS.dpo }));
    const pairs = Trainer.tokenize(config, tok, syntheticRecords(3));
    const progress: number[] = [];
    const ref = await computeReferenceLogps(model, pairs, { batchSize: 4, onProgress: (done, total) => progress.push(done / total) });
    expect(progress).toEqual([4 / 6, 1]);
    const [direct] = await scoreBatch(model, [pairs[1]!.rejected!]);
    expect(ref.rejected[1]).toBeCloseTo(direct!.sumLogProb, 5);
    expect(referenceMatches(ref, pairs)).toBe(true);
    expect(referenceMatches(ref, pairs.slice(1))).toBe(false);
    const parts = { modelHash: 'm', snapshotHash: 's', tokenization: { chatTemplate: false, maxLength: 64, maxPromptLength: 48 } };
    const key = referenceCacheKey(parts);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(referenceCacheKey({ ...parts })).toBe(key);
    expect(referenceCacheKey({ ...parts, tokenization: { ...parts.tokenization, maxLength: 65 } })).not.toBe(key);
    expect(referenceCacheKey({ ...parts, snapshotHash: 't' })).not.toBe(key);
    model.dispose();
  });
});
