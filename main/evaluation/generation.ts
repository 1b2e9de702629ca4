/**
 * Responses for a win-rate item (issue 14 item 4): each prompt generated on
 * its own (a batch of one, so neither padding nor a shared random stream
 * makes a response depend on which other prompts were generated with it),
 * with the item's fixed sampling and a seed mixed from the item's seed and
 * the prompt's hash. The same model, prompt and settings therefore give the
 * same response every time, which is what lets the studio cache generations
 * by (model hash, prompt hash, settings hash).
 */
import { createHash } from 'node:crypto';
import { defaultStopTokens, EngineError, generate, type CausalLM, type FinishReason, type HfTokenizer } from '../engine';
import type { Message } from '../../shared/datasets';

/** What a model is asked: a message list (usually one user turn) and an optional system message. */
export interface GenerationPrompt {
  messages: Message[];
  system: string | null;
}

export interface GenerationSettings {
  temperature: number;
  topP: number;
  topK: number;
  maxTokens: number;
  seed: number;
  /** Wrap the prompt in the tokenizer's chat template (with the generation prompt). */
  chat: boolean;
}

export interface GeneratedResponse {
  text: string;
  /** New tokens, the stop token excluded. */
  tokens: number;
  finishReason: FinishReason;
}

/** The prompt as one string (a lone message is its text; several are "role: content" paragraphs, as training writes them). */
export function promptText(prompt: GenerationPrompt): string {
  const m = prompt.messages;
  return m.length === 1 ? m[0]!.content : m.map((x) => `${x.role}: ${x.content}`).join('\n\n');
}

/**
 * The hash a generation is stored under: the prompt's messages and system
 * message, and which repeat of the same prompt in the set it is (`sample`):
 * a prompt that occurs k times is sampled k times, each with its own seed.
 */
export function promptHash(prompt: GenerationPrompt, sample: number): string {
  return createHash('sha256')
    .update(JSON.stringify({ messages: prompt.messages, system: prompt.system, sample }))
    .digest('hex');
}

/** The sampling seed of one prompt: the item's seed mixed with the prompt's hash (32 bits). */
export function promptSeed(seed: number, hash: string): number {
  return createHash('sha256').update(`${seed}\0${hash}`).digest().readInt32LE(0);
}

/** The prompt's token ids as the model is asked: through the chat template, or the plain text with the tokenizer's special tokens. */
export function promptIds(tokenizer: HfTokenizer, prompt: GenerationPrompt, chat: boolean): number[] {
  if (!chat) return tokenizer.encode(promptText(prompt));
  const head =
    prompt.system !== null && prompt.messages[0]?.role !== 'system'
      ? [{ role: 'system', content: prompt.system }, ...prompt.messages]
      : prompt.messages;
  return tokenizer.encode(tokenizer.applyChatTemplate(head, { addGenerationPrompt: true }), { addSpecialTokens: false });
}

export interface GenerateResponsesOptions {
  /** Checked before each prompt (after yielding to the event loop, so a worker reads its cancel message). */
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** generation_config.json of the model folder: its eos_token_id(s) stop too. */
  generationConfig?: Record<string, unknown> | null;
}

/**
 * Generates a response for each request and hands each to `onResponse` as it
 * is done (so a caller can store it before the next starts). A prompt the
 * model cannot take (longer than GPT-2's positions, no tokens) is reported
 * to `onInvalid` and skipped.
 */
export async function generateResponses(
  model: CausalLM,
  tokenizer: HfTokenizer,
  requests: readonly { hash: string; prompt: GenerationPrompt }[],
  settings: GenerationSettings,
  handlers: {
    onResponse: (index: number, response: GeneratedResponse) => void;
    onInvalid: (index: number, reason: string) => void;
  },
  opts: GenerateResponsesOptions = {},
): Promise<void> {
  const stopTokenIds = defaultStopTokens(model, tokenizer, opts.generationConfig ?? null);
  const decode = (ids: number[]) => tokenizer.decode(ids, { skipSpecialTokens: true });
  for (const [index, request] of requests.entries()) {
    if (opts.signal) await new Promise<void>((resolve) => setTimeout(resolve, 0));
    opts.signal?.throwIfAborted();
    try {
      const ids = promptIds(tokenizer, request.prompt, settings.chat);
      const result = await generate(model, [ids], {
        temperature: settings.temperature,
        topP: settings.topP,
        topK: settings.topK,
        maxNewTokens: settings.maxTokens,
        seed: promptSeed(settings.seed, request.hash),
        stopTokenIds,
        padTokenId: tokenizer.padTokenId ?? 0,
        decode,
      });
      const tokens = result.tokens[0]!;
      handlers.onResponse(index, { text: decode(tokens), tokens: tokens.length, finishReason: result.finishReasons[0]! });
    } catch (err) {
      if (!(err instanceof EngineError) || err.code !== 'invalid_input') throw err;
      handlers.onInvalid(index, err.message);
    }
    opts.onProgress?.(index + 1, requests.length);
  }
}
