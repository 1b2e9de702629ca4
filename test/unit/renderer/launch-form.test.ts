import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../../shared/objectives';
import { getAt, objectiveFields, objectiveName, presetConfig, presetOf, setAt } from '../../../renderer/src/pages/runs/launch-form';

describe('the launcher form state', () => {
  it('reads and writes by the dotted paths runs.estimate reports issues under, without touching the original', () => {
    const config = { optimizer: { lr: 5e-4, beta1: 0.9 }, maxLength: 512, lora: null };
    const next = setAt(config, 'optimizer.lr', 1e-3);
    expect(getAt(next, 'optimizer.lr')).toBe(1e-3);
    expect(getAt(next, 'optimizer.beta1')).toBe(0.9);
    expect(config.optimizer.lr).toBe(5e-4);
    expect(next['maxLength']).toBe(512);
    // Objects are created along a path through null (LoRA switched on field by field).
    expect(setAt(config, 'lora.rank', 16)['lora']).toEqual({ rank: 16 });
    expect(getAt(config, 'lora.rank')).toBeUndefined();
  });

  it('tells the two MMPO presets apart by λ_pair and maps every other objective to its own preset', () => {
    expect(presetOf(PRESETS.mmpo)).toBe('mmpo');
    expect(presetOf(PRESETS['mmpo-mml'])).toBe('mmpo-mml');
    expect(presetOf({ ...PRESETS.mmpo, lambdaPair: 0.5 })).toBe('mmpo');
    expect(presetOf(PRESETS.simpo)).toBe('simpo');
    expect(presetOf(undefined)).toBe('mmpo');
    expect(presetConfig('dpo')).toEqual({ objective: 'dpo', beta: 0.1 });
    expect(presetConfig('dpo')).not.toBe(PRESETS.dpo);
  });

  it('offers exactly the switches each preset sets, so the form shows only those that apply', () => {
    for (const preset of Object.values(PRESETS)) {
      const { objective, ...switches } = preset;
      expect(
        objectiveFields(preset)
          .map((f) => f.path.replace('objective.', ''))
          .sort(),
      ).toEqual(Object.keys(switches).sort());
      expect(objectiveName(preset)).toBe(objective);
    }
  });

  it('labels λ_pair as a free weight with the spec note (the spec uses only 0 and 1) and sets SimPO by γ/β', () => {
    const lambda = objectiveFields(PRESETS.mmpo).find((f) => f.path === 'objective.lambdaPair')!;
    expect(lambda.label).toMatch(/free weight/);
    expect(lambda.help).toMatch(/only 0 or 1/);
    expect(lambda.help).toMatch(/exactly SFT on the chosen response/);
    const simpo = objectiveFields(PRESETS.simpo).map((f) => f.path);
    expect(simpo).toContain('objective.gammaBetaRatio');
    expect(simpo).not.toContain('objective.gamma');
  });
});
