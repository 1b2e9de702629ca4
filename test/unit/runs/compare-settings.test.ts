import { describe, expect, it } from 'vitest';
import { allKeys, configDiff, differingKeys, flattenSettings, formatSetting, flatRunSettings } from '../../../shared/compare-settings';
import { colorOf, RUN_PALETTE, runColor } from '../../../shared/run-color';
import { PRESETS } from '../../../shared/objectives';
import { listedRun as run } from './compare-report-fixture';

describe('flatten', () => {
  it('joins nested keys with dots and keeps lists whole', () => {
    expect(flattenSettings({ a: 1, b: { c: 'x', d: { e: null } }, f: [1, 2] })).toEqual({ a: 1, 'b.c': 'x', 'b.d.e': null, f: '[1,2]' });
  });
});

describe('differingKeys (the runs table shows only settings that differ)', () => {
  it('leaves out every setting the runs share, and keeps the ones that differ in first-seen order', () => {
    const rows = [
      { objective: 'mmpo', 'objective.beta': 0.1, seed: 42, lr: 5e-4 },
      { objective: 'dpo', 'objective.beta': 0.1, seed: 42, lr: 1e-3 },
      { objective: 'mmpo', 'objective.beta': 0.1, seed: 42, lr: 5e-4 },
    ];
    expect(differingKeys(rows)).toEqual(['objective', 'lr']);
  });

  it('counts a setting one run lacks as differing, and finds nothing that differs in one run or none', () => {
    expect(differingKeys([{ a: 1 }, { a: 1, 'lora.rank': 8 }])).toEqual(['lora.rank']);
    expect(differingKeys([{ a: 1, b: 2 }])).toEqual([]);
    expect(differingKeys([])).toEqual([]);
    expect(allKeys([{ a: 1 }, { a: 1, b: 2 }])).toEqual(['a', 'b']);
  });

  it('on real runs: an MMPO and a DPO run with one other change differ in the objective, its switches and that change only', () => {
    const mmpo = flatRunSettings(run(1, { objective: PRESETS.mmpo }));
    const dpo = flatRunSettings(run(2, { objective: PRESETS.dpo, optimizer: { lr: 1e-3 } }));
    const keys = differingKeys([mmpo, dpo]);
    expect(keys[0]).toBe('objective');
    expect(keys).toContain('optimizer.lr');
    for (const same of ['model', 'snapshot', 'seed', 'microBatchSize', 'lora', 'schedule.kind']) expect(keys).not.toContain(same);
  });
});

describe('flatRunSettings', () => {
  it('names the model and snapshot as a person knows them, and LoRA off as one value', () => {
    const s = flatRunSettings(run(1, {}, { modelHash: 'ff00' }));
    expect(s).toMatchObject({ model: 'tiny-llama', modelHash: 'ff00', snapshot: 'Demo · demo v1', lora: 'full fine-tuning' });
    expect(Object.keys(s).some((k) => k.startsWith('model.'))).toBe(false);
    const lora = flatRunSettings(run(2, { lora: { rank: 4, alpha: 8 } }));
    expect(lora['lora.rank']).toBe(4);
    expect(lora['lora']).toBeUndefined();
  });
});

describe('configDiff (what changed between two runs)', () => {
  it('lists only the keys that differ, with both values, nested keys flattened', () => {
    const a = flatRunSettings(run(1, { objective: PRESETS.dpo, seed: 1 }));
    const b = flatRunSettings(
      run(2, { objective: { ...PRESETS.dpo, beta: 0.5 }, seed: 1 }, { snapshotName: 'demo v2', snapshotHash: 'h2' }),
    );
    expect(configDiff(a, b)).toEqual([
      { key: 'objective.beta', a: PRESETS.dpo.beta, b: 0.5 },
      { key: 'snapshot', a: 'Demo · demo v1', b: 'Demo · demo v2' },
      { key: 'snapshotHash', a: 'h1', b: 'h2' },
    ]);
    expect(configDiff(a, a)).toEqual([]);
  });

  it('formats values for a cell', () => {
    expect([formatSetting(undefined), formatSetting(null), formatSetting(true), formatSetting(0.000123456), formatSetting(3)]).toEqual([
      '—',
      '—',
      'yes',
      '0.0001235',
      '3',
    ]);
  });
});

describe('run colours', () => {
  it('are a pure function of the run id, from the palette', () => {
    expect(runColor(7)).toBe(runColor(7));
    expect(RUN_PALETTE).toContain(runColor(7));
    expect(colorOf('run:7')).toBe(runColor(7));
    // Spread over the palette: 100 runs use most of its colours.
    expect(new Set(Array.from({ length: 100 }, (_, i) => runColor(i + 1))).size).toBeGreaterThan(RUN_PALETTE.length * 0.7);
  });
});
