// Faults on a real WebGPU device (lavapipe in CI): Dawn reports an invalid
// operation or a failed allocation only on the side (uncaptured errors) and
// goes on with garbage, so the studio must turn each into an error with its
// text; a tensor over the binding limit is refused before any work; a device
// lost mid-run stops the run with its last checkpoint intact, and the run
// resumes on another backend.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../../main/engine';
import { initBackend, shutdownBackend } from '../../../main/engine/backend';
import { scoreInBatches } from '../../../main/evaluation/batches';
import { destroyWebGpuDeviceForTest, WebGpuDeviceError, WebGpuLimitError } from '../../../main/engine/backend/webgpu';
import { latestValidCheckpoint, readTrainerState } from '../../../main/training/checkpoint';
import { Trainer } from '../../../main/training/trainer';
import { tempDir } from '../../helpers/tmp';
import { webgpuAvailable } from '../../helpers/webgpu';
import { baseConfig, syntheticRecords, tinyModel, tinyTokenizer } from '../training/fixtures';

const ready = await webgpuAvailable('test/unit/engine/webgpu-faults.test.ts');
const webgpu = () => initBackend({ backend: 'webgpu', env: {} });

describe.skipIf(!ready)('faults on a WebGPU device', () => {
  const tmp = tempDir('studio-webgpu-faults-');
  beforeAll(webgpu);
  afterAll(() => {
    shutdownBackend();
    tmp.cleanup();
  });

  it('an operation the device rejects fails the next read with the device error, not a wrong result', async () => {
    // 20 inputs bind 21 storage buffers: more than lavapipe's 16 per shader stage (8 is WebGPU's minimum).
    const xs = Array.from({ length: 20 }, (_, i) => tf.fill([1024], i));
    const sum = tf.addN(xs);
    await expect(sum.data()).rejects.toThrow(WebGpuDeviceError);
    await expect(sum.data()).rejects.toThrow(/GPU reported an error.*GPUValidationError.*storage buffers/);
    tf.dispose([...xs, sum]);
    // Starting the backend again replaces the failed device.
    await webgpu();
    const ok = tf.addN(xs.slice(0, 4).map((_, i) => tf.fill([1024], i)));
    expect((await ok.data())[0]).toBe(6);
  });

  it('an allocation larger than the device allows fails the read with the reason', async () => {
    await webgpu();
    // 4.4 GB of float32: over lavapipe's 4 GiB maxBufferSize, so nothing real is allocated.
    const huge = tf.fill([1_100_000_000], 1);
    const sum = tf.sum(huge);
    await expect(sum.data()).rejects.toThrow(/GPU reported an error.*(buffer size|max buffer|size)/i);
    tf.dispose([huge, sum]);
  });

  it('refuses, before any work, a run whose batch tensor would exceed a storage binding, saying what to change', async () => {
    await webgpu();
    const model = await tinyModel();
    const before = tf.memory().numTensors;
    // 4,000 pairs in one micro-batch: logits of 8,000 sequences × vocabulary 299 are far over 128 MiB.
    const attempt = Trainer.create({
      config: baseConfig({ microBatchSize: 4000, maxSteps: 1 }),
      model,
      tokenizer: await tinyTokenizer(),
      records: syntheticRecords(4000),
    });
    await expect(attempt).rejects.toThrow(WebGpuLimitError);
    await expect(attempt).rejects.toThrow(/logits of a batch \(8000 sequences.*maxStorageBufferBindingSize.*lower microBatchSize/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('refuses, before any work, an evaluation batch or a generation whose pass would exceed a storage binding', async () => {
    await webgpu();
    const model = await tinyModel();
    const before = tf.memory().numTensors;
    // 4,000 sequences of 30 tokens in one batch: logits of 4,000 × 30 × 299 are over 128 MiB.
    const examples = Array.from({ length: 4000 }, () => ({
      inputIds: Array.from({ length: 30 }, (_, i) => i + 1),
      lossMask: Array<number>(30).fill(1),
    }));
    const scoring = scoreInBatches(model, examples, { maxBatchSize: 4000 });
    await expect(scoring).rejects.toThrow(WebGpuLimitError);
    await expect(scoring).rejects.toThrow(
      /logits of a batch \(4000 sequences × 30 tokens.*lower the evaluation batch or the longest item's tokens/,
    );
    // A 6,000-token prompt: its prefill's attention scores (heads × 6,000²) are over 128 MiB.
    const generating = generate(model, [Array.from({ length: 6000 }, (_, i) => (i % 200) + 1)], { maxNewTokens: 4 });
    await expect(generating).rejects.toThrow(WebGpuLimitError);
    await expect(generating).rejects.toThrow(/attention scores of a batch \(1 sequences × \d+ heads × 6000² tokens.*lower the prompt/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('a device lost mid-run stops the step with the reason; the last checkpoint is intact and resumes on wasm', async () => {
    await webgpu();
    const tokenizer = await tinyTokenizer();
    const records = syntheticRecords(8);
    const config = baseConfig({ maxSteps: 4 });
    const model = await tinyModel();
    const trainer = await Trainer.create({ config, model, tokenizer, records });
    await trainer.step();
    await trainer.step();
    const saved = await trainer.saveCheckpoint(tmp.dir);
    const reference = trainer.reference!;
    destroyWebGpuDeviceForTest();
    await expect(trainer.step()).rejects.toThrow(/GPU device was lost \(destroyed.*resume it/);

    expect(await latestValidCheckpoint(tmp.dir)).toBe(saved);
    const state = await readTrainerState(saved);
    expect(state.step).toBe(2);
    expect(state.backend).toBe('webgpu');

    await initBackend({ backend: 'wasm', threads: 1, env: {} });
    const fresh = await tinyModel();
    const resumed = await Trainer.resume(saved, { model: fresh, tokenizer, records, reference });
    expect(resumed.checkpointBackend).toBe('webgpu');
    expect(resumed.currentStep).toBe(2);
    const losses: number[] = [];
    while (!resumed.finished) losses.push((await resumed.step()).metrics['loss']!);
    expect(losses).toHaveLength(2);
    expect(losses.every(Number.isFinite)).toBe(true);
    resumed.dispose();
    fresh.dispose();
  }, 60_000);
});
