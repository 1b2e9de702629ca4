/**
 * GPT-2 forward pass: learned positions, pre-LayerNorm blocks, fused qkv
 * projection, `gelu_new` MLP, Conv1D weights stored [in, out], LM head tied to wte.
 */
import * as tf from '@tensorflow/tfjs';
import type { Gpt2Config } from '../hf/config';
import {
  attention,
  attentionBias,
  conv1d,
  extendCache,
  geluNew,
  lastPosition,
  layerNorm,
  mergeHeads,
  splitHeads,
  type KvCache,
} from './layers';
import type { ForwardArgs, ForwardResult, WeightLookup } from './types';

/** inputIds [b, s] → logits [b, s, vocab]; cache [b, heads, past + s, d]. Call inside tf.tidy. */
export function gpt2Forward(c: Gpt2Config, w: WeightLookup, args: ForwardArgs): ForwardResult {
  const { inputIds, attentionMask, positionIds, past } = args;
  const seqLen = inputIds.shape[1];
  const E = c.hiddenSize;
  const bias = attentionBias(attentionMask, seqLen);
  const cache: KvCache = { keys: [], values: [] };
  const wte = w.get('transformer.wte.weight');
  const conv = (module: string, input: tf.Tensor): tf.Tensor => {
    const y = conv1d(input, w.get(`${module}.weight`), w.get(`${module}.bias`));
    const delta = w.adapterDelta(module, input);
    return delta ? y.add(delta) : y;
  };

  let x: tf.Tensor = tf.gather(wte, inputIds.toInt()).add(tf.gather(w.get('transformer.wpe.weight'), positionIds.toInt())); // [b, s, E]
  for (let i = 0; i < c.numLayers; i++) {
    const p = `transformer.h.${i}`;
    const input = x;
    // One tidy per block: inference peaks at one block's intermediates.
    const out = tf.tidy(() => {
      const h = layerNorm(input, w.get(`${p}.ln_1.weight`), w.get(`${p}.ln_1.bias`), c.layerNormEps);
      const qkv = conv(`${p}.attn.c_attn`, h); // [b, s, 3E]
      const [qf, kf, vf] = tf.split(qkv, [E, E, E], -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
      const q = splitHeads(qf, c.numHeads, c.headDim);
      const k = extendCache(past?.keys[i], splitHeads(kf, c.numHeads, c.headDim));
      const v = extendCache(past?.values[i], splitHeads(vf, c.numHeads, c.headDim));
      const attn = mergeHeads(attention(q, k, v, bias));
      const mid = input.add(conv(`${p}.attn.c_proj`, attn));

      const m = layerNorm(mid, w.get(`${p}.ln_2.weight`), w.get(`${p}.ln_2.bias`), c.layerNormEps);
      const fc = geluNew(conv(`${p}.mlp.c_fc`, m));
      return { x: mid.add(conv(`${p}.mlp.c_proj`, fc)), k, v };
    });
    cache.keys.push(out.k);
    cache.values.push(out.v);
    x = out.x;
  }
  if (args.lastOnly) x = lastPosition(x);
  x = layerNorm(x, w.get('transformer.ln_f.weight'), w.get('transformer.ln_f.bias'), c.layerNormEps);
  const lead = x.shape.slice(0, -1);
  const logits = tf.matMul(x.reshape([-1, E]), wte as tf.Tensor2D, false, true).reshape([...lead, c.vocabSize]);
  return { logits: logits as tf.Tensor3D, cache };
}
