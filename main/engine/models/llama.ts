/**
 * Llama-family forward pass (Llama 2/3, SmolLM2, Qwen2): pre-norm blocks with
 * RMSNorm, rotary positions, grouped-query attention and a SwiGLU MLP.
 */
import * as tf from '@tensorflow/tfjs';
import type { LlamaConfig } from '../hf/config';
import {
  applyRope,
  attention,
  attentionBias,
  extendCache,
  lastPosition,
  linear,
  mergeHeads,
  rmsNorm,
  ropeInverseFrequencies,
  ropeTables,
  splitHeads,
  type KvCache,
} from './layers';
import type { ForwardArgs, ForwardResult, WeightLookup } from './types';

const invFreqCache = new WeakMap<LlamaConfig, Float32Array>();

function invFreqFor(c: LlamaConfig): Float32Array {
  let inv = invFreqCache.get(c);
  if (!inv) {
    inv = ropeInverseFrequencies(c.headDim, c.ropeTheta, c.ropeScaling);
    invFreqCache.set(c, inv);
  }
  return inv;
}

/**
 * inputIds [b, s] → logits [b, s, vocab]; the cache grows from [b, kvHeads, past, d]
 * to [b, kvHeads, past + s, d]. Call inside tf.tidy.
 */
export function llamaForward(c: LlamaConfig, w: WeightLookup, args: ForwardArgs): ForwardResult {
  const { inputIds, attentionMask, positionIds, past } = args;
  const seqLen = inputIds.shape[1];
  const opt = (name: string): tf.Tensor | undefined => (w.has(name) ? w.get(name) : undefined);
  const lin = (module: string, input: tf.Tensor): tf.Tensor => {
    const y = linear(input, w.get(`${module}.weight`), opt(`${module}.bias`));
    const delta = w.adapterDelta(module, input);
    return delta ? y.add(delta) : y;
  };
  const { cos, sin } = ropeTables(positionIds, invFreqFor(c), attentionMask.shape[1]);
  const bias = attentionBias(attentionMask, seqLen);
  const cache: KvCache = { keys: [], values: [] };

  let x: tf.Tensor = tf.gather(w.get('model.embed_tokens.weight'), inputIds.toInt()); // [b, s, H]
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`;
    const input = x;
    // A tidy per block frees its intermediates as soon as it ends (the gradient tape
    // keeps its own copies of what backprop needs), so inference peaks at one block.
    const out = tf.tidy(() => {
      const h = rmsNorm(input, w.get(`${p}.input_layernorm.weight`), c.rmsNormEps);
      const proj = (n: string): tf.Tensor => lin(`${p}.self_attn.${n}`, h);
      const q = applyRope(splitHeads(proj('q_proj'), c.numHeads, c.headDim), cos, sin);
      const kNew = applyRope(splitHeads(proj('k_proj'), c.numKvHeads, c.headDim), cos, sin);
      const vNew = splitHeads(proj('v_proj'), c.numKvHeads, c.headDim);
      const k = extendCache(past?.keys[i], kNew);
      const v = extendCache(past?.values[i], vNew);
      const attn = mergeHeads(attention(q, k, v, bias));
      const mid = input.add(lin(`${p}.self_attn.o_proj`, attn));

      const m = rmsNorm(mid, w.get(`${p}.post_attention_layernorm.weight`), c.rmsNormEps);
      const gate = lin(`${p}.mlp.gate_proj`, m);
      const up = lin(`${p}.mlp.up_proj`, m);
      const act = gate.mul(gate.sigmoid()).mul(up); // SiLU(gate) · up
      return { x: mid.add(lin(`${p}.mlp.down_proj`, act)), k, v };
    });
    cache.keys.push(out.k);
    cache.values.push(out.v);
    x = out.x;
  }
  if (args.lastOnly) x = lastPosition(x);
  x = rmsNorm(x, w.get('model.norm.weight'), c.rmsNormEps);
  const head = c.tieWordEmbeddings ? w.get('model.embed_tokens.weight') : w.get('lm_head.weight');
  return { logits: linear(x, head) as tf.Tensor3D, cache };
}
