import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runTorchPeer } from '../../../bench/models/torch-peer';
import { configFromSpec, type LlamaConfig } from '../../../main/engine/hf/config';

const tiny = configFromSpec({ modelType: 'llama', vocabSize: 64, hiddenSize: 16, numLayers: 1, numHeads: 2, numKvHeads: 1 }) as LlamaConfig;

describe('PyTorch peer', () => {
  it('reports a missing interpreter as unavailable with the reason, not as a crash', async () => {
    const out = await runTorchPeer(tiny, { batchSize: 1, seqLen: 8, python: '/nonexistent/python3' });
    expect(out.available).toBe(false);
    if (out.available) throw new Error('unreachable');
    expect(out.reason).toMatch(/ENOENT/);
  });

  // Debian's python3-torch is a developer tool, absent on CI: there the outcome must say so.
  it('times the same shape in PyTorch, or says that python3-torch is missing', async () => {
    const out = await runTorchPeer(tiny, { batchSize: 2, seqLen: 8, iterations: 1 });
    if (!existsSync('/usr/lib/python3/dist-packages/torch')) {
      expect(out).toMatchObject({ available: false });
      if (!out.available) expect(out.reason).toMatch(/python3-torch is not installed|ENOENT/);
      return;
    }
    if (!out.available) throw new Error(out.reason);
    expect(out.forward.tokensPerSecond).toBeGreaterThan(0);
    expect(out.train!.tokensPerSecond).toBeGreaterThan(0);
    expect(out.matmulGflops).toBeGreaterThan(0);
  });
});
