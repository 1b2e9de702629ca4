import { describe, expect, it } from 'vitest';
import { effectiveBatchSize, RunConfig, stepsPerEpoch, totalSteps } from '../../../shared/training';
import { ObjectiveConfig, PRESETS, simpoGamma } from '../../../shared/objectives';

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
    expect(
      RunConfig.safeParse({ model: { kind: 'spec', hiddenSize: 64, numLayers: 2, numHeads: 4, tokenizerDir: 't' }, lora: { rank: 4 } })
        .success,
    ).toBe(true);
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

  it("SimPO's margin is set as γ/β (default 1.6, the spec's SmolLM setting), so γ = 1.6·β", () => {
    const simpo = ObjectiveConfig.parse({ objective: 'simpo' });
    expect(simpo).toEqual({ objective: 'simpo', beta: 2, gammaBetaRatio: 1.6, averageLogps: true });
    expect(simpoGamma(simpo as Extract<ObjectiveConfig, { objective: 'simpo' }>)).toBeCloseTo(3.2, 12);
    expect(ObjectiveConfig.parse(PRESETS.simpo)).toEqual(simpo);
    expect(ObjectiveConfig.parse({ objective: 'simpo', beta: 0.05 })).toMatchObject({ gammaBetaRatio: 1.6 });
    expect(ObjectiveConfig.safeParse({ objective: 'simpo', gammaBetaRatio: -1 }).success).toBe(false);
  });

  it('reads a run config stored before γ/β existed: its absolute γ becomes the ratio γ/β, so the margin it trained with is kept', () => {
    const old = RunConfig.parse({
      model: { kind: 'folder', path: 'x' },
      objective: { objective: 'simpo', beta: 2, gamma: 1.6, averageLogps: true },
    });
    expect(old.objective).toEqual({ objective: 'simpo', beta: 2, gammaBetaRatio: 0.8, averageLogps: true });
    expect(simpoGamma(old.objective as Extract<ObjectiveConfig, { objective: 'simpo' }>)).toBeCloseTo(1.6, 12);
    // Parsing what was parsed (a run read back, a checkpoint's config) changes nothing.
    expect(RunConfig.parse(JSON.parse(JSON.stringify(old)))).toEqual(old);
  });
});
