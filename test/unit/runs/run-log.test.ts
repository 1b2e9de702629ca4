import { describe, expect, it } from 'vitest';
import { evalMetrics, formatDiagnosticLine, formatEvalLine, formatStepLine, isRunReportLine } from '../../../shared/run-log';
import { filterLogLines } from '../../../renderer/src/lib/log-filter';

describe('the run log lines shared by `studio train` and the job log', () => {
  it('formats a step with its loss, accuracy, margin, learning rate and tokens/s', () => {
    const line = formatStepLine(7, 40, {
      loss: 0.693147,
      'rewards/accuracies': 0.5,
      'rewards/margins': 0.01234,
      learning_rate: 5e-4,
      tokens_per_second: 811.6,
    });
    expect(line).toBe('step  7/40  loss 0.6931  acc 0.50  margin 0.012  lr 5.00e-4  812 tok/s');
    expect(formatStepLine(12, 40, { loss: 1 })).toBe('step 12/40  loss 1.0000  acc —  margin —  lr —  0 tok/s');
  });

  it('formats an evaluation under the names the run records, leaving out what the objective has not', () => {
    const e = { step: 10, pairs: 40, logpAccuracy: 0.9, logpMargin: 3.21, loss: 0.4123, rewardAccuracy: null, rewardMargin: null };
    expect(evalMetrics(e)).toEqual({ 'eval/logp_accuracy': 0.9, 'eval/logp_margin': 3.21, 'eval/loss': 0.4123 });
    expect(formatEvalLine(10, evalMetrics(e))).toBe('eval @ 10: logp_accuracy 0.900  logp_margin 3.210  loss 0.412');
  });

  it('recognises its own step, eval and diagnostic lines and nothing else', () => {
    const diagnostic = formatDiagnosticLine({ level: 'warn', code: 'x', step: 30, message: 'held-out accuracy fell from its peak.' });
    expect(diagnostic).toBe('warn @ step 30: held-out accuracy fell from its peak.');
    for (const line of [formatStepLine(3, 30, { loss: 1 }), formatEvalLine(3, { 'eval/loss': 1 }), diagnostic, 'info: Nothing unusual.']) {
      expect(isRunReportLine(line), line).toBe(true);
    }
    for (const line of [
      'Checkpoint at step 10 (1.2 MB): /ws/run-1/checkpoint-10; keeping 2.',
      'Worker 12 on the wasm backend.',
      'paused: Paused at step 3.',
    ]) {
      expect(isRunReportLine(line), line).toBe(false);
    }
  });
});

describe('the log view search', () => {
  const lines = [
    { level: 'info' as const, message: 'step  1/40  loss 0.6931' },
    { level: 'info' as const, message: 'eval @ 10: logp_accuracy 0.900' },
    { level: 'warn' as const, message: 'Skipping checkpoint checkpoint-10: bad checksum' },
  ];
  it('keeps the lines holding every word, case folded, levels included', () => {
    expect(filterLogLines(lines, '')).toEqual(lines);
    expect(filterLogLines(lines, 'EVAL').map((l) => l.message)).toEqual(['eval @ 10: logp_accuracy 0.900']);
    expect(filterLogLines(lines, 'warn checkpoint')).toEqual([lines[2]]);
    expect(filterLogLines(lines, 'checkpoint nothing')).toEqual([]);
  });
});
