import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel, scoreBatch, type HfTokenizer } from '../../../main/engine';
import { loadStartingModel } from '../../../main/training/source';
import { NonFiniteError, Trainer } from '../../../main/training/trainer';
import { PRESETS } from '../../../shared/objectives';
import { baseConfig, syntheticRecords, TINY_LLAMA, tinyModel, tinyTokenizer } from './fixtures';

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
    for (const name of [
      'loss',
      'rewards/chosen',
      'rewards/rejected',
      'rewards/accuracies',
      'rewards/margins',
      'logps/chosen',
      'logps/rejected',
      'logits/chosen',
      'logits/rejected',
      'mmpo/weight_chosen',
      'grad_norm',
      'learning_rate',
      'tokens_per_second',
      'epoch',
      'step',
    ]) {
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
    const trainer = await Trainer.create({
      config: baseConfig({
        objective: PRESETS.sft,
        epochs: 2,
        gradAccumulation: 2,
        evalEvery: 3,
        checkpointEvery: 3,
        checkpointEachEpoch: false,
      }),
      model,
      tokenizer: tok,
      records: syntheticRecords(5),
    });
    expect(trainer.totalSteps).toBe(4);
    const epochs = [];
    const due = [];
    while (!trainer.finished) {
      epochs.push((await trainer.step()).epoch);
      due.push([trainer.checkpointDue, trainer.evalDue]);
    }
    expect(epochs).toEqual([0.8, 1, 1.8, 2]);
    // Every 3 steps, and always after the last one.
    expect(due).toEqual([
      [false, false],
      [false, false],
      [true, true],
      [true, true],
    ]);
    const perEpoch = await Trainer.create({
      config: baseConfig({ objective: PRESETS.sft, epochs: 2, gradAccumulation: 2 }),
      model,
      tokenizer: tok,
      records: syntheticRecords(5),
    });
    const epochEnds = [];
    while (!perEpoch.finished) {
      await perEpoch.step();
      epochEnds.push(perEpoch.checkpointDue);
    }
    expect(epochEnds).toEqual([false, true, false, true]);
    perEpoch.dispose();
    trainer.dispose();
    model.dispose();
  });

  it('LoRA dropout: applied on training passes only, never when scoring', async () => {
    const run = async (dropout: number) => {
      const model = await tinyModel();
      const trainer = await Trainer.create({
        config: baseConfig({ maxSteps: 2, lora: { rank: 4, alpha: 8, dropout } }),
        model,
        tokenizer: tok,
        records: syntheticRecords(4),
      });
      const losses = [(await trainer.step()).metrics['loss']!, (await trainer.step()).metrics['loss']!];
      expect(trainer.lora!.dropoutSeed).toBeNull();
      const [score] = await scoreBatch(model, [trainer.pairs[0]!.chosen]);
      const [again] = await scoreBatch(model, [trainer.pairs[0]!.chosen]);
      expect(again!.sumLogProb).toBe(score!.sumLogProb);
      trainer.dispose();
      model.dispose();
      return losses;
    };
    const plain = await run(0);
    const dropped = await run(0.5);
    // Step 1: B = 0, so the adapter adds nothing whatever is dropped; step 2 sees the dropout.
    expect(dropped[0]).toBeCloseTo(plain[0]!, 5);
    expect(dropped[1]).not.toBeCloseTo(plain[1]!, 5);
  });

  it('LoRA: only the adapters change', async () => {
    const model = await tinyModel();
    const base = model.weights.get('model.layers.0.self_attn.q_proj.weight')!.dataSync().slice();
    const trainer = await Trainer.create({
      config: baseConfig({ maxSteps: 3, lora: { rank: 4, alpha: 8 } }),
      model,
      tokenizer: tok,
      records: syntheticRecords(4),
    });
    const losses = [];
    while (!trainer.finished) losses.push((await trainer.step()).metrics['loss']!);
    expect(Array.from(model.weights.get('model.layers.0.self_attn.q_proj.weight')!.dataSync())).toEqual(Array.from(base));
    const bNorm = trainer.lora!.variables().reduce((n, v) => n + tf.tidy(() => tf.sum(tf.abs(v)).dataSync()[0]!), 0);
    expect(bNorm).toBeGreaterThan(0);
    expect(losses.at(-1)).toBeLessThan(losses[0]!);
    // Export merges the adapter into a saved copy: the saved model scores like the adapted one, and training weights are untouched.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trainer-export-'));
    try {
      await trainer.exportModel(dir);
      expect(Array.from(model.weights.get('model.layers.0.self_attn.q_proj.weight')!.dataSync())).toEqual(Array.from(base));
      const exported = await loadModel(dir);
      const example = trainer.pairs[0]!.chosen;
      const [adapted] = await scoreBatch(model, [example]);
      const [merged] = await scoreBatch(exported.model, [example]);
      expect(merged!.sumLogProb).toBeCloseTo(adapted!.sumLogProb, 4);
      model.adapter = null;
      const [plain] = await scoreBatch(model, [example]);
      expect(Math.abs(plain!.sumLogProb - adapted!.sumLogProb)).toBeGreaterThan(1e-3);
      exported.model.dispose();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
    trainer.dispose();
    model.dispose();
  });

  it('MMPO with the entropy term (M10) logs entropy_objective; SFT trains on records without a rejected side', async () => {
    const model = await tinyModel();
    const entropy = await Trainer.create({
      config: baseConfig({ objective: { ...PRESETS.mmpo, entropy: true }, maxSteps: 1 }),
      model,
      tokenizer: tok,
      records: syntheticRecords(2),
    });
    const r = await entropy.step();
    expect(Number.isFinite(r.metrics['entropy_objective'])).toBe(true);
    expect(r.metrics['entropy_objective']).not.toBe(0);
    entropy.dispose();
    const sftRecords = syntheticRecords(3).map((x) => ({ ...x, kind: 'prompt-only' as const, rejected: null }));
    const sft = await Trainer.create({
      config: baseConfig({ objective: PRESETS.sft, maxSteps: 1 }),
      model,
      tokenizer: tok,
      records: sftRecords,
    });
    expect(sft.pairs).toHaveLength(3);
    expect(sft.reference).toBeNull();
    const s = await sft.step();
    expect(s.metrics['loss']).toBeCloseTo(-s.metrics['logps/chosen']!, 4);
    expect(s.weightChosen).toBeNull();
    sft.dispose();
    model.dispose();
  });

  it('evaluates a run with the entropy term on (M10): held-out loss includes −β·H_obj, as the training loss does', async () => {
    const model = await tinyModel();
    const records = syntheticRecords(6);
    const init = { model, tokenizer: tok, records: records.slice(0, 4), testRecords: records.slice(4) };
    const withEntropy = await Trainer.create({
      ...init,
      config: baseConfig({ objective: { ...PRESETS.mmpo, entropy: true }, maxSteps: 1 }),
    });
    const on = await withEntropy.evaluate();
    withEntropy.dispose();
    const without = await Trainer.create({ ...init, config: baseConfig({ maxSteps: 1 }) });
    const off = await without.evaluate();
    without.dispose();
    expect(on.pairs).toBe(2);
    expect(Number.isFinite(on.loss)).toBe(true);
    // Same weights, same pairs: only the entropy term differs, and it is not zero.
    expect(on.loss).not.toBeCloseTo(off.loss, 4);
    expect(on.logpAccuracy).toBe(off.logpAccuracy);
    model.dispose();
  });

  it('builds the starting model from a spec (vocabulary from the tokenizer) or a folder', async () => {
    const fromSpec = await loadStartingModel({
      kind: 'spec',
      modelType: 'llama',
      hiddenSize: 16,
      numLayers: 1,
      numHeads: 2,
      tokenizerDir: TINY_LLAMA,
      initSeed: 3,
    });
    expect(fromSpec.model.vocabSize).toBe(299);
    const fromFolder = await loadStartingModel({ kind: 'folder', path: TINY_LLAMA });
    expect(fromFolder.model.config.hiddenSize).toBe(32);
    fromSpec.model.dispose();
    fromFolder.model.dispose();
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
