import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../main/engine/hf/folder';
import { createLora, loadLora, mergeLora, saveLora } from '../../../main/engine/lora';
import { estimateMemory } from '../../../main/engine/memory';
import type { CausalLM } from '../../../main/engine/models/causal-lm';
import { padBatch, scoreTensors } from '../../../main/engine/score';

const FIXTURES = path.resolve(__dirname, '../../fixtures/models');
const tmp = mkdtempSync(path.join(tmpdir(), 'engine-lora-'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function logitsOf(model: CausalLM, ids: number[]): number[] {
  const input = tf.tensor2d([ids], [1, ids.length], 'int32');
  const out = model.forward(input);
  const values = Array.from(out.dataSync());
  tf.dispose([input, out]);
  return values;
}

const maxDiff = (a: number[], b: number[]): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe.each(['tiny-llama', 'tiny-gpt2'])('LoRA on %s', (name) => {
  it('loads a PEFT adapter and matches the PyTorch reference of the merged weights within 1e-4', async () => {
    const golden = JSON.parse(readFileSync(path.join(FIXTURES, `${name}-lora`, 'golden.json'), 'utf8')) as {
      ids: number[];
      logits: number[][];
    };
    const { model } = await loadModel(path.join(FIXTURES, name));
    const adapter = await loadLora(model, path.join(FIXTURES, `${name}-lora`));
    model.adapter = adapter;
    expect(maxDiff(logitsOf(model, golden.ids), golden.logits.flat())).toBeLessThanOrEqual(1e-4);
    // Merging folds the same change into the base weights.
    model.adapter = null;
    mergeLora(model, adapter);
    expect(maxDiff(logitsOf(model, golden.ids), golden.logits.flat())).toBeLessThanOrEqual(1e-4);
    adapter.dispose();
    model.dispose();
  });

  it('starts as a no-op, trains only the adapter, and round-trips through the PEFT format', async () => {
    const { model } = await loadModel(path.join(FIXTURES, name));
    const ids = [5, 260, 32, 291, 7, 9, 11];
    const base = logitsOf(model, ids);
    const adapter = createLora(model, { rank: 2, alpha: 4 }, 1);
    model.adapter = adapter;
    expect(logitsOf(model, ids)).toEqual(base);
    const estimate = estimateMemory({ config: model.config, task: 'train', batchSize: 1, seqLen: 8, loraRank: 2 });
    expect(estimate.trainableParameters).toBe(adapter.parameterCount());

    const frozen = Array.from(model.trainableVariables()[1]!.dataSync());
    const batch = padBatch([{ inputIds: ids, lossMask: [0, 0, 0, 1, 1, 1, 1] }]);
    const optimizer = tf.train.adam(0.05);
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const loss = optimizer.minimize(() => scoreTensors(model, batch).sumLogProb.neg().mean<tf.Scalar>(), true, adapter.variables())!;
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
    }
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    expect(Array.from(model.trainableVariables()[1]!.dataSync())).toEqual(frozen);
    const tuned = logitsOf(model, ids);

    const dir = path.join(tmp, name);
    await saveLora(adapter, model, dir, { baseModel: name });
    const config = JSON.parse(readFileSync(path.join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ peft_type: 'LORA', r: 2, lora_alpha: 4, fan_in_fan_out: name === 'tiny-gpt2' });
    const reloaded = await loadLora(model, dir);
    model.adapter = reloaded;
    expect(maxDiff(logitsOf(model, ids), tuned)).toBe(0);

    tf.dispose([batch.inputIds, batch.attentionMask, batch.lossMask]);
    optimizer.dispose();
    adapter.dispose();
    reloaded.dispose();
    model.dispose();
  });
});

describe('LoRA errors', () => {
  it('refuses an adapter whose shapes do not fit the model, naming the tensor', async () => {
    const { model } = await loadModel(path.join(FIXTURES, 'tiny-qwen2'));
    await expect(loadLora(model, path.join(FIXTURES, 'tiny-llama-lora'))).rejects.toThrow(
      /adapter_model\.safetensors: base_model\.model\.model\.layers\.0\.self_attn\.v_proj\.lora_B\.weight has shape \[16,4\], expected \[8,4\]/,
    );
    model.dispose();
  });
});
