import { describe, expect, it } from 'vitest';
import type { MetricSeries } from '../../../shared/runs';
import { diagnose } from '../../../main/core/runs/diagnostics';
import demoRuns from './fixtures/demo-mmpo-series.json';

const steps = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
function series(values: Record<string, number[]>): MetricSeries {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { steps: steps(v.length), values: v }]));
}
const ramp = (n: number, from: number, to: number) => steps(n).map((i) => from + ((to - from) * (i - 1)) / (n - 1));
const codes = (s: MetricSeries, error: Parameters<typeof diagnose>[1] = null) => diagnose(s, error).map((d) => d.code);

describe('run diagnostics in plain words', () => {
  it('says nothing about a healthy run', () => {
    const s = series({
      loss: ramp(40, 0.69, 0.4),
      'logps/chosen': ramp(40, -60, -55),
      'rewards/margins': ramp(40, 0, 2),
      'rewards/accuracies': ramp(40, 0.5, 0.8),
    });
    expect(diagnose(s, null)).toEqual([]);
  });

  it('flags chosen log-prob falling while the margin grows', () => {
    const s = series({ loss: ramp(40, 0.69, 0.3), 'logps/chosen': ramp(40, -60, -90), 'rewards/margins': ramp(40, 0, 5) });
    const [d] = diagnose(s, null);
    expect(d).toMatchObject({ level: 'warn', code: 'chosen_logp_falling', step: 40 });
    expect(d!.message).toMatch(/fell by 2\d\.\d nats while the margin grew/);
  });

  it('does not flag a falling chosen log-prob when the margin shrinks too', () => {
    const s = series({ loss: ramp(40, 0.69, 0.7), 'logps/chosen': ramp(40, -60, -90), 'rewards/margins': ramp(40, 2, 0) });
    expect(codes(s)).not.toContain('chosen_logp_falling');
  });

  it('flags accuracy 1 with a loss near 0 as overfitting, quoting held-out accuracy', () => {
    const s = series({
      loss: [...ramp(30, 0.6, 0.1), ...Array<number>(10).fill(0.01)],
      'rewards/accuracies': [...ramp(30, 0.5, 0.9), ...Array<number>(10).fill(1)],
    });
    s['eval/logp_accuracy'] = { steps: [20, 40], values: [0.7, 0.62] };
    const [d] = diagnose(s, null);
    expect(d).toMatchObject({ code: 'overfitting' });
    expect(d!.message).toMatch(/held-out accuracy 0\.62/);
  });

  it('flags held-out accuracy falling from its peak and names the step to keep', () => {
    const s = series({ loss: ramp(40, 0.69, 0.3) });
    s['eval/logp_accuracy'] = { steps: [10, 20, 30, 40], values: [0.6, 0.8, 0.72, 0.65] };
    const d = diagnose(s, null).find((x) => x.code === 'eval_accuracy_falling');
    expect(d?.message).toMatch(/peaked at 0\.80 \(step 20\) and is now 0\.65/);
  });

  it('reports a NaN stop with its step even when few steps were recorded', () => {
    const d = diagnose(series({ loss: [0.7, 0.6] }), {
      code: 'non_finite',
      message: 'Step 3: loss is NaN; training stopped (try a lower learning rate or enable gradient clipping).',
    });
    expect(d).toEqual([expect.objectContaining({ level: 'error', code: 'non_finite', step: 3 })]);
  });

  it('waits for enough steps before judging trends', () => {
    expect(diagnose(series({ loss: ramp(5, 0.6, 0.0), 'rewards/accuracies': ramp(5, 1, 1) }), null)).toEqual([]);
  });

  it('flags held-out loss rising while training loss falls on the real MMPO demo run with the old 3-epoch defaults', () => {
    const d = diagnose(demoRuns.threeEpochs, null).find((x) => x.code === 'eval_loss_rising');
    expect(d).toMatchObject({ level: 'warn', step: 126 });
    expect(d!.message).toMatch(/Held-out loss rose from 12\.2 \(step 5\) to 13\.5 while the training loss fell/);
  });

  it('stays quiet on the demo run with the new defaults (1 epoch, lr 5e-4): held-out loss nearly flat', () => {
    expect(codes(demoRuns.oneEpoch)).not.toContain('eval_loss_rising');
  });

  it('flags rising held-out loss for every objective (small DPO-scale losses too), only while training loss falls, and not for one noisy point', () => {
    const evalSteps = [10, 20, 30, 40, 50, 60];
    const dpo = series({ loss: ramp(60, 0.69, 0.2) });
    dpo['eval/loss'] = { steps: evalSteps, values: [0.66, 0.62, 0.65, 0.7, 0.74, 0.78] };
    expect(codes(dpo)).toContain('eval_loss_rising');
    const flatTrain = series({ loss: ramp(60, 0.69, 0.68) });
    flatTrain['eval/loss'] = dpo['eval/loss'];
    expect(codes(flatTrain)).not.toContain('eval_loss_rising');
    const blip = series({ loss: ramp(60, 0.69, 0.2) });
    blip['eval/loss'] = { steps: evalSteps, values: [0.66, 0.62, 0.6, 0.58, 0.57, 0.7] };
    expect(codes(blip)).not.toContain('eval_loss_rising');
  });
});
