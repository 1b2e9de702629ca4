import { configFromSpec } from '../../main/engine';
import { benchEngine, REFERENCE_SPEC, SMOLLM2_135M_SPEC } from './engine-bench';
import { initBackend, shutdownBackend } from '../../main/engine/backend';
import type { Measurement, SuiteResult } from '../report';

/**
 * The engine's real models (main/engine) on the backend the studio would
 * pick: forward, training step and generation tokens/s on the reference shape
 * (with the KV cache's speed-up over re-running the sequence, at the reference length: a 112-token prompt plus 16 new tokens), and forward +
 * cached generation on a SmolLM2-135M-shaped random model.
 * BENCH_MODELS_SMOLLM=0 skips the 135M model.
 */
export async function run(): Promise<SuiteResult> {
  const backend = await initBackend();
  const measurements: Measurement[] = [];
  const note = `${backend.name}, ${backend.threads} thread(s)`;
  try {
    const ref = await benchEngine({
      config: configFromSpec(REFERENCE_SPEC),
      batchSize: 4,
      seqLen: 128,
      train: true,
      promptLen: 112,
      newTokens: 16,
      rerunGeneration: true,
      iterations: 2,
    });
    measurements.push({
      name: 'reference shape: forward',
      value: ref.forward.tokensPerSecond,
      unit: 'tokens/s',
      note: `${note}; ${ref.forward.gflops.toFixed(1)} GFLOP/s`,
    });
    if (ref.train)
      measurements.push({
        name: 'reference shape: training step (Adam)',
        value: ref.train.tokensPerSecond,
        unit: 'tokens/s',
        note: `${ref.train.msPerStep.toFixed(0)} ms/step; ${ref.train.gflops.toFixed(1)} GFLOP/s`,
      });
    measurements.push({
      name: 'reference shape: generation, KV cache',
      value: 1000 / ref.generation.cachedMsPerToken,
      unit: 'tokens/s',
      note: `${ref.generation.cachedMsPerToken.toFixed(1)} ms/token`,
    });
    if (ref.generation.cacheSpeedup !== null)
      measurements.push({
        name: 'reference shape: KV-cache speed-up vs re-running',
        value: ref.generation.cacheSpeedup,
        unit: '×',
        note: 'target ≥ 5×',
      });
    if (process.env.BENCH_MODELS_SMOLLM !== '0') {
      const smol = await benchEngine({
        config: configFromSpec(SMOLLM2_135M_SPEC),
        batchSize: 1,
        seqLen: 128,
        train: false,
        promptLen: 16,
        newTokens: 8,
        rerunGeneration: false,
        iterations: 1,
      });
      measurements.push({
        name: 'SmolLM2-135M shape: forward (1 × 128)',
        value: smol.forward.tokensPerSecond,
        unit: 'tokens/s',
        note: `${note}; ${smol.parameters.toLocaleString('en')} parameters`,
      });
      measurements.push({
        name: 'SmolLM2-135M shape: generation, KV cache',
        value: 1000 / smol.generation.cachedMsPerToken,
        unit: 'tokens/s',
        note: `${smol.generation.cachedMsPerToken.toFixed(0)} ms/token`,
      });
    }
  } finally {
    shutdownBackend();
  }
  return { suite: 'models', measurements };
}
