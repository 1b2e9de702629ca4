import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEBIAN_PYTHON, runTorchPeer } from '../../../bench/models/torch-peer';
import { TRL_PYTHON } from '../../helpers/python-venv';
import { generate } from '../../../main/engine/generate';
import { loadModel, type LoadedModel } from '../../../main/engine/hf/folder';
import { scoreBatch } from '../../../main/engine/score';
import type { LlamaConfig, ScoreExample } from '../../../main/engine';

/**
 * The evaluation benchmark's PyTorch peer (`npm run bench -- eval`) must do
 * the studio's work on a real HF folder — here the tiny-llama fixture, sharded
 * and with Llama 3 rope scaling — or the ratio it reports means nothing.
 */
// The peer's Python: the TRL export's venv where it is built (CI builds it: torch 2.13), else Debian's python3-torch.
const peerPython = existsSync(TRL_PYTHON) ? TRL_PYTHON : existsSync('/usr/lib/python3/dist-packages/torch') ? DEBIAN_PYTHON : null;
const torchInstalled = peerPython !== null;
const TINY_LLAMA = fileURLToPath(new URL('../../fixtures/models/tiny-llama', import.meta.url));
const threads = { torch: 1, blas: 1 };
let loaded: LoadedModel;
let config: LlamaConfig & { weightsDir: string };

beforeAll(async () => {
  await tf.setBackend('cpu');
  loaded = await loadModel(TINY_LLAMA);
  if (loaded.model.config.family !== 'llama') throw new Error('tiny-llama is a Llama');
  config = { ...loaded.model.config, weightsDir: TINY_LLAMA };
});

const example = (text: string, promptTokens: number): ScoreExample => {
  const inputIds = loaded.tokenizer!.encode(text);
  return { inputIds, lossMask: inputIds.map((_, i) => (i < promptTokens ? 0 : 1)) };
};

describe('PyTorch peer, evaluation modes', () => {
  it('says python3-torch is missing instead of failing, where it is', async () => {
    const out = await runTorchPeer(
      { mode: 'generate', model: config, prompts: [[1, 2, 3]], newTokens: 2, warmup: 0, reps: 1 },
      { threads, python: '/nonexistent/python3' },
    );
    expect(out).toMatchObject({ available: false, reason: expect.stringMatching(/ENOENT/) as unknown });
  });

  it.skipIf(!torchInstalled)("score-pairs: the studio's batches give the studio's summed log-probs (padding included)", async () => {
    const batch = [example('The cat sat on the warm mat today.', 4), example('Short one.', 2), example('A middle sized line.', 3)];
    const studio = await scoreBatch(loaded.model, batch, { padId: 0 });
    const peer = await runTorchPeer(
      { mode: 'score-pairs', model: config, batches: [batch], padId: 0, warmup: 0, reps: 2 },
      { threads, python: peerPython! },
    );
    if (!peer.available) throw new Error(peer.reason);
    expect(peer.timesMs).toHaveLength(2);
    const sums = peer.output![0]!;
    studio.forEach((s, i) => expect(Math.abs(sums[i]! - s.sumLogProb), `sequence ${i}`).toBeLessThan(1e-3));
  });

  it.skipIf(!torchInstalled)('generate: greedy decoding with its KV cache gives the studio’s token ids', async () => {
    const prompts = [loaded.tokenizer!.encode('Name a fruit.'), loaded.tokenizer!.encode('List 3 colors in exactly 3 words.')];
    const studio = await Promise.all(
      prompts.map(async (p) => (await generate(loaded.model, [p], { maxNewTokens: 12, temperature: 0, stopTokenIds: [] })).tokens[0]!),
    );
    const peer = await runTorchPeer(
      { mode: 'generate', model: config, prompts, newTokens: 12, warmup: 0, reps: 1 },
      { threads, python: peerPython! },
    );
    if (!peer.available) throw new Error(peer.reason);
    expect(peer.output).toEqual(studio);
  });
});
