/**
 * The checkpoint format on its own (checkpoint.ts): a trainer checkpoint
 * written and read back, manifest verification with fallback to the previous
 * checkpoint, retention, and the temp folders a writer that died leaves.
 * Real folders, the tiny llama's real weights.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLora, type CausalLM } from '../../../main/engine';
import {
  checkpointName,
  describeCheckpoints,
  latestValidCheckpoint,
  listCheckpoints,
  loadCheckpointWeights,
  readOptimizerState,
  readTrainerState,
  saveTrainerCheckpoint,
  verifyCheckpoint,
  writeCheckpoint,
  type TrainerCheckpoint,
} from '../../../main/training/checkpoint';
import type { OptimizerState } from '../../../main/training/optimizer';
import { removeStaleTemps } from '../../../main/training/temp-files';
import { RunConfig } from '../../../shared/training';
import { tempDir } from '../../helpers/tmp';
import { baseConfig, tinyModel } from './fixtures';

let tmp: { dir: string; cleanup: () => void };
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = tempDir('checkpoint-');
});
afterAll(() => tmp.cleanup());

const weightsOf = (model: CausalLM) => Object.fromEntries([...model.weights].map(([name, v]) => [name, Array.from(v.dataSync())]));

/** Moments with distinct values, so a swapped or shifted array shows. */
function optimizerState(shapes: number[][], step: number): OptimizerState {
  let x = 0;
  const fill = (shape: number[]) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (x += 0.25));
  return { step, m: shapes.map(fill), v: shapes.map(fill), shapes };
}

function checkpointOf(model: CausalLM, step: number, extra: Partial<RunConfig> = {}): TrainerCheckpoint {
  const config = RunConfig.parse({ ...baseConfig(), ...extra });
  return {
    state: { step, position: { epoch: 1, index: 4 }, config, rng: { seed: config.seed }, pairsHash: 'a'.repeat(64), lora: false },
    optimizer: optimizerState([[2, 3], [4]], step),
    model,
    lora: null,
  };
}

describe('trainer checkpoints', () => {
  it('round trip: state, optimizer moments and every weight come back as written', async () => {
    const runDir = path.join(tmp.dir, 'round-trip');
    const model = await tinyModel(1);
    const written = checkpointOf(model, 7);
    const dir = await saveTrainerCheckpoint(runDir, written, 3);
    expect(path.basename(dir)).toBe(checkpointName(7));
    expect(await verifyCheckpoint(dir)).toEqual({ ok: true });

    const state = await readTrainerState(dir);
    expect(state).toEqual({ format: 1, ...written.state, optimizer: { step: 7, shapes: [[2, 3], [4]] } });
    expect(await readOptimizerState(dir, state)).toEqual(written.optimizer);
    // A model with other weights gets every one of the checkpoint's.
    const other = await tinyModel(2);
    expect(weightsOf(other)).not.toEqual(weightsOf(model));
    expect(await loadCheckpointWeights(dir, state, other)).toBeNull();
    expect(weightsOf(other)).toEqual(weightsOf(model));

    const [listed] = await describeCheckpoints(runDir);
    expect(listed).toMatchObject({ step: 7, dir });
    expect(listed!.bytes).toBeGreaterThan(100_000);
    model.dispose();
    other.dispose();
  });

  it('round trip with LoRA: the adapter is saved and loaded onto the base model, whose weights stay', async () => {
    const runDir = path.join(tmp.dir, 'lora');
    const model = await tinyModel(1);
    const lora = createLora(model, { rank: 2, alpha: 4, dropout: 0, targetModules: ['q_proj'] }, 5);
    // B starts at zero; give it values so a load that dropped them would show.
    for (const v of lora.variables()) tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 1, 'float32', 11)));
    const written = { ...checkpointOf(model, 2, { lora: { rank: 2, alpha: 4, dropout: 0, targetModules: ['q_proj'] } }), lora };
    written.state.lora = true;
    const dir = await saveTrainerCheckpoint(runDir, written, 3);
    const state = await readTrainerState(dir);
    const base = await tinyModel(1);
    const loaded = await loadCheckpointWeights(dir, state, base);
    expect(loaded?.variables().map((v) => Array.from(v.dataSync()))).toEqual(lora.variables().map((v) => Array.from(v.dataSync())));
    expect(weightsOf(base)).toEqual(weightsOf(model));
    loaded!.dispose();
    lora.dispose();
    model.dispose();
    base.dispose();
  });

  it('a corrupted newest checkpoint falls back to the previous one; only the newest `keep` are kept', async () => {
    const runDir = path.join(tmp.dir, 'fallback');
    const model = await tinyModel(1);
    for (const step of [1, 2, 3]) await saveTrainerCheckpoint(runDir, checkpointOf(model, step), 2);
    expect((await listCheckpoints(runDir)).map((c) => c.step)).toEqual([2, 3]);
    const newest = path.join(runDir, checkpointName(3));
    expect(await latestValidCheckpoint(runDir)).toBe(newest);

    const file = path.join(newest, 'trainer_state.json');
    await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace('"step": 3', '"step": 4'));
    const skipped: [string, string][] = [];
    expect(await latestValidCheckpoint(runDir, (dir, problem) => skipped.push([dir, problem]))).toBe(path.join(runDir, checkpointName(2)));
    expect(skipped).toEqual([[newest, 'trainer_state.json does not match its checksum']]);
    model.dispose();
  });
});

describe('checkpoint temp folders', () => {
  it('a write that fails removes its temp folder and leaves no checkpoint', async () => {
    const runDir = path.join(tmp.dir, 'failed-write');
    await expect(
      writeCheckpoint(runDir, 1, async (dir) => {
        await fs.writeFile(path.join(dir, 'half'), 'x');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await fs.readdir(runDir)).toEqual([]);
  });

  it('those of a writer that died are removed; those of a running writer and finished checkpoints stay', async () => {
    const runDir = path.join(tmp.dir, 'stale');
    const model = await tinyModel(1);
    const finished = await saveTrainerCheckpoint(runDir, checkpointOf(model, 1), 3);
    model.dispose();
    // A process that has exited (and been reaped): what a worker killed mid-write leaves.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const stale = `${checkpointName(2)}.tmp-${dead}-1700000000000`;
    const live = `${checkpointName(3)}.tmp-${process.pid}-1700000000000`;
    for (const name of [stale, live]) {
      await fs.mkdir(path.join(runDir, name, 'model'), { recursive: true });
      await fs.writeFile(path.join(runDir, name, 'model', 'model.safetensors'), 'half');
    }
    expect(removeStaleTemps(runDir)).toEqual([stale]);
    expect((await fs.readdir(runDir)).sort()).toEqual([path.basename(finished), live].sort());
    expect(await latestValidCheckpoint(runDir)).toBe(finished);
  });
});
