import { describe, expect, it } from 'vitest';
import { ObjectiveConfig, PRESETS } from '../../../shared/objectives';
import type { MetricSeries } from '../../../shared/runs';
import { groupsWithData, sftIdentityNote } from '../../../renderer/src/pages/runs/chart-groups';

const series: MetricSeries = Object.fromEntries(
  ['loss', 'rewards/chosen', 'rewards/rejected', 'rewards/margins', 'mmpo/weight_chosen'].map((name) => [
    name,
    { steps: [1, 2], values: [0.5, 0.4] },
  ]),
);
const groups = (objective: unknown) => Object.fromEntries(groupsWithData(series, ObjectiveConfig.parse(objective)).map((g) => [g.id, g]));

describe('chart titles and hints follow the objective (mmpo-spec.md)', () => {
  it('with λ_pair = 1 the run view states the SFT identity and w_w is not called a share of the update', () => {
    expect(sftIdentityNote(ObjectiveConfig.parse(PRESETS.mmpo))).toMatch(
      /exactly supervised fine-tuning on the chosen response.*−lse\(s_w, s_l\) − log σ\(s_w − s_l\) = −s_w/,
    );
    const hint = groups(PRESETS.mmpo)['weight']!.hint!;
    expect(hint).not.toMatch(/share of the update/i);
    expect(hint).toMatch(/does not split the update/);
  });

  it('with λ_pair = 0 there is no identity, and w_w is the update’s split (M4)', () => {
    expect(sftIdentityNote(ObjectiveConfig.parse(PRESETS['mmpo-mml']))).toBeNull();
    expect(groups(PRESETS['mmpo-mml'])['weight']!.hint).toMatch(/Share of the update given to the chosen response \(M4\)/);
    expect(groups({ ...PRESETS.mmpo, lambdaPair: 0.5 })['weight']!.hint).toMatch(/w_w \+ 0\.5·\(1 − w_w\)/);
  });

  it('MMPO reward charts say their unit: nats, not β-scaled; other objectives keep the plain titles', () => {
    const mmpo = groups(PRESETS.mmpo);
    expect(mmpo['rewards']!.title).toMatch(/nats/);
    expect(mmpo['rewards']!.hint).toMatch(/not β-scaled/);
    expect(mmpo['margins']!.title).toMatch(/nats/);
    const dpo = groups(PRESETS.dpo);
    expect(dpo['rewards']!.title).toBe('Rewards');
    expect(sftIdentityNote(ObjectiveConfig.parse(PRESETS.dpo))).toBeNull();
  });
});
