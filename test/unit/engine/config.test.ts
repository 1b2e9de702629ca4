import { describe, expect, it } from 'vitest';
import { configFromSpec, parseModelConfig } from '../../../main/engine/hf/config';
import { parameterCount } from '../../../main/engine/models/parameters';
import { ropeInverseFrequencies } from '../../../main/engine/models/layers';

// The published config.json of HuggingFaceTB/SmolLM2-135M (fields that matter here).
const SMOLLM2_135M = {
  architectures: ['LlamaForCausalLM'],
  bos_token_id: 0,
  eos_token_id: 0,
  hidden_act: 'silu',
  hidden_size: 576,
  initializer_range: 0.041666666666666664,
  intermediate_size: 1536,
  max_position_embeddings: 8192,
  model_type: 'llama',
  num_attention_heads: 9,
  num_hidden_layers: 30,
  num_key_value_heads: 3,
  rms_norm_eps: 1e-5,
  rope_scaling: null,
  rope_theta: 100000,
  tie_word_embeddings: true,
  vocab_size: 49152,
};

describe('config.json parsing', () => {
  it('reads SmolLM2-135M as a tied llama with GQA and 134.5M parameters', () => {
    const c = parseModelConfig(SMOLLM2_135M);
    expect(c.family).toBe('llama');
    if (c.family !== 'llama') throw new Error('unreachable');
    expect(c.numKvHeads).toBe(3);
    expect(c.headDim).toBe(64);
    expect(c.tieWordEmbeddings).toBe(true);
    expect(c.qkvBias).toBe(false);
    expect(c.ropeScaling).toBeNull();
    expect(parameterCount(c)).toBe(134_515_008);
  });

  it('reads Llama 3 rope scaling and applies it to the inverse frequencies', () => {
    const c = parseModelConfig({
      ...SMOLLM2_135M,
      rope_theta: 500000,
      rope_scaling: { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
      tie_word_embeddings: false,
    });
    if (c.family !== 'llama' || !c.ropeScaling) throw new Error('expected llama3 scaling');
    expect(c.ropeScaling.factor).toBe(32);
    expect(c.tieWordEmbeddings).toBe(false);
    const plain = ropeInverseFrequencies(64, 500000, null);
    const scaled = ropeInverseFrequencies(64, 500000, c.ropeScaling);
    expect(scaled[0]).toBe(plain[0]); // high frequencies are kept
    expect(scaled[31]).toBeCloseTo(plain[31]! / 32, 12); // low frequencies are divided by the factor
  });

  it('supports linear rope scaling and refuses unknown scalings by name', () => {
    const c = parseModelConfig({ ...SMOLLM2_135M, rope_scaling: { type: 'linear', factor: 4 } });
    if (c.family !== 'llama') throw new Error('unreachable');
    expect(ropeInverseFrequencies(64, 100000, c.ropeScaling)[5]).toBeCloseTo(ropeInverseFrequencies(64, 100000, null)[5]! / 4, 12);
    expect(() => parseModelConfig({ ...SMOLLM2_135M, rope_scaling: { rope_type: 'yarn', factor: 4 } })).toThrow(
      /rope_scaling type "yarn" is not supported \(supported: llama3, linear\)/,
    );
  });

  it('gives qwen2 q/k/v biases and reads gpt2 field names', () => {
    const q = parseModelConfig({ ...SMOLLM2_135M, model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'] });
    if (q.family !== 'llama') throw new Error('unreachable');
    expect(q.qkvBias).toBe(true);
    expect(q.oBias).toBe(false);
    const g = parseModelConfig({ model_type: 'gpt2', vocab_size: 50257, n_embd: 768, n_layer: 12, n_head: 12, n_positions: 1024 });
    expect(g.family).toBe('gpt2');
    expect(g.intermediateSize).toBe(3072);
    expect(parameterCount(g)).toBe(124_439_808); // GPT-2 small
  });

  it('falls back to architectures and refuses unknown models, naming what is supported', () => {
    expect(parseModelConfig({ ...SMOLLM2_135M, model_type: undefined }).modelType).toBe('llama');
    expect(() => parseModelConfig({ model_type: 'mistral', architectures: ['MistralForCausalLM'] })).toThrow(
      /model_type "mistral" \(architectures: MistralForCausalLM\)\. Supported model types: llama, qwen2, gpt2/,
    );
    expect(() => parseModelConfig({ model_type: 'mistral' })).toThrow(expect.objectContaining({ code: 'unsupported_model' }));
    expect(() => parseModelConfig({ ...SMOLLM2_135M, hidden_size: 'big' })).toThrow(/"hidden_size" must be a number/);
  });

  it('builds configs from a compact spec', () => {
    const c = configFromSpec({ modelType: 'qwen2', vocabSize: 100, hiddenSize: 16, numLayers: 2, numHeads: 4, numKvHeads: 2 });
    expect(c.raw.architectures).toEqual(['Qwen2ForCausalLM']);
    expect(c.modelType).toBe('qwen2');
  });
});
