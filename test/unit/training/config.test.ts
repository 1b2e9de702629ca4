import { describe, expect, it } from 'vitest';
import { effectiveBatchSize, RunConfig, stepsPerEpoch, totalSteps } from '../../../shared/training';

describe('RunConfig', () => {
  it('fills the documented defaults from a model source alone', () => {
    const c = RunConfig.parse({ model: { kind: 'folder', path: '/models/smollm2' } });
    expect(c.objective).toMatchObject({ objective: 'mmpo', lambdaPair: 1, inBatchNorm: true });
    expect(c.optimizer).toEqual({ lr: 5e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    expect(c.schedule).toEqual({ kind: 'cosine', warmupRatio: 0.1 });
    expect(effectiveBatchSize(c)).toBe(16);
    expect(c).toMatchObject({ seed: 42, epochs: 5, maxSteps: null, lora: null, chatTemplate: true, maxGradNorm: 1 });
  });

  it('validates', () => {
    expect(RunConfig.safeParse({ model: { kind: 'folder', path: 'x' }, maxLength: 100, maxPromptLength: 100 }).success).toBe(false);
    expect(RunConfig.safeParse({ model: { kind: 'folder', path: 'x' }, microBatchSize: 0 }).success).toBe(false);
    expect(RunConfig.safeParse({ model: { kind: 'spec', hiddenSize: 64, numLayers: 2, numHeads: 4, tokenizerDir: 't' }, lora: { rank: 4 } }).success).toBe(true);
    const lora = RunConfig.parse({ model: { kind: 'folder', path: 'x' }, lora: {} }).lora;
    expect(lora).toEqual({ rank: 8, alpha: 16, dropout: 0, targetModules: null });
  });

  it('counts steps per epoch without crossing epochs', () => {
    const c = { microBatchSize: 4, gradAccumulation: 3, epochs: 2, maxSteps: null };
    // 50 pairs → 13 micro-batches → 5 steps (3+3+3+3+1).
    expect(stepsPerEpoch(50, c)).toBe(5);
    expect(totalSteps(50, c)).toBe(10);
    expect(totalSteps(50, { ...c, maxSteps: 7 })).toBe(7);
  });
});
