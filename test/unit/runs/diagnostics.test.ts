import { describe, expect, it } from 'vitest';
import type { MetricSeries } from '../../../shared/runs';
import { diagnose } from '../../../main/core/runs/diagnostics';

const steps = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
function series(values: Record<string, number[]>): MetricSeries {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { steps: steps(v.length), values: v }]));
}
const ramp = (n: number, from: number, to: number) => steps(n).map((i) => from + ((to - from) * (i - 1)) / (n - 1));
const codes = (s: MetricSeries, error: Parameters<typeof diagnose>[1] = null) => diagnose(s, error).map((d) => d.code);

describe('run diagnostics in plain words', () => {
  it('says nothing about a healthy run', () => {
    const s = series({ loss: ramp(40, 0.69, 0.4), 'logps/chosen': ramp(40, -60, -55), 'rewards/margins': ramp(40, 0, 2), 'rewards/accuracies': ramp(40, 0.5, 0.8) });
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
    const s = series({ loss: [...ramp(30, 0.6, 0.1), ...Array(10).fill(0.01)], 'rewards/accuracies': [...ramp(30, 0.5, 0.9), ...Array(10).fill(1)] });
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
    const d = diagnose(series({ loss: [0.7, 0.6] }), { code: 'non_finite', message: 'Step 3: loss is NaN; training stopped (try a lower learning rate or enable gradient clipping).' });
    expect(d).toEqual([expect.objectContaining({ level: 'error', code: 'non_finite', step: 3 })]);
  });

  it('waits for enough steps before judging trends', () => {
    expect(diagnose(series({ loss: ramp(5, 0.6, 0.0), 'rewards/accuracies': ramp(5, 1, 1) }), null)).toEqual([]);
  });
});
