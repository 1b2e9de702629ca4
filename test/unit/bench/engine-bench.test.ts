import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchEngine, forwardFlopsPerToken, referenceConfig } from '../../../bench/models/engine-bench';
import { configFromSpec } from '../../../main/engine/hf/config';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('engine benchmark', () => {
  it('counts 17 GFLOP for a training step of the reference shape (batch 4 × 128), as measured by hand', () => {
    const gflop = (3 * forwardFlopsPerToken(referenceConfig(), 128) * 4 * 128) / 1e9;
    expect(gflop).toBeGreaterThan(16.5);
    expect(gflop).toBeLessThan(17.5);
  });

  it('measures forward, training and generation throughput without leaking tensors', async () => {
    const config = configFromSpec({
      modelType: 'gpt2',
      vocabSize: 64,
      hiddenSize: 16,
      numLayers: 1,
      numHeads: 2,
      maxPositionEmbeddings: 64,
    });
    const before = tf.memory().numTensors;
    const r = await benchEngine({ config, batchSize: 2, seqLen: 16, iterations: 1, train: true, newTokens: 4, rerunGeneration: true });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.backend).toBe('cpu');
    expect(r.forward.tokensPerSecond).toBeGreaterThan(0);
    expect(r.train!.tokensPerSecond).toBeGreaterThan(0);
    expect(r.generation.cachedMsPerToken).toBeGreaterThan(0);
    expect(r.generation.cacheSpeedup).toBeGreaterThan(0);
  });
});
