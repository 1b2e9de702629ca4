import { describe, expect, it } from 'vitest';
import { DEMO_EXPERIMENT } from '../../../shared/demo';
import { DEMO_GRID, QUICK_GRID, expandGrid, overDefaults, quickAxes } from '../../../shared/experiments';
import { PRESETS } from '../../../shared/objectives';
import { StudioError } from '../../../shared/result';

function failure(fn: () => unknown): StudioError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).code).toBe('INVALID_ARGUMENT');
    return err as StudioError;
  }
  throw new Error('expected the grid to be refused');
}

describe('expandGrid', () => {
  it('expands the default demo grid to 32 runs, objectives outermost, each objective at each β and seed', () => {
    const grid = expandGrid({ config: DEMO_EXPERIMENT, vary: DEMO_GRID });
    expect(grid.cells).toHaveLength(4 * 4 * 2);
    expect(grid.cells.map((c) => c.cell)).toEqual([...Array(32).keys()]);
    expect(grid.cells[0]!.settings).toEqual({ objective: 'mmpo', 'objective.beta': 0.01, seed: 1 });
    expect(grid.cells[1]!.settings).toEqual({ objective: 'mmpo', 'objective.beta': 0.01, seed: 2 });
    expect(grid.cells[2]!.settings).toEqual({ objective: 'mmpo', 'objective.beta': 0.05, seed: 1 });
    expect(grid.cells[31]!.settings).toEqual({ objective: 'simpo', 'objective.beta': 0.5, seed: 2 });
    // The β set on each preset: the preset's other switches stay (mmpo-mml is mmpo with λ_pair = 0).
    const mml = grid.cells.find((c) => c.settings['objective'] === 'mmpo-mml' && c.settings['objective.beta'] === 0.1)!;
    expect(mml.config['objective']).toEqual({ ...PRESETS['mmpo-mml'], beta: 0.1 });
    const simpo = grid.cells.find((c) => c.settings['objective'] === 'simpo' && c.settings['objective.beta'] === 0.05)!;
    expect(simpo.config['objective']).toMatchObject({ objective: 'simpo', beta: 0.05 });
    expect(simpo.label).toBe('simpo β=0.05 seed=1');
    expect(simpo.config['seed']).toBe(1);
    // Every combination once.
    expect(new Set(grid.cells.map((c) => c.label)).size).toBe(32);
  });

  it('says which settings vary and which every run shares', () => {
    const grid = expandGrid({ config: DEMO_EXPERIMENT, vary: QUICK_GRID });
    expect(grid.cells.map((c) => c.label)).toEqual(['mmpo β=0.01 seed=1', 'mmpo β=0.5 seed=1', 'dpo β=0.01 seed=1', 'dpo β=0.5 seed=1']);
    // The objective's name and β vary, and so do the MMPO-only switches that DPO lacks; one seed is shared.
    expect(grid.varying).toContain('objective.objective');
    expect(grid.varying).toContain('objective.beta');
    expect(grid.varying).toContain('objective.lambdaPair');
    expect(grid.varying).not.toContain('seed');
    expect(grid.shared).toMatchObject({
      seed: 1,
      'optimizer.lr': DEMO_EXPERIMENT.optimizer.lr,
      maxSteps: DEMO_EXPERIMENT.maxSteps,
      evalSuite: 'demo',
      microBatchSize: 8,
    });
    for (const key of grid.varying) expect(grid.shared).not.toHaveProperty(key);
    expect(grid.axes).toEqual([
      { path: 'objective', values: ['mmpo', 'dpo'] },
      { path: 'objective.beta', values: [0.01, 0.5] },
      { path: 'seed', values: [1] },
    ]);
  });

  it('varies any setting path, over the model defaults, with nested groups merged', () => {
    const defaults = { optimizer: { lr: 1e-3, weightDecay: 0.1 }, seed: 42, objective: PRESETS.dpo, maxLength: 128, maxPromptLength: 96 };
    const grid = expandGrid({ config: { optimizer: { weightDecay: 0 } }, vary: { 'optimizer.lr': [1e-4, 5e-4, 1e-3] } }, defaults);
    expect(grid.cells.map((c) => (c.config['optimizer'] as { lr: number }).lr)).toEqual([1e-4, 5e-4, 1e-3]);
    expect(grid.cells.every((c) => (c.config['optimizer'] as { weightDecay: number }).weightDecay === 0)).toBe(true);
    expect(grid.varying).toEqual(['optimizer.lr']);
    expect(grid.shared).toMatchObject({ 'objective.objective': 'dpo', seed: 42, 'optimizer.weightDecay': 0 });
    // The base config's objective may be a preset name too.
    expect(overDefaults(defaults, { objective: 'simpo' })['objective']).toEqual(PRESETS.simpo);
  });

  it('--quick keeps two values of each axis and one seed', () => {
    expect(quickAxes(DEMO_GRID)).toEqual({ objective: ['mmpo', 'mmpo-mml'], 'objective.beta': [0.01, 0.05], seed: [1] });
  });

  it('refuses a bad spec, naming the axis or the cell and setting', () => {
    expect(failure(() => expandGrid({ vary: {} })).message).toMatch(/^vary: name at least one setting/);
    expect(failure(() => expandGrid({ vary: { 'optimiser.lr': [1e-3] } })).message).toMatch(
      /^vary\.optimiser\.lr: "optimiser" is not a run setting/,
    );
    expect(failure(() => expandGrid({ vary: { objective: ['mmpo', 'ppo'] } })).message).toBe(
      'vary.objective[1]: "ppo" is not an objective preset (mmpo, mmpo-mml, dpo, ipo, simpo, orpo, sft).',
    );
    expect(failure(() => expandGrid({ vary: { seed: [1, 2, 1] } })).message).toBe('vary.seed[2]: 1 is listed twice.');
    expect(failure(() => expandGrid({ vary: { seed: [] } })).message).toBe('vary.seed: give at least one value.');
    expect(failure(() => expandGrid({ vary: { model: ['a'] } })).message).toMatch(/^vary\.model: an experiment has one base model/);
    // A value the setting does not take: the cell and the setting are named.
    const err = failure(() => expandGrid({ vary: { 'objective.beta': [0.1, -1] } }));
    expect(err.message).toMatch(/^Run 2 of the grid \(β=-1\): objective\.beta: /);
    expect(err.details).toEqual({ issues: [{ path: 'objective.beta', message: err.message }] });
    // SFT has no β: refused instead of silently training every SFT cell alike.
    expect(failure(() => expandGrid({ vary: { objective: ['dpo', 'sft'], 'objective.beta': [0.1] } })).message).toBe(
      'vary.objective.beta: objective "sft" has no setting "beta" (run 2 of the grid: sft β=0.1).',
    );
    expect(failure(() => expandGrid({ config: { lr: 1e-3 }, vary: { seed: [1] } })).message).toMatch(
      /^config\.lr: "lr" is not a run setting/,
    );
    expect(failure(() => expandGrid({ vary: { seed: [...Array(300).keys()] } })).message).toBe(
      'vary: the grid has 300 runs; at most 256 fit one experiment.',
    );
  });
});
