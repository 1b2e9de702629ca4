import { describe, expect, it } from 'vitest';
import type { MetricSeries, Run } from '../../../shared/runs';
import { RunConfig } from '../../../shared/training';
import { metricsCsv, metricsJson, trlMetricName } from '../../../main/core/runs/metrics-export';

const series: MetricSeries = {
  loss: { steps: [1, 2], values: [0.69, 0.6] },
  'rewards/accuracies': { steps: [1, 2], values: [0.5, 0.75] },
  'rewards/chosen': { steps: [1, 2], values: [-1, -0.5] },
  'mmpo/weight_chosen': { steps: [1, 2], values: [0.5, 0.6] },
  epoch: { steps: [1, 2], values: [0.5, 1] },
  step: { steps: [1, 2], values: [1, 2] },
  'eval/loss': { steps: [2], values: [0.65] },
  'eval/reward_accuracy': { steps: [2], values: [0.7] },
  'eval/reward_margin': { steps: [2], values: [0.3] },
  'eval/logp_accuracy': { steps: [2], values: [0.8] },
  'eval/logp_margin': { steps: [2], values: [1.5] },
};
const run = {
  id: 3,
  name: 'r',
  status: 'succeeded',
  config: RunConfig.parse({ model: { kind: 'folder', path: '/m' }, epochs: 1 }),
  modelName: 'm',
  snapshotName: 's',
  snapshotHash: 'h',
  step: 2,
  totalSteps: 2,
} as Run;

describe("run metrics export under TRL's names (evaluation.md)", () => {
  it('keeps train names and gives held-out ones the eval_ prefix', () => {
    expect(trlMetricName('rewards/accuracies')).toBe('rewards/accuracies');
    expect(trlMetricName('eval/reward_accuracy')).toBe('eval_rewards/accuracies');
    expect(trlMetricName('eval/reward_margin')).toBe('eval_rewards/margins');
    expect(trlMetricName('eval/loss')).toBe('eval_loss');
    expect(trlMetricName('eval/logp_accuracy')).toBe('eval_logps/accuracies');
  });

  it('CSV: one row per step, step and epoch first, train metrics in the spec order, then eval_ columns', () => {
    const { text, rows } = metricsCsv(series);
    const [header, first, second] = text.trimEnd().split('\n');
    expect(rows).toBe(2);
    expect(header).toBe(
      'step,epoch,loss,rewards/chosen,rewards/accuracies,mmpo/weight_chosen,eval_logps/accuracies,eval_logps/margins,eval_loss,eval_rewards/accuracies,eval_rewards/margins',
    );
    expect(first).toBe('1,0.5,0.69,-1,0.5,0.5,,,,,');
    expect(second).toBe('2,1,0.6,-0.5,0.75,0.6,0.8,1.5,0.65,0.7,0.3');
    expect(text).not.toMatch(/eval\//);
  });

  it("JSON: trainer_state.json's shape, a log_history entry per train step and per evaluation", () => {
    const doc = JSON.parse(metricsJson(run, series)) as {
      global_step: number;
      max_steps: number;
      num_train_epochs: number;
      log_history: Record<string, number>[];
      run: { objective: { objective: string } };
    };
    expect(doc).toMatchObject({ global_step: 2, max_steps: 2, num_train_epochs: 1, run: { objective: { objective: 'mmpo' } } });
    expect(doc.log_history).toEqual([
      { loss: 0.69, 'rewards/chosen': -1, 'rewards/accuracies': 0.5, 'mmpo/weight_chosen': 0.5, epoch: 0.5, step: 1 },
      { loss: 0.6, 'rewards/chosen': -0.5, 'rewards/accuracies': 0.75, 'mmpo/weight_chosen': 0.6, epoch: 1, step: 2 },
      {
        'eval_logps/accuracies': 0.8,
        'eval_logps/margins': 1.5,
        eval_loss: 0.65,
        'eval_rewards/accuracies': 0.7,
        'eval_rewards/margins': 0.3,
        epoch: 1,
        step: 2,
      },
    ]);
  });
});
