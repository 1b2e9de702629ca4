import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HfTokenizer } from '../../../main/engine';
import { NonFiniteError, Trainer } from '../../../main/training/trainer';
import { PRESETS } from '../../../shared/objectives';
import { baseConfig, syntheticRecords, tinyModel, tinyTokenizer } from './fixtures';

let tok: HfTokenizer;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tok = await tinyTokenizer();
});

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('Trainer', () => {
  it('MMPO: loss falls over 20 steps and every spec metric is logged', async () => {
    const model = await tinyModel();
    const trainer = await Trainer.create({ config: baseConfig({ maxSteps: 20 }), model, tokenizer: tok, records: syntheticRecords(8) });
    const records = [];
    while (!trainer.finished) records.push(await trainer.step());
    expect(records.map((r) => r.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const losses = records.map((r) => r.metrics['loss']!);
    expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)) - 1);
    const last = records.at(-1)!;
    for (const name of ['loss', 'rewards/chosen', 'rewards/rejected', 'rewards/accuracies', 'rewards/margins', 'logps/chosen', 'logps/rejected', 'logits/chosen', 'logits/rejected', 'mmpo/weight_chosen', 'grad_norm', 'learning_rate', 'tokens_per_second', 'epoch', 'step']) {
      expect(Number.isFinite(last.metrics[name]), name).toBe(true);
    }
    expect(last.weightChosen).toHaveLength(2);
    expect(last.metrics['mmpo/weight_chosen']).toBeCloseTo(mean(last.weightChosen!), 5);
    // 8 pairs, micro-batch 2: 4 steps per epoch.
    expect(trainer.stepsPerEpoch).toBe(4);
    expect(last.epoch).toBe(5);
    expect(last.metrics['learning_rate']).toBe(1e-2);
    trainer.dispose();
    model.dispose();
  });

  it('keeps tf.memory().numTensors constant across steps (with gradient accumulation and evaluation)', async () => {
    const model = await tinyModel();
    const records = syntheticRecords(7);
    const trainer = await Trainer.create({
      config: baseConfig({ maxSteps: 4, gradAccumulation: 2, maxGradNorm: 0.5 }),
      model,
      tokenizer: tok,
      records: records.slice(0, 5),
      testRecords: records.slice(5),
    });
    await trainer.step();
    await trainer.evaluate();
    const baseline = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await trainer.step();
      await trainer.evaluate();
      expect(tf.memory().numTensors).toBe(baseline);
    }
    trainer.dispose();
    model.dispose();
  });

  it('steps never cross an epoch: the last step of an epoch takes the remaining micro-batches', async () => {
    const model = await tinyModel();
    // 5 pairs, micro 2, accumulation 2: micro-batches 2+2 | 1 → 2 steps per epoch.
    const trainer = await Trainer.create({ config: baseConfig({ objective: PRESETS.sft, epochs: 2, gradAccumulation: 2 }), model, tokenizer: tok, records: syntheticRecords(5) });
    expect(trainer.totalSteps).toBe(4);
    const epochs = [];
    const due = [];
    while (!trainer.finished) {
      epochs.push((await trainer.step()).epoch);
      due.push(trainer.checkpointDue);
    }
    expect(epochs).toEqual([0.8, 1, 1.8, 2]);
    expect(due).toEqual([false, true, false, true]);
    trainer.dispose();
    model.dispose();
  });

  it('LoRA: only the adapters change', async () => {
    const model = await tinyModel();
    const base = model.weights.get('model.layers.0.self_attn.q_proj.weight')!.dataSync().slice();
    const trainer = await Trainer.create({ config: baseConfig({ maxSteps: 3, lora: { rank: 4, alpha: 8 } }), model, tokenizer: tok, records: syntheticRecords(4) });
    const losses = [];
    while (!trainer.finished) losses.push((await trainer.step()).metrics['loss']!);
    expect(Array.from(model.weights.get('model.layers.0.self_attn.q_proj.weight')!.dataSync())).toEqual(Array.from(base));
    const bNorm = trainer.lora!.variables().reduce((n, v) => n + tf.tidy(() => tf.sum(tf.abs(v)).dataSync()[0]!), 0);
    expect(bNorm).toBeGreaterThan(0);
    expect(losses.at(-1)).toBeLessThan(losses[0]!);
    trainer.dispose();
    model.dispose();
  });

  it('throws NonFiniteError naming the step when the loss is not finite', async () => {
    const model = await tinyModel();
    const trainer = await Trainer.create({ config: baseConfig({ maxSteps: 5 }), model, tokenizer: tok, records: syntheticRecords(4) });
    await trainer.step();
    const w = model.weights.get('model.norm.weight')!;
    w.assign(tf.fill(w.shape, NaN));
    const err = await trainer.step().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteError);
    expect((err as NonFiniteError).step).toBe(2);
    expect((err as NonFiniteError).message).toMatch(/Step 2: loss is NaN/);
    trainer.dispose();
    model.dispose();
  });
});
