import { describe, expect, it } from 'vitest';
import type { ModelEntry } from '../../../shared/runs';
import type { Snapshot } from '../../../shared/datasets';
import { configFromSpec } from '../../../main/engine/hf/config';
import { defaultsFor, estimateRun } from '../../../main/core/runs/estimate';

const modelConfig = configFromSpec({
  modelType: 'llama',
  vocabSize: 300,
  hiddenSize: 64,
  numLayers: 2,
  numHeads: 4,
  bosTokenId: 0,
  eosTokenId: 1,
});
const model: ModelEntry = {
  id: 1,
  name: 'm',
  path: '/m',
  origin: 'folder',
  modelType: 'llama',
  parameters: 0,
  hiddenSize: 64,
  numLayers: 2,
  vocabSize: 300,
  hasChatTemplate: true,
  createdAt: 0,
};
const snapshot: Snapshot = {
  id: 1,
  datasetId: 1,
  name: 's',
  contentHash: 'h',
  recordCount: 100,
  trainCount: 90,
  testCount: 10,
  filter: null,
  createdAt: 0,
};
const base = { model, modelConfig, snapshot, meanRecordChars: 400, backend: 'wasm', observedTokensPerSecond: null, referenceCached: false };

describe('the launcher estimate', () => {
  it('counts steps from the train split and the effective batch', () => {
    const e = estimateRun({ ...base, config: { microBatchSize: 4, gradAccumulation: 2, epochs: 3, maxLength: 128, maxPromptLength: 64 } });
    expect(e).toMatchObject({
      issues: [],
      trainPairs: 90,
      testPairs: 10,
      effectiveBatch: 8,
      stepsPerEpoch: 12,
      totalSteps: 36,
      needsReference: true,
      memoryProblem: null,
    });
    expect(e.memoryBytes).toBeGreaterThan(0);
    expect(e.secondsPerEpoch).toBeGreaterThan(0);
    expect(e.timeBasis).toMatch(/rough/);
  });

  it('uses measured throughput when earlier runs recorded it', () => {
    const a = estimateRun({ ...base, observedTokensPerSecond: 1000, config: { maxLength: 128, maxPromptLength: 64 } });
    const b = estimateRun({ ...base, observedTokensPerSecond: 2000, config: { maxLength: 128, maxPromptLength: 64 } });
    expect(a.secondsPerEpoch! / b.secondsPerEpoch!).toBeCloseTo(2, 6);
    expect(a.timeBasis).toMatch(/1000 tokens\/s measured/);
  });

  it('prefers wall-clock step times measured on earlier runs, scaled to this run, with a narrow range', () => {
    const observed = [{ secondsPerStep: 0.4, pairsPerStep: 8, meanRecordChars: 400 }];
    const e = estimateRun({
      ...base,
      observedTokensPerSecond: 5000,
      observedStepTimes: observed,
      config: { maxLength: 128, maxPromptLength: 64 },
    });
    // 90 train pairs at 0.4 s per 8 pairs of the same length: 4.5 s per epoch, whatever the tokens/s said.
    expect(e.secondsPerEpoch).toBeCloseTo(4.5, 9);
    expect(e.secondsPerEpochRange![0]).toBeLessThan(4.5);
    expect(e.secondsPerEpochRange![1]).toBeGreaterThan(4.5);
    expect(e.secondsPerEpochRange![1] / e.secondsPerEpochRange![0]).toBeLessThan(2);
    expect(e.timeBasis).toMatch(/^measured: 0\.40 s per step of 8 pairs/);
    // Records twice as long, twice the time.
    expect(
      estimateRun({ ...base, meanRecordChars: 800, observedStepTimes: observed, config: { maxLength: 128, maxPromptLength: 64 } })
        .secondsPerEpoch,
    ).toBeCloseTo(9, 9);
  });

  it('every basis comes with a range around its figure, widest for a FLOP count', () => {
    const flops = estimateRun({ ...base, config: { maxLength: 128, maxPromptLength: 64 } });
    const [low, high] = flops.secondsPerEpochRange!;
    expect(low).toBeLessThan(flops.secondsPerEpoch!);
    expect(high / low).toBeGreaterThanOrEqual(5);
  });

  it('names invalid fields by path', () => {
    const e = estimateRun({ ...base, config: { optimizer: { lr: -1 }, maxLength: 64, maxPromptLength: 80 } });
    expect(e.issues.map((i) => i.path).sort()).toEqual(['maxPromptLength', 'optimizer.lr'].sort());
  });

  it('refuses lengths beyond the model and runs that cannot fit, with a suggestion', () => {
    const long = estimateRun({ ...base, config: { maxLength: 100_000, maxPromptLength: 64 } });
    expect(long.issues).toContainEqual({
      path: 'maxLength',
      message: `The model handles at most ${modelConfig.maxPositionEmbeddings} positions.`,
    });
    const big = configFromSpec({
      modelType: 'llama',
      vocabSize: 128_000,
      hiddenSize: 2048,
      numLayers: 16,
      numHeads: 32,
      bosTokenId: 0,
      eosTokenId: 1,
    });
    const e = estimateRun({
      ...base,
      modelConfig: { ...big, maxPositionEmbeddings: 4096 },
      config: { microBatchSize: 16, maxLength: 2048, maxPromptLength: 1024 },
    });
    expect(e.memoryProblem).toMatch(/LoRA|smaller batch/);
  });

  it('does not need reference log-probs for SFT, SimPO or ORPO', () => {
    for (const objective of ['sft', 'simpo', 'orpo']) {
      expect(estimateRun({ ...base, config: { objective: { objective }, maxLength: 128, maxPromptLength: 64 } }).needsReference).toBe(
        false,
      );
    }
  });

  it('defaults follow the model: lengths within its positions, chat template when it has one', () => {
    const d = defaultsFor({ ...model, hasChatTemplate: false }, { ...modelConfig, maxPositionEmbeddings: 256 });
    expect(d).toMatchObject({ maxLength: 256, maxPromptLength: 192, chatTemplate: false, objective: { objective: 'mmpo' } });
    expect(d).not.toHaveProperty('model');
    expect(defaultsFor(model, modelConfig, { epochs: 2 })).toMatchObject({ epochs: 2 });
  });
});
