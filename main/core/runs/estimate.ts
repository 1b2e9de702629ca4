/**
 * What the launcher shows before a run starts: validation by field, the
 * step arithmetic, memory against the backend's budget, and a rough time per
 * epoch (measured on earlier runs of the model here when there are any).
 */
import { totalmem } from 'node:os';
import { needsReference } from '../../../shared/objectives';
import type { ModelEntry, RunDefaults, RunEstimate } from '../../../shared/runs';
import { RunConfig, effectiveBatchSize, stepsPerEpoch, totalSteps } from '../../../shared/training';
import type { Snapshot } from '../../../shared/datasets';
import { checkFits, estimateMemory } from '../../engine/memory';
import type { ModelConfig } from '../../engine/hf/config';
import type { ObservedStepTime } from './store';

/** Typical sustained training throughput by backend, FLOP/s (a rough basis when nothing was measured here). */
const NOMINAL_FLOPS: Record<string, number> = { 'tensorflow-gpu': 2e12, tensorflow: 3e10, wasm: 3e9, cpu: 3e8 };

export interface EstimateInputs {
  model: ModelEntry;
  modelConfig: ModelConfig;
  snapshot: Snapshot;
  /** Mean characters of a snapshot record's JSON (prompt, chosen and rejected). */
  meanRecordChars: number;
  config: Record<string, unknown>;
  backend: string;
  /** Mean tokens/s of earlier runs of this model on this backend. */
  observedTokensPerSecond: number | null;
  /** Measured wall-clock step times of earlier runs of this model on this backend (the best basis). */
  observedStepTimes?: ObservedStepTime[];
  referenceCached: boolean;
}

/** Launcher defaults for a model: the paper's setup (shared/training.ts) with lengths that fit the model. */
export function defaultsFor(model: ModelEntry, modelConfig: ModelConfig, preset?: Record<string, unknown>): RunDefaults {
  const maxLength = Math.min(512, modelConfig.maxPositionEmbeddings);
  const base = RunConfig.parse({
    model: { kind: 'folder', path: model.path },
    maxLength,
    maxPromptLength: Math.floor(maxLength * 0.75),
    chatTemplate: model.hasChatTemplate,
    ...preset,
  });
  const { model: _model, ...rest } = base;
  return rest;
}

export function estimateRun(input: EstimateInputs): RunEstimate {
  const parsed = RunConfig.safeParse({ ...input.config, model: { kind: 'folder', path: input.model.path } });
  const issues = parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const testPairs = input.snapshot.testCount;
  const trainPairs = input.snapshot.recordCount - testPairs;
  const empty = {
    issues,
    trainPairs,
    testPairs,
    effectiveBatch: 0,
    stepsPerEpoch: 0,
    totalSteps: 0,
    memoryBytes: 0,
    memoryProblem: null,
    secondsPerEpoch: null,
    secondsPerEpochRange: null,
    timeBasis: '',
    needsReference: false,
    referenceCached: false,
  };
  if (!parsed.success) return empty;
  const config = parsed.data;
  if (trainPairs === 0) issues.push({ path: 'snapshotId', message: 'The snapshot has no training records.' });
  if (config.maxLength > input.modelConfig.maxPositionEmbeddings) {
    issues.push({ path: 'maxLength', message: `The model handles at most ${input.modelConfig.maxPositionEmbeddings} positions.` });
  }
  const pairwise = config.objective.objective !== 'sft';
  const memory = estimateMemory({
    config: input.modelConfig,
    task: 'train',
    batchSize: config.microBatchSize * (pairwise ? 2 : 1),
    seqLen: config.maxLength,
    ...(config.lora ? { loraRank: config.lora.rank } : {}),
  });
  const budget = input.backend === 'wasm' ? 4 * 1024 ** 3 : totalmem();
  const fit = checkFits(memory, { bytes: budget, backend: input.backend });
  // Characters per token of byte-level BPE on English is about 4; the JSON keys and the chat template roughly cancel out.
  const tokensPerPair = Math.min((pairwise ? 2 : 1) * config.maxLength, Math.max(8, input.meanRecordChars / 4));
  const tokensPerEpoch = trainPairs * tokensPerPair;
  let secondsPerEpoch: number | null;
  let range: [number, number];
  let timeBasis: string;
  const measured = (input.observedStepTimes ?? []).filter((o) => o.secondsPerStep > 0 && o.pairsPerStep > 0);
  if (measured.length > 0) {
    // Wall-clock seconds per pair-character of each earlier run: evaluations, checkpoints and the
    // tokenizer's real lengths are in it, which a tokens/s rate (step compute only, ~4 chars a token) misses.
    const chars = Math.max(1, input.meanRecordChars);
    const rates = measured.map((o) => o.secondsPerStep / o.pairsPerStep / Math.max(1, o.meanRecordChars));
    const perEpoch = (rate: number) => rate * trainPairs * chars;
    secondsPerEpoch = perEpoch(rates.reduce((a, b) => a + b, 0) / rates.length);
    range = [perEpoch(Math.min(...rates)) * 0.85, perEpoch(Math.max(...rates)) * 1.3];
    const latest = measured[0]!;
    timeBasis = `measured: ${latest.secondsPerStep.toFixed(2)} s per step of ${latest.pairsPerStep} pairs on the latest of ${measured.length} earlier run${measured.length === 1 ? '' : 's'} of this model here (evaluations included), scaled to this run's pairs and record lengths`;
  } else if (input.observedTokensPerSecond) {
    secondsPerEpoch = tokensPerEpoch / input.observedTokensPerSecond;
    // Tokens are guessed from characters and the rate leaves out evaluations: usually low.
    range = [secondsPerEpoch * 0.8, secondsPerEpoch * 4];
    timeBasis = `from ${Math.round(input.observedTokensPerSecond)} tokens/s measured on earlier runs of this model`;
  } else {
    const flops = NOMINAL_FLOPS[input.backend] ?? NOMINAL_FLOPS['cpu']!;
    const trainable = config.lora ? memory.trainableParameters : memory.parameters;
    // Forward 2N, backward 4N per token (2N + 2·trainable with LoRA, which skips weight gradients).
    const perToken = 2 * memory.parameters + (config.lora ? 2 * memory.parameters + 2 * trainable : 4 * memory.parameters);
    secondsPerEpoch = (tokensPerEpoch * perToken) / flops;
    // Small models spend most of a step on overheads a FLOP count does not see.
    range = [secondsPerEpoch * 0.5, secondsPerEpoch * 5];
    timeBasis = `rough: a FLOP count at a typical rate for the ${input.backend} backend (no run of this model measured yet)`;
  }
  return {
    issues,
    trainPairs,
    testPairs,
    effectiveBatch: effectiveBatchSize(config),
    stepsPerEpoch: stepsPerEpoch(trainPairs, config),
    totalSteps: totalSteps(trainPairs, config),
    memoryBytes: memory.totalBytes,
    memoryProblem: fit.ok ? null : `${fit.message} ${fit.suggestions.join(' ')}`.trim(),
    secondsPerEpoch,
    secondsPerEpochRange: range,
    timeBasis,
    needsReference: needsReference(config.objective),
    referenceCached: input.referenceCached,
  };
}
