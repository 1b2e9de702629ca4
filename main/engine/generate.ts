/**
 * Autoregressive generation with a KV cache: greedy or sampled (temperature,
 * top-k, top-p), repetition penalty, stop tokens and stop sequences, seeded,
 * batched (left-padded prompts) and streamed token by token.
 */
import * as tf from '@tensorflow/tfjs';
import { checkWebGpuTensorSizes, largestTensors } from './backend/webgpu';
import { EngineError } from './errors';
import { disposeCache, type CausalLM } from './models/causal-lm';
import type { KvCache } from './models/layers';
import { decodeWeightsFor, LlamaDecodeSession } from './models/llama-decode';
import { SeededRng } from './rng';
import { chatPrompt, type HfTokenizer } from './tokenizer';

export interface SamplingOptions {
  /** 0 = greedy (default). */
  temperature?: number;
  /** Keep only the k most likely tokens; 0 = off. */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p; 1 = off. */
  topP?: number;
  /** transformers' rule: seen tokens' logits divided (if > 0) or multiplied (if < 0) by it; 1 = off. */
  repetitionPenalty?: number;
}

export interface TokenEvent {
  /** Index of the prompt in the batch. */
  sequence: number;
  tokenId: number;
  /** 0-based index of the new token within its sequence. */
  step: number;
}

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens?: number;
  /** Tokens that end a sequence (not included in the output); default: the config's eos_token_id. */
  stopTokenIds?: number[];
  /** Strings that end a sequence; needs `decode`. */
  stopSequences?: string[];
  decode?: (ids: number[]) => string;
  seed?: number;
  padTokenId?: number;
  onToken?: (event: TokenEvent) => void;
  /** false re-runs the whole sequence each step (for checks and benchmarks). */
  useCache?: boolean;
}

export type FinishReason = 'stop_token' | 'stop_sequence' | 'length';

export interface GenerationResult {
  /** New tokens per prompt (stop tokens excluded). */
  tokens: number[][];
  finishReasons: FinishReason[];
}

/** Picks the next token from one row of logits [vocab], following transformers' processor order. */
export function sampleToken(logitsIn: Float32Array, seen: Iterable<number>, opts: SamplingOptions, rng: SeededRng): number {
  const logits = Float32Array.from(logitsIn);
  const penalty = opts.repetitionPenalty ?? 1;
  if (penalty !== 1) {
    for (const id of new Set(seen)) {
      const l = logits[id]!;
      logits[id] = l > 0 ? l / penalty : l * penalty;
    }
  }
  const temperature = opts.temperature ?? 0;
  if (temperature <= 0) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
    return best;
  }
  const order = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]!);
  let keep = order.length;
  const topK = opts.topK ?? 0;
  if (topK > 0) keep = Math.min(keep, topK);
  const max = logits[order[0]!]! / temperature;
  const probs = new Float64Array(keep);
  let total = 0;
  for (let i = 0; i < keep; i++) {
    probs[i] = Math.exp(logits[order[i]!]! / temperature - max);
    total += probs[i]!;
  }
  const topP = opts.topP ?? 1;
  if (topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < keep; i++) {
      cumulative += probs[i]! / total;
      if (cumulative >= topP) {
        keep = i + 1;
        break;
      }
    }
    total = 0;
    for (let i = 0; i < keep; i++) total += probs[i]!;
  }
  let r = rng.next() * total;
  for (let i = 0; i < keep; i++) {
    r -= probs[i]!;
    if (r <= 0) return order[i]!;
  }
  return order[keep - 1]!;
}

/**
 * Generates continuations of token-id prompts (any lengths; they are left-padded).
 * Returns only new tokens; tensors are freed at every step.
 */
export async function generate(model: CausalLM, prompts: number[][], opts: GenerateOptions = {}): Promise<GenerationResult> {
  const b = prompts.length;
  if (b === 0) return { tokens: [], finishReasons: [] };
  if (prompts.some((p) => p.length === 0)) throw new EngineError('invalid_input', 'Every prompt needs at least one token');
  const maxNew = opts.maxNewTokens ?? 32;
  const P = Math.max(...prompts.map((p) => p.length));
  if (model.config.family === 'gpt2' && P + maxNew > model.config.maxPositionEmbeddings) {
    throw new EngineError(
      'invalid_input',
      `GPT-2 models see at most ${model.config.maxPositionEmbeddings} positions; prompt (${P}) + max new tokens (${maxNew}) exceeds it`,
    );
  }
  const useCache = opts.useCache ?? true;
  // On WebGPU, refused before any work if the largest pass would not fit one binding: the prompt's with a cache (each
  // new token then attends over the cache), else the whole sequence's at the last step.
  checkWebGpuTensorSizes(
    largestTensors(model.config, b, useCache ? P : P + maxNew, {
      rows: 'the prompts generated together',
      seqLen: useCache ? 'the prompt' : 'the prompt or max new tokens',
    }),
  );
  const stopIds = new Set(opts.stopTokenIds ?? model.config.eosTokenIds);
  if (opts.stopSequences?.length && !opts.decode)
    throw new EngineError('invalid_input', 'Stop sequences need a decode function (a tokenizer)');
  const pad = opts.padTokenId ?? 0;
  const rng = new SeededRng(opts.seed ?? 0);

  // Left padding keeps every sequence's last token in the last column.
  const rows = prompts.map((p) => [...Array<number>(P - p.length).fill(pad), ...p]);
  const maskRows = prompts.map((p) => [...Array<number>(P - p.length).fill(0), ...p.map(() => 1)]);
  const out: number[][] = prompts.map(() => []);
  const finish: (FinishReason | null)[] = prompts.map(() => null);

  let cache: KvCache | null = null;
  // Llama-family models generate through prepared weights (models/llama-decode.ts).
  const decodeWeights = useCache ? decodeWeightsFor(model) : null;
  const session = decodeWeights ? new LlamaDecodeSession(decodeWeights, P + maxNew) : null;
  const positions = prompts.map((p) => p.length - 1);
  let nextInput = rows;
  try {
    for (let step = 0; step < maxNew && finish.some((f) => f === null); step++) {
      const width = nextInput[0]!.length;
      let last: tf.Tensor2D;
      if (session) {
        last =
          step === 0
            ? session.prefill(rows, maskRows)
            : session.step(
                nextInput.map((r) => r[0]!),
                positions,
                maskRows,
              );
      } else {
        const idsT = tf.tensor2d(nextInput.flat(), [b, width], 'int32');
        const maskT = tf.tensor2d(maskRows.flat(), [b, maskRows[0]!.length]);
        if (useCache) {
          const res = model.forwardWithCache(idsT, maskT, cache, true);
          disposeCache(cache);
          cache = res.cache;
          last = res.logits.reshape([b, -1]);
          res.logits.dispose();
        } else {
          const logits = model.forward(idsT, maskT);
          last = tf.tidy(() => logits.slice([0, width - 1, 0], [b, 1, -1]).reshape<tf.Tensor2D>([b, -1]));
          logits.dispose();
        }
        tf.dispose([idsT, maskT]);
      }

      const data = (await last.data()) as Float32Array;
      last.dispose();
      const V = data.length / b;
      const chosen: number[] = [];
      for (let i = 0; i < b; i++) {
        if (finish[i] !== null) {
          chosen.push(pad);
          continue;
        }
        const token = sampleToken(data.subarray(i * V, (i + 1) * V), [...prompts[i]!, ...out[i]!], opts, rng);
        chosen.push(token);
        if (stopIds.has(token)) {
          finish[i] = 'stop_token';
          continue;
        }
        out[i]!.push(token);
        opts.onToken?.({ sequence: i, tokenId: token, step: out[i]!.length - 1 });
        if (opts.stopSequences?.length && opts.decode) {
          const text = opts.decode(out[i]!);
          if (opts.stopSequences.some((s) => text.includes(s))) finish[i] = 'stop_sequence';
        }
      }
      for (let i = 0; i < b; i++) {
        rows[i]!.push(chosen[i]!);
        maskRows[i]!.push(1);
        positions[i]!++;
      }
      nextInput = useCache ? chosen.map((t) => [t]) : rows;
    }
  } finally {
    disposeCache(cache);
    session?.dispose();
  }
  return { tokens: out, finishReasons: finish.map((f) => f ?? 'length') };
}

/** EOS ids from config.json, generation_config.json and the tokenizer's eos_token. */
export function defaultStopTokens(model: CausalLM, tokenizer: HfTokenizer, generationConfig: Record<string, unknown> | null): number[] {
  const fromGen = generationConfig?.eos_token_id;
  const genIds =
    typeof fromGen === 'number' ? [fromGen] : Array.isArray(fromGen) ? fromGen.filter((x): x is number => typeof x === 'number') : [];
  const tokEos = tokenizer.eosTokenId;
  return [...new Set([...model.config.eosTokenIds, ...genIds, ...(tokEos !== null ? [tokEos] : [])])];
}

export interface TextGenerateOptions extends Omit<GenerateOptions, 'decode'> {
  /** Wrap each prompt as a user turn of the chat template (with the generation prompt). */
  chat?: boolean;
  /** System message for chat mode. */
  system?: string;
  /** generation_config.json: its eos_token_id(s) also stop (Llama 3 Instruct lists several). */
  generationConfig?: Record<string, unknown> | null;
  /** Called with each sequence's decoded text so far. */
  onText?: (sequence: number, text: string) => void;
}

/** Text in, text out: tokenizes prompts, generates, decodes, and cuts at stop sequences. */
export async function generateText(
  model: CausalLM,
  tokenizer: HfTokenizer,
  prompts: string[],
  opts: TextGenerateOptions = {},
): Promise<GenerationResult & { texts: string[] }> {
  const ids = prompts.map((p) => {
    if (!opts.chat) return tokenizer.encode(p);
    const text = tokenizer.applyChatTemplate(chatPrompt(p, opts.system), { addGenerationPrompt: true });
    return tokenizer.encode(text, { addSpecialTokens: false });
  });
  const decode = (t: number[]): string => tokenizer.decode(t, { skipSpecialTokens: true });
  const stopTokenIds = opts.stopTokenIds ?? defaultStopTokens(model, tokenizer, opts.generationConfig ?? null);
  const produced: number[][] = prompts.map(() => []);
  const result = await generate(model, ids, {
    ...opts,
    stopTokenIds,
    padTokenId: opts.padTokenId ?? tokenizer.padTokenId ?? 0,
    decode,
    onToken: (e) => {
      opts.onToken?.(e);
      if (opts.onText) {
        produced[e.sequence]!.push(e.tokenId);
        opts.onText(e.sequence, decode(produced[e.sequence]!));
      }
    },
  });
  const texts = result.tokens.map((t) => {
    let text = decode(t);
    for (const s of opts.stopSequences ?? []) {
      const at = text.indexOf(s);
      if (at >= 0) text = text.slice(0, at);
    }
    return text;
  });
  return { ...result, texts };
}
