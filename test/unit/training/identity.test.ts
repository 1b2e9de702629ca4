/**
 * The MMPO identity on a real model (mmpo-spec.md, M8–M9): with λ_pair = 1 the
 * loss is −s_w, so an optimizer step moves the parameters exactly as a
 * supervised step on the chosen responses does; with λ_pair = 0 it does not.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HfTokenizer } from '../../../main/engine';
import { Trainer } from '../../../main/training/trainer';
import { PRESETS } from '../../../shared/objectives';
import type { RecordContent } from '../../../shared/datasets';
import { baseConfig, syntheticRecords, tinyModel, tinyTokenizer } from './fixtures';

let tok: HfTokenizer;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tok = await tinyTokenizer();
});

// Rejected responses of different lengths, so padding and y_l really differ between objectives.
const records: RecordContent[] = syntheticRecords(4).map((r, i) => ({
  ...r,
  rejected: [{ role: 'assistant', content: 'no '.repeat(i + 1) }],
}));

/** Parameters after two steps of `objective` from the same start, data and optimizer settings. */
async function trainedWeights(objective: (typeof PRESETS)[keyof typeof PRESETS]): Promise<Map<string, Float32Array>> {
  const model = await tinyModel(3);
  // ε = 1 ≫ |g| makes AdamW's update ≈ lr·g: sensitive to gradient magnitude, not only its sign.
  const config = baseConfig({ objective, maxSteps: 2, optimizer: { lr: 0.5, eps: 1, weightDecay: 0 }, maxGradNorm: null });
  const trainer = await Trainer.create({ config, model, tokenizer: tok, records });
  await trainer.step();
  await trainer.step();
  const out = new Map([...model.weights].map(([n, v]) => [n, v.dataSync().slice() as Float32Array]));
  trainer.dispose();
  model.dispose();
  return out;
}

function maxAbsDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let d = 0;
  for (const [n, x] of a) {
    const y = b.get(n)!;
    for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i]! - y[i]!));
  }
  return d;
}

describe('MMPO identity on the tiny llama', () => {
  it('λ_pair = 1: two MMPO steps equal two SFT steps on the chosen responses; λ_pair = 0 differs', async () => {
    const start = await tinyModel(3);
    const initial = new Map([...start.weights].map(([n, v]) => [n, v.dataSync().slice() as Float32Array]));
    start.dispose();
    const sft = await trainedWeights(PRESETS.sft);
    const mmpo = await trainedWeights(PRESETS.mmpo);
    const mml = await trainedWeights(PRESETS['mmpo-mml']);
    const moved = maxAbsDiff(sft, initial);
    expect(moved).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(mmpo, sft)).toBeLessThan(1e-4 * moved);
    expect(maxAbsDiff(mml, sft)).toBeGreaterThan(5e-3 * moved);
  });
});
