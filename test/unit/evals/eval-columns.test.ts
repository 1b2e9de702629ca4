/**
 * The evaluation tables' columns (shared/eval-columns.ts) come from the stored metrics (Evaluate page,
 * the run page's evaluation panel): each item's headline metrics first, the
 * standard error or interval beside its value rather than in a column, and a
 * kind the table does not know (a new suite item) shown whole.
 */
import { describe, expect, it } from 'vitest';
import { formatDetail, formatMetricCell, metricColumns } from '../../../shared/eval-columns';

const mc = {
  kind: 'multiple-choice',
  label: 'mc.jsonl',
  metrics: { acc_norm: 0.7, acc: 0.685, acc_stderr: 0.0328, acc_norm_stderr: 0.0324 },
};
const pref = {
  kind: 'preference',
  label: 'demo (test)',
  metrics: { 'logps/chosen': -9.1, 'logps/accuracies': 0.61, 'rewards/accuracies': null, 'logits/chosen': 0.2 },
};
const novel = {
  kind: 'toxicity',
  label: 'prompts.jsonl',
  metrics: { toxic_share: 0.1, toxic_share_ci_low: 0.05, toxic_share_ci_high: 0.16 },
};

const columns = (rows: Parameters<typeof metricColumns>[0], all?: boolean) => metricColumns(rows, all).map((c) => `${c.kind}:${c.metric}`);

describe('evaluation table columns', () => {
  it('lists each item in the order first seen, headline metrics first, companions folded into their metric', () => {
    expect(columns([[mc, pref], [novel]])).toEqual([
      'multiple-choice:acc',
      'multiple-choice:acc_norm',
      'preference:logps/accuracies',
      'preference:rewards/accuracies',
      // A kind without headline metrics shows all of its own.
      'toxicity:toxic_share',
    ]);
    expect(columns([[mc, pref]], true)).toEqual([
      'multiple-choice:acc',
      'multiple-choice:acc_norm',
      'preference:logps/accuracies',
      'preference:rewards/accuracies',
      'preference:logits/chosen',
      'preference:logps/chosen',
    ]);
  });

  it('takes the union of the rows, so a model missing an item leaves a blank and not a missing column', () => {
    expect(columns([[mc], [pref]])).toEqual(columns([[mc, pref]]));
  });

  it('formats a value with its standard error or interval, and an undefined one as a dash', () => {
    expect(formatMetricCell(mc.metrics, 'acc')).toBe('0.685 ± 0.0328');
    expect(formatMetricCell(novel.metrics, 'toxic_share')).toBe('0.1 [0.05, 0.16]');
    expect(formatMetricCell(pref.metrics, 'rewards/accuracies')).toBe('—');
    expect(formatMetricCell(pref.metrics, 'logps/chosen')).toBe('-9.1');
    expect(formatMetricCell({ x: 0.00012 }, 'x')).toBe('1.20e-4');
  });

  it('formats per-item details: lists joined, booleans as marks, nothing as a dash', () => {
    expect(formatDetail([-1.23456, -2])).toBe('-1.235, -2');
    expect(formatDetail(true)).toBe('✓');
    expect(formatDetail(null)).toBe('—');
    expect(formatDetail('line 3')).toBe('line 3');
  });
});
