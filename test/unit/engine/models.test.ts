import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromSpec } from '../../../main/engine/hf/config';
import { loadModel, saveModel } from '../../../main/engine/hf/folder';
import { inspectModel } from '../../../main/engine/hf/inspect';
import { createModel, disposeCache } from '../../../main/engine/models/causal-lm';
import { writeSafetensors } from '../../../main/engine/safetensors';

const FIXTURES = path.resolve(__dirname, '../../fixtures/models');
const tmp = mkdtempSync(path.join(tmpdir(), 'engine-models-'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ids = (rows: number[][]): tf.Tensor2D => tf.tensor2d(rows, [rows.length, rows[0]!.length], 'int32');

describe('save → load', () => {
  it.each(['tiny-llama', 'tiny-qwen2', 'tiny-gpt2'])('%s round-trips to an HF folder with identical logits', async (name) => {
    const src = await loadModel(path.join(FIXTURES, name));
    const out = path.join(tmp, `${name}-saved`);
    await saveModel(src.model, out, { tokenizerDir: src.dir });
    expect(readdirSync(out).sort()).toEqual([
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const config = JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.torch_dtype).toBe('float32');
    const again = await loadModel(out);
    const input = ids([[5, 260, 32, 291, 7, 9]]);
    const a = src.model.forward(input);
    const b = again.model.forward(input);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBe(0);
    expect(again.tokenizer?.chatTemplate).toBe(src.tokenizer?.chatTemplate);
    tf.dispose([input, a, b]);
    src.model.dispose();
    again.model.dispose();
  });

  it('replaces an existing checkpoint atomically and leaves no temp folders', async () => {
    const model = createModel(configFromSpec({ modelType: 'llama', vocabSize: 20, hiddenSize: 8, numLayers: 1, numHeads: 2 }), 3);
    const out = path.join(tmp, 'replace');
    await saveModel(model, out);
    writeFileSync(path.join(out, 'stale.txt'), 'old');
    await saveModel(model, out);
    expect(existsSync(path.join(out, 'stale.txt'))).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.includes('.tmp-') || f.includes('.old-'))).toEqual([]);
    model.dispose();
  });

  it('refuses checkpoints whose tensors do not match config.json, naming the tensor', async () => {
    const dir = path.join(tmp, 'bad-shape');
    cpSync(path.join(FIXTURES, 'tiny-qwen2'), dir, { recursive: true });
    const cfg = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, intermediate_size: 40 }));
    await expect(loadModel(dir)).rejects.toMatchObject({ code: 'weights_mismatch' });
    await expect(loadModel(dir)).rejects.toThrow(
      /tensor model\.layers\.0\.mlp\.gate_proj\.weight has shape \[48,32\] but config\.json implies \[40,32\]/,
    );

    const missing = path.join(tmp, 'missing');
    cpSync(path.join(FIXTURES, 'tiny-qwen2'), missing, { recursive: true });
    await writeSafetensors(path.join(missing, 'model.safetensors'), [
      { name: 'model.norm.weight', shape: [32], data: new Float32Array(32) },
    ]);
    await expect(loadModel(missing)).rejects.toThrow(/lacks \d+ weight\(s\) the qwen2 config needs: model\.embed_tokens\.weight/);
  });
});

describe.each(['llama', 'qwen2', 'gpt2'] as const)('%s model', (modelType) => {
  const config = configFromSpec({
    modelType,
    vocabSize: 40,
    hiddenSize: 16,
    numLayers: 2,
    numHeads: 4,
    numKvHeads: 2,
    maxPositionEmbeddings: 64,
  });

  it('is created deterministically from a seed with transformers-style init', () => {
    const a = createModel(config, 7);
    const b = createModel(config, 7);
    const c = createModel(config, 8);
    const name = modelType === 'gpt2' ? 'transformer.h.0.attn.c_attn.weight' : 'model.layers.0.self_attn.q_proj.weight';
    const norm = modelType === 'gpt2' ? 'transformer.ln_f.weight' : 'model.norm.weight';
    expect(a.get(name).dataSync()).toEqual(b.get(name).dataSync());
    expect(a.get(name).dataSync()).not.toEqual(c.get(name).dataSync());
    const values = Array.from(a.get(name).dataSync());
    const std = Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
    expect(std).toBeGreaterThan(0.015);
    expect(std).toBeLessThan(0.025);
    expect(Array.from(a.get(norm).dataSync()).every((v) => v === 1)).toBe(true);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('gives the same logits with the KV cache, with left padding, and leaks no tensors', () => {
    const model = createModel(config, 1);
    const seq = [3, 14, 15, 9, 26, 5];
    const full = model.forward(ids([seq]));
    const fullRows = full.arraySync()[0]!;
    full.dispose();

    const before = tf.memory().numTensors;
    for (let repeat = 0; repeat < 3; repeat++) {
      // Prefill 4 tokens, then feed the last two one at a time.
      const maskRow = [1, 1, 1, 1];
      const prefillIds = ids([seq.slice(0, 4)]);
      const prefillMask = tf.tensor2d([maskRow]);
      let step = model.forwardWithCache(prefillIds, prefillMask, null);
      let cache = step.cache;
      tf.dispose([step.logits, prefillIds, prefillMask]);
      for (let t = 4; t < seq.length; t++) {
        maskRow.push(1);
        const mask = tf.tensor2d([maskRow]);
        const input = ids([[seq[t]!]]);
        step = model.forwardWithCache(input, mask, cache);
        disposeCache(cache);
        cache = step.cache;
        const row = step.logits.arraySync()[0]![0]!;
        row.forEach((v, j) => expect(v).toBeCloseTo(fullRows[t]![j]!, 4));
        tf.dispose([mask, input, step.logits]);
      }
      disposeCache(cache);
      // Left padding with positions from the mask reproduces the unpadded logits.
      const paddedIds = ids([[0, 0, ...seq]]);
      const paddedMask = tf.tensor2d([[0, 0, 1, 1, 1, 1, 1, 1]]);
      const padded = model.forward(paddedIds, paddedMask);
      const paddedRows = padded.arraySync()[0]!.slice(2);
      tf.dispose([padded, paddedIds, paddedMask]);
      paddedRows.forEach((r, t) => r.forEach((v, j) => expect(v).toBeCloseTo(fullRows[t]![j]!, 4)));
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('inspect and budget', () => {
  it('describes a folder from headers alone', async () => {
    const info = await inspectModel(path.join(FIXTURES, 'tiny-gpt2'));
    expect(info.modelType).toBe('gpt2');
    expect(info.architecture).toBe('GPT2LMHeadModel');
    expect(info.dtypes).toEqual({ F16: info.tensorCount });
    expect(info.weightFiles).toEqual(['model.safetensors']);
    expect(info.tokenizer).toMatchObject({ eosToken: '<|im_end|>', hasChatTemplate: true });
    expect(info.float32Bytes).toBe(info.parameters * 4);
  });

  it('refuses to load weights that cannot fit the budget, before reading them', async () => {
    const before = tf.memory().numTensors;
    const tooSmall = { budget: { bytes: 50_000, backend: 'wasm' } };
    await expect(loadModel(path.join(FIXTURES, 'tiny-llama'), tooSmall)).rejects.toMatchObject({ code: 'out_of_memory' });
    await expect(loadModel(path.join(FIXTURES, 'tiny-llama'), tooSmall)).rejects.toThrow(
      /Cannot load .*tiny-llama: Generation needs about .* but only .* is available on the wasm backend/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('sharded save', () => {
  it('splits weights into shards with an index that loads back to the same model', async () => {
    const src = await loadModel(path.join(FIXTURES, 'tiny-qwen2'));
    const out = path.join(tmp, 'sharded');
    await saveModel(src.model, out, { maxShardBytes: 40_000 });
    const index = JSON.parse(readFileSync(path.join(out, 'model.safetensors.index.json'), 'utf8')) as {
      metadata: { total_size: number };
      weight_map: Record<string, string>;
    };
    const shards = [...new Set(Object.values(index.weight_map))];
    expect(shards.length).toBeGreaterThan(2);
    expect(shards[0]).toBe(`model-00001-of-0000${shards.length}.safetensors`);
    expect(existsSync(path.join(out, 'model.safetensors'))).toBe(false);
    expect(index.metadata.total_size).toBe(src.model.trainableVariables().reduce((n, v) => n + v.size * 4, 0));
    const again = await loadModel(out);
    for (const [name, v] of src.model.weights) expect(again.model.get(name).dataSync()).toEqual(v.dataSync());
    src.model.dispose();
    again.model.dispose();
  });
});
