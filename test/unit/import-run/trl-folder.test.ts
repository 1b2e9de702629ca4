/**
 * The TRL → studio metric names of the import (issue 16 item 6) and the
 * reading of Python's JSON: the inverse of the metrics export's names, so a
 * run exported under TRL's names and imported back keeps its own.
 */
import { describe, expect, it } from 'vitest';
import { EVAL_METRICS } from '../../../shared/runs';
import { STEP_METRICS } from '../../../shared/training';
import { trlMetricName } from '../../../main/core/runs/metrics-export';
import { logValues, parsePythonJson, studioMetricName } from '../../../main/core/import-run/trl-folder';
import type { TrlImportSkip } from '../../../shared/trl-import';

describe('TRL metric names → the studio’s', () => {
  it('inverts the metrics export for every name a studio run logs', () => {
    const logged = [...STEP_METRICS.filter((n) => !['step', 'step_seconds', 'tokens_per_second'].includes(n)), ...EVAL_METRICS];
    for (const name of logged) expect(studioMetricName(trlMetricName(name)), name).toBe(name);
  });

  it('maps TRL’s held-out names under eval/ and leaves out what the studio does not know', () => {
    expect(studioMetricName('eval_loss')).toBe('eval/loss');
    expect(studioMetricName('eval_rewards/accuracies')).toBe('eval/reward_accuracy');
    expect(studioMetricName('eval_rewards/chosen')).toBe('eval/rewards/chosen');
    expect(studioMetricName('rewards/margins')).toBe('rewards/margins');
    expect(studioMetricName('nll_loss')).toBe('nll_loss');
    expect(studioMetricName('my_metric')).toBeNull();
    expect(studioMetricName('eval_my_metric')).toBeNull();
  });
});

describe('Python’s JSON', () => {
  it('reads bare NaN and ±Infinity as strings, and leaves the same words inside strings alone', () => {
    expect(parsePythonJson('{"a": NaN, "b": -Infinity, "c": Infinity, "d": "NaN is not Infinity", "e": 1.5}')).toEqual({
      a: 'NaN',
      b: '-Infinity',
      c: 'Infinity',
      d: 'NaN is not Infinity',
      e: 1.5,
    });
    expect(parsePythonJson('["say \\"NaN\\"", NaN]')).toEqual(['say "NaN"', 'NaN']);
  });

  it('keeps the finite values of an entry and reports the others', () => {
    const skipped: TrlImportSkip[] = [];
    const { byStep } = logValues([{ loss: 'NaN', grad_norm: 2, 'eval_logps/chosen': -3, 'eval_logps/rejected': -5, step: 7 }], skipped);
    expect(byStep.get(7)).toEqual({ grad_norm: 2, 'eval/logps/chosen': -3, 'eval/logps/rejected': -5, 'eval/logp_margin': 2 });
    expect(skipped).toEqual([{ what: 'step 7: loss', reason: 'is NaN' }]);
  });
});
