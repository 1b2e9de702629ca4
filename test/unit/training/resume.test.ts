import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HfTokenizer } from '../../../main/engine';
import { latestValidCheckpoint, listCheckpoints, verifyCheckpoint } from '../../../main/training/checkpoint';
import { Trainer } from '../../../main/training/trainer';
import type { StepRecord } from '../../../shared/training';
import { baseConfig, syntheticRecords, tinyModel, tinyTokenizer } from './fixtures';

let tok: HfTokenizer;
let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tok = await tinyTokenizer();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'trainer-resume-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const records = syntheticRecords(5);
/** Wall-clock throughput is the one metric that may differ between two identical runs. */
const comparable = (r: StepRecord) => ({ ...r, metrics: { ...r.metrics, tokens_per_second: 0 } });
const weightsOf = (t: Trainer) => [...t.model.weights.values(), ...(t.lora?.variables() ?? [])].map((v) => Array.from(v.dataSync()));

async function runAll(t: Trainer): Promise<StepRecord[]> {
  const out = [];
  while (!t.finished) out.push(comparable(await t.step()));
  return out;
}

describe.each([
  ['full fine-tuning', {}],
  // With dropout: the dropped units are a function of (seed, step, micro-batch), so resume stays exact.
  ['LoRA', { lora: { rank: 2, alpha: 4, dropout: 0.2, targetModules: ['q_proj', 'v_proj'] } }],
])('resume (%s)', (_name, extra) => {
  // 5 pairs, micro 2, accumulation 2 → 2 steps per epoch; the checkpoint at step 3 is mid-epoch 2.
  const config = baseConfig({ maxSteps: 5, gradAccumulation: 2, schedule: { kind: 'cosine', warmupRatio: 0.2 }, ...extra });

  // Three trainers in one test: allow for a busy machine.
  it('k steps + checkpoint + resume + N − k steps = N steps straight (parameters and metrics)', { timeout: 90_000 }, async () => {
    const modelA = await tinyModel(5);
    const straight = await Trainer.create({ config, model: modelA, tokenizer: tok, records });
    const expected = await runAll(straight);
    const expectedWeights = weightsOf(straight);

    const runDir = path.join(tmp, `run-${_name.replace(/\W/g, '')}`);
    const modelB = await tinyModel(5);
    const first = await Trainer.create({ config, model: modelB, tokenizer: tok, records });
    const head = [];
    for (let i = 0; i < 3; i++) head.push(comparable(await first.step()));
    const dir = await first.saveCheckpoint(runDir);
    expect((await verifyCheckpoint(dir)).ok).toBe(true);
    const reference = first.reference!;
    first.dispose();
    modelB.dispose();

    // Full fine-tuning: a differently initialised model, so every weight must come from the checkpoint.
    // LoRA: the checkpoint holds only the adapter, so the caller passes the starting base model again.
    const modelC = await tinyModel('lora' in extra ? 5 : 99);
    const resumed = await Trainer.resume(dir, { model: modelC, tokenizer: tok, records, reference });
    expect(resumed.currentStep).toBe(3);
    const tail = await runAll(resumed);
    expect([...head, ...tail].map((r) => r.step)).toEqual([1, 2, 3, 4, 5]);
    expect([...head, ...tail]).toEqual(expected);
    expect(weightsOf(resumed)).toEqual(expectedWeights);
    straight.dispose();
    resumed.dispose();
    modelA.dispose();
    modelC.dispose();
  });
});

describe('checkpoints', () => {
  it('detects a corrupted or incomplete checkpoint, falls back to the previous one, and keeps only the newest N', async () => {
    const runDir = path.join(tmp, 'corrupt');
    const model = await tinyModel(2);
    const trainer = await Trainer.create({ config: baseConfig({ maxSteps: 4, keepCheckpoints: 2 }), model, tokenizer: tok, records });
    const dirs = [];
    for (let i = 0; i < 3; i++) {
      await trainer.step();
      dirs.push(await trainer.saveCheckpoint(runDir));
    }
    // Retention: step 1 was deleted.
    expect((await listCheckpoints(runDir)).map((c) => c.step)).toEqual([2, 3]);
    expect(await latestValidCheckpoint(runDir)).toBe(dirs[2]);

    // Flip one byte of the newest checkpoint's optimizer state.
    const file = path.join(dirs[2]!, 'optimizer.bin');
    const bytes = await fs.readFile(file);
    bytes[100] = bytes[100]! ^ 0xff;
    await fs.writeFile(file, bytes);
    const v = await verifyCheckpoint(dirs[2]!);
    expect(v).toEqual({ ok: false, problem: 'optimizer.bin does not match its checksum' });
    const skipped: string[] = [];
    expect(await latestValidCheckpoint(runDir, (d) => skipped.push(d))).toBe(dirs[1]);
    expect(skipped).toEqual([dirs[2]]);

    // A missing weights file and a half-written temp folder are not valid either.
    await fs.rm(path.join(dirs[1]!, 'model', 'model.safetensors'));
    expect((await verifyCheckpoint(dirs[1]!)).ok).toBe(false);
    await fs.mkdir(path.join(runDir, 'checkpoint-00000009.tmp-1-2'));
    expect(await latestValidCheckpoint(runDir)).toBeNull();
    trainer.dispose();
    model.dispose();
  });

  it('resumes from the previous checkpoint with continuous step numbers', async () => {
    const runDir = path.join(tmp, 'fallback');
    const model = await tinyModel(2);
    const trainer = await Trainer.create({ config: baseConfig({ maxSteps: 4 }), model, tokenizer: tok, records });
    await trainer.step();
    await trainer.saveCheckpoint(runDir);
    await trainer.step();
    const newest = await trainer.saveCheckpoint(runDir);
    const reference = trainer.reference!;
    trainer.dispose();
    await fs.writeFile(path.join(newest, 'trainer_state.json'), '{"truncated');
    const dir = await latestValidCheckpoint(runDir);
    expect(path.basename(dir!)).toBe('checkpoint-00000001');
    const resumed = await Trainer.resume(dir!, { model, tokenizer: tok, records, reference });
    expect((await resumed.step()).step).toBe(2);
    resumed.dispose();
    model.dispose();
  });

  it('refuses to resume on different training records', async () => {
    const runDir = path.join(tmp, 'mismatch');
    const model = await tinyModel(2);
    const trainer = await Trainer.create({ config: baseConfig({ maxSteps: 2 }), model, tokenizer: tok, records });
    await trainer.step();
    const dir = await trainer.saveCheckpoint(runDir);
    const reference = trainer.reference!;
    trainer.dispose();
    await expect(Trainer.resume(dir, { model, tokenizer: tok, records: syntheticRecords(6), reference })).rejects.toThrow(/records differ/);
    model.dispose();
  });
});
