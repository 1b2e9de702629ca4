import { PRESETS } from './objectives';
import type { RunConfigInput } from './training';

/**
 * Run settings for the demo workspace's first MMPO run on the demo model
 * (assets/demo/model, ~200k parameters) and the demo pairs: every field of a
 * run but the model. Tuned so the test split's preference accuracy (by
 * log-prob margin) visibly climbs within a few minutes on two CPU cores; the
 * measurements are in the demo task's report and reproducible with
 * main/training/demo/tune-run.ts.
 */
export const DEMO_RUN_DEFAULTS = {
  objective: PRESETS.mmpo,
  // 2e-3 gets there as fast but lifts the test loss more; 1e-3 climbs over ~15 steps, so the curve is seen moving.
  optimizer: { lr: 1e-3, weightDecay: 0 },
  schedule: { kind: 'cosine', warmupRatio: 0.1 },
  // Eight pairs per pass: MMPO's in-batch normalisation (M6) sees a real batch, and a step stays well under a second.
  microBatchSize: 8,
  gradAccumulation: 1,
  maxGradNorm: 1,
  // Demo sequences are at most ~70 tokens with the demo chat template; these never truncate them.
  maxLength: 128,
  maxPromptLength: 96,
  epochs: 3,
  maxSteps: null,
  seed: 42,
  // Evaluation on the ~66 test pairs costs about one step; every 5 steps draws the climb with several points.
  evalEvery: 5,
  checkpointEvery: 0,
  checkpointEachEpoch: true,
  // One per epoch, all kept: three points for the alignment-vs-capability comparison.
  keepCheckpoints: 3,
  lora: null,
  chatTemplate: true,
} satisfies Omit<RunConfigInput, 'model'>;
