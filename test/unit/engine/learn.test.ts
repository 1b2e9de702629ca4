import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateText } from '../../../main/engine/generate';
import { configFromSpec } from '../../../main/engine/hf/config';
import { createModel } from '../../../main/engine/models/causal-lm';
import { padBatch, scoreTensors } from '../../../main/engine/score';
import { buildExample, HfTokenizer } from '../../../main/engine/tokenizer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('end to end: fit a response, then generate it', () => {
  it('lowers the SFT loss with Adam and greedy generation then reproduces the response', async () => {
    const tok = (await HfTokenizer.fromFolder(path.resolve(__dirname, '../../fixtures/models/tiny-llama')))!;
    const config = configFromSpec({
      modelType: 'llama',
      vocabSize: tok.vocabSize,
      hiddenSize: 32,
      numLayers: 1,
      numHeads: 4,
      numKvHeads: 2,
      eosTokenId: tok.eosTokenId!,
      bosTokenId: tok.bosTokenId!,
    });
    const model = createModel(config, 5);
    const example = buildExample(tok, 'what is the answer?', ' the answer is yes.');
    const batch = padBatch([example]);
    const optimizer = tf.train.adam(0.02);
    const losses: number[] = [];
    const before = tf.memory().numTensors;
    for (let step = 0; step < 40; step++) {
      // SFT objective of mmpo-spec.md: L = −ℓθ(y|x).
      const loss = optimizer.minimize(() => scoreTensors(model, batch).sumLogProb.neg().mean<tf.Scalar>(), true)!;
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
      if (step === 1) expect(tf.memory().numTensors).toBeGreaterThan(before); // Adam state appears once
      if (step === 2) expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 2 * model.weights.size + 2);
    }
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 10);
    const out = await generateText(model, tok, ['what is the answer?'], { maxNewTokens: 16 });
    expect(out.texts[0]).toBe(' the answer is yes.');
    expect(out.finishReasons[0]).toBe('stop_token');
    tf.dispose([batch.inputIds, batch.attentionMask, batch.lossMask]);
    optimizer.dispose();
    model.dispose();
  });
});
