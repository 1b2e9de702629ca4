/**
 * Typed view of a Hugging Face `config.json` for the architectures the engine runs.
 * The original JSON is kept in `raw` so a saved checkpoint keeps every field
 * transformers needs, including ones this engine ignores.
 */

import { EngineError } from '../errors';

/** Llama 3 frequency-dependent RoPE scaling (`rope_scaling.rope_type === 'llama3'`). */
export interface Llama3RopeScaling {
  ropeType: 'llama3';
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

/** Position interpolation (`rope_type: 'linear'`): every frequency divided by `factor`. */
export interface LinearRopeScaling {
  ropeType: 'linear';
  factor: number;
}

export type RopeScaling = Llama3RopeScaling | LinearRopeScaling;

export interface LlamaConfig {
  family: 'llama';
  modelType: 'llama' | 'qwen2';
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: RopeScaling | null;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  /** Bias on q, k and v projections (always on for qwen2, `attention_bias` for llama). */
  qkvBias: boolean;
  /** Bias on the output projection (llama with `attention_bias`). */
  oBias: boolean;
  /** Bias on the MLP projections (llama `mlp_bias`). */
  mlpBias: boolean;
  initializerRange: number;
  bosTokenId: number | null;
  eosTokenIds: number[];
  raw: Record<string, unknown>;
}

export interface Gpt2Config {
  family: 'gpt2';
  modelType: 'gpt2';
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  headDim: number;
  maxPositionEmbeddings: number;
  layerNormEps: number;
  /** GPT-2's LM head is always tied to `wte`. */
  tieWordEmbeddings: true;
  initializerRange: number;
  bosTokenId: number | null;
  eosTokenIds: number[];
  raw: Record<string, unknown>;
}

export type ModelConfig = LlamaConfig | Gpt2Config;

export const SUPPORTED_MODEL_TYPES = ['llama', 'qwen2', 'gpt2'] as const;

const ARCHITECTURE_TO_TYPE: Record<string, (typeof SUPPORTED_MODEL_TYPES)[number]> = {
  LlamaForCausalLM: 'llama',
  Qwen2ForCausalLM: 'qwen2',
  GPT2LMHeadModel: 'gpt2',
};

export class ConfigError extends EngineError {
  constructor(message: string, code: 'invalid_config' | 'unsupported_model' = 'invalid_config') {
    super(code, message);
    this.name = 'ConfigError';
  }
}

function num(raw: Record<string, unknown>, key: string, fallback?: number): number {
  const v = raw[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  throw new ConfigError(`config.json: "${key}" must be a number (got ${JSON.stringify(v)})`);
}

/** A config value for an error message: a string as it is, anything else as JSON. */
function shown(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function tokenIds(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === 'number');
  return [];
}

function resolveModelType(raw: Record<string, unknown>): (typeof SUPPORTED_MODEL_TYPES)[number] {
  const mt = raw.model_type;
  if (typeof mt === 'string' && (SUPPORTED_MODEL_TYPES as readonly string[]).includes(mt)) {
    return mt as (typeof SUPPORTED_MODEL_TYPES)[number];
  }
  const archs = Array.isArray(raw.architectures) ? (raw.architectures as unknown[]) : [];
  for (const a of archs) {
    if (typeof a === 'string' && ARCHITECTURE_TO_TYPE[a]) return ARCHITECTURE_TO_TYPE[a];
  }
  const found = typeof mt === 'string' ? `model_type "${mt}"` : 'no model_type';
  const archText = archs.length ? ` (architectures: ${archs.join(', ')})` : '';
  throw new ConfigError(
    `Unsupported model: ${found}${archText}. Supported model types: ${SUPPORTED_MODEL_TYPES.join(', ')} ` +
      `(architectures ${Object.keys(ARCHITECTURE_TO_TYPE).join(', ')}).`,
    'unsupported_model',
  );
}

function parseRopeScaling(raw: Record<string, unknown>): RopeScaling | null {
  const rs = raw.rope_scaling as Record<string, unknown> | null | undefined;
  if (!rs) return null;
  const type = rs.rope_type ?? rs.type;
  if (type === 'default') return null;
  if (type === 'linear') return { ropeType: 'linear', factor: num(rs, 'factor') };
  if (type !== 'llama3') {
    throw new ConfigError(`config.json: rope_scaling type "${String(type)}" is not supported (supported: llama3, linear)`);
  }
  return {
    ropeType: 'llama3',
    factor: num(rs, 'factor'),
    lowFreqFactor: num(rs, 'low_freq_factor'),
    highFreqFactor: num(rs, 'high_freq_factor'),
    originalMaxPositionEmbeddings: num(rs, 'original_max_position_embeddings'),
  };
}

/** Parses a config.json object into a typed ModelConfig; throws ConfigError naming what is wrong. */
export function parseModelConfig(raw: Record<string, unknown>): ModelConfig {
  const modelType = resolveModelType(raw);
  if (modelType === 'gpt2') {
    const hiddenSize = num(raw, 'n_embd');
    const numHeads = num(raw, 'n_head');
    if (hiddenSize % numHeads !== 0) throw new ConfigError(`config.json: n_embd ${hiddenSize} is not divisible by n_head ${numHeads}`);
    if (raw.scale_attn_by_inverse_layer_idx === true || raw.reorder_and_upcast_attn === true || raw.scale_attn_weights === false) {
      throw new ConfigError(
        'config.json: GPT-2 attention variants (scale_attn_by_inverse_layer_idx, reorder_and_upcast_attn, scale_attn_weights=false) are not supported',
      );
    }
    const act = raw.activation_function ?? 'gelu_new';
    if (act !== 'gelu_new' && act !== 'gelu_pytorch_tanh') {
      throw new ConfigError(`config.json: activation_function "${shown(act)}" is not supported (supported: gelu_new)`);
    }
    return {
      family: 'gpt2',
      modelType,
      vocabSize: num(raw, 'vocab_size'),
      hiddenSize,
      intermediateSize: num(raw, 'n_inner', 4 * hiddenSize),
      numLayers: num(raw, 'n_layer'),
      numHeads,
      headDim: hiddenSize / numHeads,
      maxPositionEmbeddings: num(raw, 'n_positions'),
      layerNormEps: num(raw, 'layer_norm_epsilon', 1e-5),
      tieWordEmbeddings: true,
      initializerRange: num(raw, 'initializer_range', 0.02),
      bosTokenId: typeof raw.bos_token_id === 'number' ? raw.bos_token_id : null,
      eosTokenIds: tokenIds(raw.eos_token_id),
      raw,
    };
  }
  const hiddenSize = num(raw, 'hidden_size');
  const numHeads = num(raw, 'num_attention_heads');
  const numKvHeads = num(raw, 'num_key_value_heads', numHeads);
  if (numHeads % numKvHeads !== 0) {
    throw new ConfigError(`config.json: num_attention_heads ${numHeads} is not a multiple of num_key_value_heads ${numKvHeads}`);
  }
  const act = raw.hidden_act ?? 'silu';
  if (act !== 'silu') throw new ConfigError(`config.json: hidden_act "${shown(act)}" is not supported (supported: silu)`);
  const attentionBias = raw.attention_bias === true;
  return {
    family: 'llama',
    modelType,
    vocabSize: num(raw, 'vocab_size'),
    hiddenSize,
    intermediateSize: num(raw, 'intermediate_size'),
    numLayers: num(raw, 'num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim: num(raw, 'head_dim', hiddenSize / numHeads),
    rmsNormEps: num(raw, 'rms_norm_eps', 1e-6),
    ropeTheta: num(raw, 'rope_theta', 10000),
    ropeScaling: parseRopeScaling(raw),
    maxPositionEmbeddings: num(raw, 'max_position_embeddings', 2048),
    // transformers defaults tie_word_embeddings to true when the field is absent.
    tieWordEmbeddings: raw.tie_word_embeddings !== false,
    qkvBias: modelType === 'qwen2' || attentionBias,
    oBias: modelType === 'llama' && attentionBias,
    mlpBias: modelType === 'llama' && raw.mlp_bias === true,
    initializerRange: num(raw, 'initializer_range', 0.02),
    bosTokenId: typeof raw.bos_token_id === 'number' ? raw.bos_token_id : null,
    eosTokenIds: tokenIds(raw.eos_token_id),
    raw,
  };
}

/** Architecture names for config.json `architectures`. */
export function architectureOf(config: ModelConfig): string {
  if (config.modelType === 'gpt2') return 'GPT2LMHeadModel';
  return config.modelType === 'qwen2' ? 'Qwen2ForCausalLM' : 'LlamaForCausalLM';
}

/** Compact description for building a config in the app (demos, tests). */
export interface ModelSpec {
  modelType: 'llama' | 'qwen2' | 'gpt2';
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads?: number;
  intermediateSize?: number;
  maxPositionEmbeddings?: number;
  tieWordEmbeddings?: boolean;
  ropeTheta?: number;
  bosTokenId?: number;
  eosTokenId?: number;
  initializerRange?: number;
}

/** Builds the config.json object transformers expects for a spec, then parses it. */
export function configFromSpec(spec: ModelSpec): ModelConfig {
  const common = {
    vocab_size: spec.vocabSize,
    bos_token_id: spec.bosTokenId ?? 0,
    eos_token_id: spec.eosTokenId ?? 0,
    initializer_range: spec.initializerRange ?? 0.02,
    torch_dtype: 'float32',
  };
  if (spec.modelType === 'gpt2') {
    return parseModelConfig({
      ...common,
      architectures: ['GPT2LMHeadModel'],
      model_type: 'gpt2',
      n_embd: spec.hiddenSize,
      n_layer: spec.numLayers,
      n_head: spec.numHeads,
      n_inner: spec.intermediateSize ?? null,
      n_positions: spec.maxPositionEmbeddings ?? 1024,
      layer_norm_epsilon: 1e-5,
      activation_function: 'gelu_new',
      tie_word_embeddings: true,
    });
  }
  return parseModelConfig({
    ...common,
    architectures: [spec.modelType === 'qwen2' ? 'Qwen2ForCausalLM' : 'LlamaForCausalLM'],
    model_type: spec.modelType,
    hidden_size: spec.hiddenSize,
    intermediate_size: spec.intermediateSize ?? 4 * spec.hiddenSize,
    num_hidden_layers: spec.numLayers,
    num_attention_heads: spec.numHeads,
    num_key_value_heads: spec.numKvHeads ?? spec.numHeads,
    hidden_act: 'silu',
    max_position_embeddings: spec.maxPositionEmbeddings ?? 2048,
    rms_norm_eps: 1e-5,
    rope_theta: spec.ropeTheta ?? 10000,
    tie_word_embeddings: spec.tieWordEmbeddings ?? true,
  });
}
