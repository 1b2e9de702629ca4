import { describe, expect, it } from 'vitest';
import { RunFile, withDefaults } from '../../../main/cli/train';
import { PRESETS } from '../../../shared/objectives';

describe('run.json', () => {
  const defaults = {
    epochs: 3,
    optimizer: { lr: 1e-3, beta1: 0.9 },
    schedule: { kind: 'cosine', warmupRatio: 0.1 },
    objective: PRESETS.mmpo,
    lora: null,
  };

  it('lays the file over the model defaults: optimizer and schedule field by field, objective whole', () => {
    const merged = withDefaults(defaults, { epochs: 1, optimizer: { lr: 5e-4 }, objective: { objective: 'dpo', beta: 0.2 } });
    expect(merged).toEqual({
      epochs: 1,
      optimizer: { lr: 5e-4, beta1: 0.9 },
      schedule: defaults.schedule,
      objective: { objective: 'dpo', beta: 0.2 },
      lora: null,
    });
  });

  it('accepts a preset name for the objective and refuses an unknown one', () => {
    expect(withDefaults(defaults, { objective: 'ipo' })['objective']).toEqual(PRESETS.ipo);
    expect(() => withDefaults(defaults, { objective: 'ppo' })).toThrow(/"ppo" is not a preset \(mmpo, mmpo-mml, dpo/);
  });

  it('needs exactly one snapshot and one model reference, and no unknown keys', () => {
    expect(RunFile.safeParse({ dataset: 'd', model: 'demo' }).success).toBe(true);
    expect(RunFile.safeParse({ snapshotId: 1, modelId: 2, config: { epochs: 1 } }).success).toBe(true);
    expect(RunFile.safeParse({ model: 'demo' }).error?.issues[0]?.message).toBe('give exactly one of snapshotId or dataset');
    expect(RunFile.safeParse({ dataset: 'd', model: 'demo', modelId: 1 }).error?.issues[0]?.message).toBe(
      'give exactly one of modelId or model',
    );
    expect(RunFile.safeParse({ dataset: 'd', model: 'demo', epochs: 3 }).success).toBe(false);
  });
});
