// A hand-made comparison: two runs from the same base model, each evaluated at step 0 and two checkpoints on
// a suite of a multiple-choice, a perplexity and a win-rate item, with the numbers chosen so the best of each
// column and the order of each track are known.
import type { ReportData, ReportRun } from '../../../shared/compare-report';
import type { EvalResult } from '../../../shared/evals';
import type { Run, RunEvalPoint } from '../../../shared/runs';
import { RunConfig } from '../../../shared/training';

let nextId = 1;

function result(kind: EvalResult['kind'], label: string, metrics: Record<string, number | null>, runId: number, step: number): EvalResult {
  return {
    id: nextId++,
    kind,
    label,
    modelHash: step === 0 ? 'base-hash' : `run${runId}-step${step}`,
    dataHash: 'd',
    settingsHash: 's',
    modelId: null,
    modelName: 'demo',
    runId,
    runStep: step,
    settings: {},
    metrics,
    summary: { scored: 10, invalid: 0, problems: [] },
    jobId: null,
    createdAt: 0,
  };
}

/** One step's evaluation: acc_norm ± stderr, bits per byte (lower is better) and a win rate with its interval. */
export function point(runId: number, step: number, accNorm: number, bpb: number, winRate: number): RunEvalPoint {
  return {
    step,
    suite: 'demo',
    jobId: nextId++,
    status: 'succeeded',
    error: null,
    results: [
      result(
        'multiple-choice',
        'mc.jsonl',
        { acc: accNorm - 0.05, acc_norm: accNorm, acc_norm_stderr: 0.02, acc_stderr: 0.02 },
        runId,
        step,
      ),
      result('perplexity', 'general.jsonl', { perplexity: 2 ** bpb * 3, bits_per_byte: bpb }, runId, step),
      result('win-rate', 'prompts', { win_rate: winRate, win_rate_ci_low: winRate - 0.1, win_rate_ci_high: winRate + 0.1 }, runId, step),
    ],
  };
}

export function run(id: number, name: string, objective: string, beta: number | null): ReportRun {
  return {
    id,
    name,
    color: id === 1 ? '#1f77b4' : '#ff7f0e',
    objective,
    beta,
    modelName: 'demo',
    modelHash: 'base-hash',
    importedFrom: null,
    settings: { objective, 'objective.beta': beta, seed: 1 },
  };
}

export function fixture(): ReportData {
  return {
    title: 'Comparison',
    createdAt: 0,
    suite: null,
    runs: [run(1, 'mmpo short', 'mmpo', 0.1), run(2, 'dpo short', 'dpo', 0.1)],
    evals: {
      // Out of step order on purpose: tracks are drawn by step.
      '1': [point(1, 8, 0.4, 1.1, 0.7), point(1, 0, 0.3, 1.3, 0.5), point(1, 4, 0.35, 1.2, 0.6)],
      '2': [point(2, 0, 0.3, 1.3, 0.5), point(2, 4, 0.32, 1.0, 0.55), point(2, 8, 0.31, 1.05, 0.8)],
    },
    curves: [
      {
        metric: 'loss',
        series: [
          { runId: 1, steps: [1, 2, 3], values: [0.7, 0.6, 0.5] },
          { runId: 2, steps: [1, 2], values: [0.69, 0.65] },
        ],
      },
    ],
  };
}

/** A run as runs.list returns it, with the config and provenance a test names. */
export function listedRun(id: number, config: Record<string, unknown>, extra: Partial<Run> = {}): Run {
  return {
    id,
    name: `run ${id}`,
    jobId: id,
    attempt: 1,
    status: 'succeeded',
    queueReason: null,
    error: null,
    config: RunConfig.parse({ model: { kind: 'folder', path: '/models/m' }, ...config }),
    modelId: 1,
    modelName: 'tiny-llama',
    modelHash: 'abc',
    snapshotId: 1,
    snapshotName: 'demo v1',
    snapshotHash: 'h1',
    datasetName: 'Demo',
    trainPairs: 334,
    testPairs: 66,
    totalSteps: 42,
    step: 42,
    progressMessage: null,
    backend: 'wasm',
    appVersion: '0',
    dir: '/runs/x',
    latest: {},
    createdAt: 0,
    startedAt: null,
    finishedAt: null,
    rerunOf: null,
    ...extra,
  };
}
