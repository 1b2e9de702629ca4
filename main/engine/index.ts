/**
 * Public API of the engine: causal LMs in TensorFlow.js that load and save
 * Hugging Face folders, tokenize with the model's own tokenizer, score and generate.
 * See README.md in this folder.
 */
export { EngineError } from './errors';
export type { EngineErrorCode } from './errors';
export { parseModelConfig, configFromSpec, ConfigError, SUPPORTED_MODEL_TYPES } from './hf/config';
export type { ModelConfig, LlamaConfig, Gpt2Config, ModelSpec, Llama3RopeScaling, RopeScaling } from './hf/config';
export { loadModel, saveModel, readModelConfig, configJsonFor, TOKENIZER_FILES } from './hf/folder';
export type { LoadedModel, LoadOptions, SaveOptions } from './hf/folder';
export { inspectModel } from './hf/inspect';
export type { ModelInspection } from './hf/inspect';
export { CausalLM, createModel, disposeCache } from './models/causal-lm';
export type { KvCache } from './models/layers';
export { releaseDecodeWeights } from './models/llama-decode';
export { parameterCount, parameterSpecs } from './models/parameters';
export { HfTokenizer, buildExample, chatPrompt } from './tokenizer';
export type { ChatMessage, ExampleOptions, TokenizedExample } from './tokenizer';
export { scoreBatch, scorePairs, scoreTensors, padBatch } from './score';
export type { ScoreExample, ScoreTensors, SequenceScore, PaddedBatch, TextPair } from './score';
export { generate, generateText, sampleToken, defaultStopTokens } from './generate';
export type { GenerateOptions, GenerationResult, TextGenerateOptions, SamplingOptions, TokenEvent, FinishReason } from './generate';
export {
  estimateMemory,
  checkFits,
  formatBytes,
  WASM_HEAP_LIMIT_BYTES,
  decodeWeightsBytes,
  generationWeightsBytes,
  DECODE_WEIGHTS_MAX_BYTES,
} from './memory';
export type { MemoryEstimate, MemoryRequest, MemoryBudget, FitResult, MemoryTask } from './memory';
export { createLora, loadLora, saveLora, mergeLora, LoraAdapter, ALL_LINEAR_TARGETS } from './lora';
export type { LoraConfig } from './lora';
export type { Adapter } from './models/causal-lm';
export { SafetensorsFile, openSafetensorsFolder, writeSafetensors, SafetensorsError } from './safetensors';
export { SeededRng } from './rng';
