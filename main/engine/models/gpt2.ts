/**
 * GPT-2 forward pass: learned positions, pre-LayerNorm blocks, fused qkv
 * projection, `gelu_new` MLP, Conv1D weights stored [in, out], LM head tied to wte.
 */
import * as tf from '@tensorflow/tfjs';
import type { Gpt2Config } from '../hf/config';
import { attention, attentionBias, conv1d, extendCache, geluNew, lastPosition, layerNorm, mergeHeads, splitHeads, type KvCache } from './layers';
import type { ForwardArgs, ForwardResult, WeightLookup } from './types';

/** inputIds [b, s] → logits [b, s, vocab]; cache [b, heads, past + s, d]. Call inside tf.tidy. */
export function gpt2Forward(c: Gpt2Config, w: WeightLookup, args: ForwardArgs): ForwardResult {
  const { inputIds, attentionMask, positionIds, past } = args;
  const seqLen = inputIds.shape[1];
  const E = c.hiddenSize;
  const bias = attentionBias(attentionMask, seqLen);
  const cache: KvCache = { keys: [], values: [] };
  const wte = w.get('transformer.wte.weight');

  let x: tf.Tensor = tf
    .gather(wte, inputIds.toInt())
    .add(tf.gather(w.get('transformer.wpe.weight'), positionIds.toInt())); // [b, s, E]
  for (let i = 0; i < c.numLayers; i++) {
    const p = `transformer.h.${i}`;
    const h = layerNorm(x, w.get(`${p}.ln_1.weight`), w.get(`${p}.ln_1.bias`), c.layerNormEps);
    const qkv = conv1d(h, w.get(`${p}.attn.c_attn.weight`), w.get(`${p}.attn.c_attn.bias`)); // [b, s, 3E]
    const [qf, kf, vf] = tf.split(qkv, [E, E, E], -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const q = splitHeads(qf, c.numHeads, c.headDim);
    const k = extendCache(past?.keys[i], splitHeads(kf, c.numHeads, c.headDim));
    const v = extendCache(past?.values[i], splitHeads(vf, c.numHeads, c.headDim));
    cache.keys.push(k);
    cache.values.push(v);
    const attn = mergeHeads(attention(q, k, v, bias));
    x = x.add(conv1d(attn, w.get(`${p}.attn.c_proj.weight`), w.get(`${p}.attn.c_proj.bias`)));

    const m = layerNorm(x, w.get(`${p}.ln_2.weight`), w.get(`${p}.ln_2.bias`), c.layerNormEps);
    const fc = geluNew(conv1d(m, w.get(`${p}.mlp.c_fc.weight`), w.get(`${p}.mlp.c_fc.bias`)));
    x = x.add(conv1d(fc, w.get(`${p}.mlp.c_proj.weight`), w.get(`${p}.mlp.c_proj.bias`)));
  }
  if (args.lastOnly) x = lastPosition(x);
  x = layerNorm(x, w.get('transformer.ln_f.weight'), w.get('transformer.ln_f.bias'), c.layerNormEps);
  const lead = x.shape.slice(0, -1);
  const logits = tf.matMul(x.reshape([-1, E]), wte as tf.Tensor2D, false, true).reshape([...lead, c.vocabSize]);
  return { logits: logits as tf.Tensor3D, cache };
}
