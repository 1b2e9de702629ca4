/**
 * Which steps of a run its `evalSuite` evaluates (main/core/runs/run-evals.ts):
 * step 0 once the run has started, and each checkpoint its schedule wrote —
 * every `checkpointEvery` steps, at epoch ends and the last step — but not
 * the checkpoint a pause writes, so a paused run is evaluated at the same
 * steps as one that ran straight through.
 */
import { describe, expect, it } from 'vitest';
import { dueEvalSteps } from '../../../main/core/runs/run-eval-points';
import type { Run } from '../../../shared/runs';
import { RunConfig } from '../../../shared/training';

/** 100 train pairs in micro-batches of 10: 10 steps an epoch, 2 epochs. */
function run(config: Record<string, unknown>, startedAt: number | null = 1): Run {
  const parsed = RunConfig.parse({
    model: { kind: 'spec', hiddenSize: 8, numLayers: 1, numHeads: 2, tokenizerDir: '/tmp/tokenizer' },
    microBatchSize: 10,
    gradAccumulation: 1,
    epochs: 2,
    evalSuite: 'demo',
    ...config,
  });
  return { config: parsed, startedAt, totalSteps: 20, trainPairs: 100, testPairs: 10 } as Run;
}

describe('the steps a run evaluates', () => {
  it('is nothing before the run starts, then step 0', () => {
    expect(dueEvalSteps(run({}, null), [])).toEqual([]);
    expect(dueEvalSteps(run({}), [])).toEqual([0]);
  });

  it('adds each scheduled checkpoint on disk, in order, and leaves out a pause checkpoint', () => {
    const r = run({ checkpointEvery: 4, checkpointEachEpoch: true });
    // 4, 8 (every 4), 10 (epoch end), 12, 16, 20 (every 4, epoch end, last); 7 was a pause.
    expect(dueEvalSteps(r, [20, 16, 12, 10, 8, 7, 4])).toEqual([0, 4, 8, 10, 12, 16, 20]);
    expect(dueEvalSteps(run({ checkpointEvery: 0, checkpointEachEpoch: false }), [7, 20])).toEqual([0, 20]);
  });

  it('reads the checkpoints on disk now (those queued before a prune stay queued: the jobs table keeps them)', () => {
    expect(dueEvalSteps(run({ checkpointEvery: 4 }), [16, 20])).toEqual([0, 16, 20]);
  });
});
