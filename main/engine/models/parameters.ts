/**
 * The parameters of each architecture, named exactly as in Hugging Face
 * checkpoints, with shapes in PyTorch layout (nn.Linear: [out, in];
 * GPT-2 Conv1D: [in, out]) and how transformers initialises them.
 */
import type { Gpt2Config, LlamaConfig, ModelConfig } from '../hf/config';

export type InitKind = { kind: 'normal'; std: number } | { kind: 'zeros' } | { kind: 'ones' };

export interface ParameterSpec {
  name: string;
  shape: number[];
  init: InitKind;
}

function llamaParameters(c: LlamaConfig): ParameterSpec[] {
  const normal: InitKind = { kind: 'normal', std: c.initializerRange };
  const zeros: InitKind = { kind: 'zeros' };
  const ones: InitKind = { kind: 'ones' };
  const H = c.hiddenSize;
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const I = c.intermediateSize;
  const out: ParameterSpec[] = [{ name: 'model.embed_tokens.weight', shape: [c.vocabSize, H], init: normal }];
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`;
    out.push({ name: `${p}.input_layernorm.weight`, shape: [H], init: ones });
    const proj: [string, number, number, boolean][] = [
      ['self_attn.q_proj', q, H, c.qkvBias],
      ['self_attn.k_proj', kv, H, c.qkvBias],
      ['self_attn.v_proj', kv, H, c.qkvBias],
      ['self_attn.o_proj', H, q, c.oBias],
    ];
    for (const [name, o, inp, bias] of proj) {
      out.push({ name: `${p}.${name}.weight`, shape: [o, inp], init: normal });
      if (bias) out.push({ name: `${p}.${name}.bias`, shape: [o], init: zeros });
    }
    out.push({ name: `${p}.post_attention_layernorm.weight`, shape: [H], init: ones });
    const mlp: [string, number, number][] = [
      ['mlp.gate_proj', I, H],
      ['mlp.up_proj', I, H],
      ['mlp.down_proj', H, I],
    ];
    for (const [name, o, inp] of mlp) {
      out.push({ name: `${p}.${name}.weight`, shape: [o, inp], init: normal });
      if (c.mlpBias) out.push({ name: `${p}.${name}.bias`, shape: [o], init: zeros });
    }
  }
  out.push({ name: 'model.norm.weight', shape: [H], init: ones });
  if (!c.tieWordEmbeddings) out.push({ name: 'lm_head.weight', shape: [c.vocabSize, H], init: normal });
  return out;
}

function gpt2Parameters(c: Gpt2Config): ParameterSpec[] {
  const normal: InitKind = { kind: 'normal', std: c.initializerRange };
  // GPT-2 scales residual projections by 1/sqrt(2 * n_layer) at init (as transformers does).
  const scaled: InitKind = { kind: 'normal', std: c.initializerRange / Math.sqrt(2 * c.numLayers) };
  const zeros: InitKind = { kind: 'zeros' };
  const ones: InitKind = { kind: 'ones' };
  const E = c.hiddenSize;
  const I = c.intermediateSize;
  const out: ParameterSpec[] = [
    { name: 'transformer.wte.weight', shape: [c.vocabSize, E], init: normal },
    { name: 'transformer.wpe.weight', shape: [c.maxPositionEmbeddings, E], init: normal },
  ];
  for (let i = 0; i < c.numLayers; i++) {
    const p = `transformer.h.${i}`;
    out.push(
      { name: `${p}.ln_1.weight`, shape: [E], init: ones },
      { name: `${p}.ln_1.bias`, shape: [E], init: zeros },
      { name: `${p}.attn.c_attn.weight`, shape: [E, 3 * E], init: normal },
      { name: `${p}.attn.c_attn.bias`, shape: [3 * E], init: zeros },
      { name: `${p}.attn.c_proj.weight`, shape: [E, E], init: scaled },
      { name: `${p}.attn.c_proj.bias`, shape: [E], init: zeros },
      { name: `${p}.ln_2.weight`, shape: [E], init: ones },
      { name: `${p}.ln_2.bias`, shape: [E], init: zeros },
      { name: `${p}.mlp.c_fc.weight`, shape: [E, I], init: normal },
      { name: `${p}.mlp.c_fc.bias`, shape: [I], init: zeros },
      { name: `${p}.mlp.c_proj.weight`, shape: [I, E], init: scaled },
      { name: `${p}.mlp.c_proj.bias`, shape: [E], init: zeros },
    );
  }
  out.push({ name: 'transformer.ln_f.weight', shape: [E], init: ones }, { name: 'transformer.ln_f.bias', shape: [E], init: zeros });
  return out;
}

export function parameterSpecs(config: ModelConfig): ParameterSpec[] {
  return config.family === 'gpt2' ? gpt2Parameters(config) : llamaParameters(config);
}

export function parameterCount(config: ModelConfig): number {
  return parameterSpecs(config).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Maps a tensor name found in a checkpoint to the engine's name, or null for
 * tensors that carry no parameters (buffers, duplicated tied heads).
 * Old GPT-2 checkpoints (e.g. `gpt2` on the Hub) omit the `transformer.` prefix.
 */
export function canonicalTensorName(config: ModelConfig, name: string): string | null {
  if (name.endsWith('rotary_emb.inv_freq')) return null;
  if (config.tieWordEmbeddings && name === 'lm_head.weight') return null;
  if (config.family === 'gpt2') {
    if (/\.attn\.(bias|masked_bias)$/.test(name)) return null;
    if (!name.startsWith('transformer.') && !name.startsWith('lm_head.')) return `transformer.${name}`;
  }
  return name;
}
