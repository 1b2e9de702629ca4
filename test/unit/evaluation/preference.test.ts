import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { scoreBatch, type HfTokenizer } from '../../../main/engine';
import { scorePreferencePairs } from '../../../main/evaluation';
import { Trainer } from '../../../main/training/trainer';
import type { RecordContent } from '../../../shared/datasets';
import { PRESETS } from '../../../shared/objectives';
import { baseConfig, syntheticRecords, tinyModel, tinyTokenizer } from '../training/fixtures';

let tok: HfTokenizer;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tok = await tinyTokenizer();
});

/** Held-out pairs the model has to tell apart, of different lengths; one record without a rejected side. */
function testRecords(): RecordContent[] {
  const user = (content: string) => [{ role: 'user', content }];
  const assistant = (content: string) => [{ role: 'assistant', content }];
  const pair = (prompt: string, chosen: string, rejected: string): RecordContent => ({
    kind: 'preference',
    prompt: user(prompt),
    chosen: assistant(chosen),
    rejected: assistant(rejected),
    responses: null,
    system: null,
  });
  return [
    pair('Is the sky ok 11?', 'yes', 'no'),
    pair('Is the sea ok 12?', 'yes it is', 'no'),
    pair('What colour is grass?', 'green', 'it is blue, I think'),
    { ...pair('A lone answer', 'yes', 'no'), rejected: null },
    pair('Is the moon ok 14?', 'no', 'yes'),
    pair('Count to three.', 'one two three', 'three two one'),
  ];
}

describe('scorePreferencePairs', () => {
  for (const chatTemplate of [false, true]) {
    it(`equals what the trainer's evaluation logs on the same pairs (DPO, chat template ${chatTemplate ? 'on' : 'off'})`, async () => {
      const model = await tinyModel();
      const records = testRecords();
      const trainer = await Trainer.create({
        config: baseConfig({ objective: PRESETS.dpo, maxSteps: 3, chatTemplate }),
        model,
        tokenizer: tok,
        records: syntheticRecords(6),
        testRecords: records,
      });
      // Move the policy away from the reference so rewards are not all zero.
      while (!trainer.finished) await trainer.step();
      const logged = await trainer.evaluate();
      const beta = PRESETS.dpo.beta;
      const ours = await scorePreferencePairs(model, tok, records, {
        tokenization: trainer.tokenization,
        reference: trainer.testReference!,
        beta,
        maxBatchSize: 3,
      });
      expect(ours.skipped).toEqual([{ record: 3, reason: 'no rejected response' }]);
      expect(ours.pairs.map((p) => p.record)).toEqual([0, 1, 2, 4, 5]);
      expect(logged.pairs).toBe(5);
      const m = ours.metrics;
      expect(m['logps/accuracies']).toBeCloseTo(logged.logpAccuracy, 5);
      expect(m['logps/margins']).toBeCloseTo(logged.logpMargin, 5);
      expect(m['rewards/accuracies']).toBeCloseTo(logged.rewardAccuracy!, 5);
      expect(m['rewards/margins']).toBeCloseTo(logged.rewardMargin!, 5);
      expect(Math.abs(logged.rewardMargin!)).toBeGreaterThan(1e-4);

      // Per pair: the trainer's own tokenized examples, scored by the engine.
      const sides = await scoreBatch(model, [...trainer.testPairs.map((p) => p.chosen), ...trainer.testPairs.map((p) => p.rejected!)], {
        padId: tok.padTokenId ?? 0,
      });
      ours.pairs.forEach((p, i) => {
        expect(p.chosenLogp).toBeCloseTo(sides[i]!.sumLogProb, 5);
        expect(p.rejectedLogp).toBeCloseTo(sides[5 + i]!.sumLogProb, 5);
        expect(p.chosenTokens).toBe(sides[i]!.tokenCount);
        expect(p.rewardChosen).toBeCloseTo(beta * (p.chosenLogp - trainer.testReference!.chosen[i]!), 5);
      });

      // The reference as a model: the starting weights again (same seed) give the same rewards.
      const reference = await tinyModel();
      const progress: [number, number][] = [];
      const withModel = await scorePreferencePairs(model, tok, records, {
        tokenization: trainer.tokenization,
        reference,
        beta,
        maxBatchSize: 4,
        onProgress: (d, t) => progress.push([d, t]),
      });
      expect(withModel.metrics['rewards/margins']).toBeCloseTo(m['rewards/margins']!, 5);
      expect(withModel.metrics['rewards/accuracies']).toBeCloseTo(m['rewards/accuracies']!, 5);
      expect(progress.at(-1)).toEqual([20, 20]);
      reference.dispose();
      trainer.dispose();
      model.dispose();
    });
  }

  it('without a reference: only logps metrics, per-token accuracy from token counts', async () => {
    const model = await tinyModel();
    const r = await scorePreferencePairs(model, tok, testRecords(), {
      tokenization: { chatTemplate: false, maxLength: 64, maxPromptLength: 48 },
    });
    expect(Object.keys(r.metrics).some((k) => k.startsWith('rewards/'))).toBe(false);
    const perToken = r.pairs.map((p) => (p.chosenLogp / p.chosenTokens > p.rejectedLogp / p.rejectedTokens ? 1 : 0));
    expect(r.metrics['logps_per_token/accuracies']).toBeCloseTo(perToken.reduce<number>((s, x) => s + x, 0) / perToken.length, 12);
    expect(r.pairs.every((p) => p.rewardChosen === null)).toBe(true);
    model.dispose();
  });
});
