/**
 * The model's own tokenizer (tokenizer.json via @huggingface/tokenizers), its
 * chat template (@huggingface/jinja), and (prompt, response) examples with an
 * exact loss mask: only response tokens carry loss (mmpo-spec.md, Notation).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { EngineError } from './errors';
import type { ModelConfig } from './hf/config';
import { readJsonIfExists } from './json-file';

export interface ChatMessage {
  role: string;
  content: string;
}

type TokenRef = string | { content?: string } | null | undefined;

function tokenContent(ref: TokenRef): string | null {
  if (typeof ref === 'string') return ref;
  if (ref && typeof ref === 'object' && typeof ref.content === 'string') return ref.content;
  return null;
}

function pickTemplate(raw: unknown): string | null {
  if (typeof raw === 'string') return raw;
  // Some checkpoints store a list of named templates; the default one is the chat template.
  if (Array.isArray(raw)) {
    const named = raw as { name?: string; template?: string }[];
    return (named.find((t) => t.name === 'default') ?? named[0])?.template ?? null;
  }
  return null;
}

export class HfTokenizer {
  private readonly tok: Tokenizer;
  readonly chatTemplate: string | null;
  private compiledTemplate: Template | null = null;
  readonly bosToken: string | null;
  readonly eosToken: string | null;
  readonly padToken: string | null;

  constructor(
    readonly tokenizerJson: Record<string, unknown>,
    readonly tokenizerConfig: Record<string, unknown>,
  ) {
    this.tok = new Tokenizer(tokenizerJson, tokenizerConfig);
    this.chatTemplate = pickTemplate(tokenizerConfig.chat_template);
    this.bosToken = tokenContent(tokenizerConfig.bos_token as TokenRef);
    this.eosToken = tokenContent(tokenizerConfig.eos_token as TokenRef);
    this.padToken = tokenContent(tokenizerConfig.pad_token as TokenRef);
  }

  /** Loads tokenizer.json (+ tokenizer_config.json when present); null when the folder has no tokenizer. */
  static async fromFolder(dir: string): Promise<HfTokenizer | null> {
    const readJson = (name: string) => readJsonIfExists(path.join(dir, name), 'tokenizer_invalid');
    const json = await readJson('tokenizer.json');
    if (!json) return null;
    const config = (await readJson('tokenizer_config.json')) ?? {};
    // chat_template may also live in its own file (newer transformers).
    if (config.chat_template === undefined) {
      const jinja = await fs.readFile(path.join(dir, 'chat_template.jinja'), 'utf8').catch(() => null);
      if (jinja !== null) config.chat_template = jinja;
    }
    return new HfTokenizer(json, config);
  }

  private idOf(token: string | null): number | null {
    return token === null ? null : (this.tok.token_to_id(token) ?? null);
  }

  get bosTokenId(): number | null {
    return this.idOf(this.bosToken);
  }

  get eosTokenId(): number | null {
    return this.idOf(this.eosToken);
  }

  /** The pad token, else EOS (the usual fallback for causal LMs). */
  get padTokenId(): number | null {
    return this.idOf(this.padToken) ?? this.eosTokenId;
  }

  get vocabSize(): number {
    return this.tok.get_vocab(true).size;
  }

  /** The largest id this tokenizer can produce (its vocabulary and added tokens); -1 when it has none. */
  get maxTokenId(): number {
    let max = -1;
    for (const id of this.tok.get_vocab(true).values()) if (id > max) max = id;
    return max;
  }

  tokenToId(token: string): number | null {
    return this.tok.token_to_id(token) ?? null;
  }

  /** Token ids; `addSpecialTokens` applies the tokenizer's post-processor (e.g. Llama 3's BOS). */
  encode(text: string, opts: { addSpecialTokens?: boolean } = {}): number[] {
    return this.tok.encode(text, { add_special_tokens: opts.addSpecialTokens ?? true }).ids;
  }

  decode(ids: number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    // @huggingface/tokenizers throws on an empty list; a model that stops at once has said nothing.
    if (ids.length === 0) return '';
    return this.tok.decode(ids, { skip_special_tokens: opts.skipSpecialTokens ?? false });
  }

  /** Renders the chat template like transformers' apply_chat_template(tokenize=False). */
  applyChatTemplate(messages: ChatMessage[], opts: { addGenerationPrompt?: boolean } = {}): string {
    if (!this.chatTemplate) throw new EngineError('no_chat_template', 'This tokenizer has no chat_template; use plain prompts (chat off).');
    this.compiledTemplate ??= new Template(this.chatTemplate);
    return this.compiledTemplate.render({
      messages,
      add_generation_prompt: opts.addGenerationPrompt ?? false,
      bos_token: this.bosToken ?? '',
      eos_token: this.eosToken ?? '',
      pad_token: this.padToken ?? '',
    });
  }
}

/**
 * Refuses a tokenizer that can produce ids the checkpoint has no embedding row
 * for (a tokenizer from another model, or a checkpoint cut to a smaller
 * vocabulary), and special token ids in config.json outside the vocabulary:
 * either would index past the embedding later, mid-evaluation or mid-run, as
 * NaNs or a crash far from the cause. A tokenizer smaller than the embedding
 * is fine (checkpoints pad their vocabulary to a multiple of 64 or 128).
 */
export function checkTokenizerMatches(dir: string, config: ModelConfig, tokenizer: HfTokenizer | null): void {
  const rows = config.vocabSize;
  const top = tokenizer?.maxTokenId ?? -1;
  if (tokenizer && top >= rows)
    throw new EngineError(
      'tokenizer_mismatch',
      `${dir}: the tokenizer does not match the checkpoint — tokenizer.json has ${tokenizer.vocabSize} tokens (ids up to ${top}) but config.json's vocab_size (the embedding's rows) is ${rows}.`,
    );
  const special = [['bos_token_id', config.bosTokenId], ...config.eosTokenIds.map((id) => ['eos_token_id', id] as const)] as const;
  for (const [field, id] of special)
    if (id !== null && (id < 0 || id >= rows))
      throw new EngineError(
        'tokenizer_mismatch',
        `${dir}: config.json's ${field} ${id} is outside the model's vocabulary of ${rows} tokens (vocab_size).`,
      );
}

export interface ExampleOptions {
  /** Render through the chat template (user turn = prompt, assistant turn = response). */
  chat?: boolean;
  /** System message placed before the user turn (chat mode only). */
  system?: string;
  /** Cap on prompt + response tokens. */
  maxLength?: number;
  /** Cap on prompt tokens (applied first, dropping from the left). */
  maxPromptLength?: number;
  /** Append EOS to the response in plain (non-chat) mode, so the model learns to stop. Default true. */
  appendEos?: boolean;
}

export interface TokenizedExample {
  /** Prompt then response token ids. */
  inputIds: number[];
  /** 1 on response tokens (they carry loss), 0 on prompt tokens; same length as inputIds. */
  lossMask: number[];
  promptLength: number;
  responseLength: number;
  truncation: {
    promptTokensDropped: number;
    responseTokensDropped: number;
  };
  /**
   * True when the tokenizer merged the last prompt characters with the first
   * response characters; that token is counted as response.
   */
  boundaryMerged: boolean;
}

/** The messages of a single-turn prompt, with an optional system message first. */
export function chatPrompt(prompt: string, system?: string): ChatMessage[] {
  return system === undefined
    ? [{ role: 'user', content: prompt }]
    : [
        { role: 'system', content: system },
        { role: 'user', content: prompt },
      ];
}

function commonPrefixLength(a: number[], b: number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * Tokenizes a (prompt, response) pair. The boundary is exact: the prompt alone and
 * prompt + response are tokenized, and the response starts where they first differ,
 * so the ids are those of the full text (what the model sees at generation time).
 * Truncation: the prompt loses tokens from the left, the response from the right.
 */
export function buildExample(tok: HfTokenizer, prompt: string, response: string, opts: ExampleOptions = {}): TokenizedExample {
  let promptIds: number[];
  let fullIds: number[];
  if (opts.chat) {
    const user = chatPrompt(prompt, opts.system);
    const promptText = tok.applyChatTemplate(user, { addGenerationPrompt: true });
    const fullText = tok.applyChatTemplate([...user, { role: 'assistant', content: response }]);
    // Templates write their own BOS/special tokens, so the post-processor must not add them twice.
    promptIds = tok.encode(promptText, { addSpecialTokens: false });
    fullIds = tok.encode(fullText, { addSpecialTokens: false });
  } else {
    promptIds = tok.encode(prompt);
    fullIds = tok.encode(prompt + response);
    const eos = tok.eosTokenId;
    if ((opts.appendEos ?? true) && eos !== null) fullIds.push(eos);
  }
  const boundary = commonPrefixLength(promptIds, fullIds);
  let p = fullIds.slice(0, boundary);
  let r = fullIds.slice(boundary);
  const boundaryMerged = boundary < promptIds.length;

  let promptDropped = 0;
  let responseDropped = 0;
  if (opts.maxPromptLength !== undefined && p.length > opts.maxPromptLength) {
    promptDropped = p.length - opts.maxPromptLength;
    p = p.slice(promptDropped);
  }
  if (opts.maxLength !== undefined && p.length + r.length > opts.maxLength) {
    // Keep at least one response token, taking room from the prompt if needed.
    const keepResponse = Math.max(Math.min(r.length, 1), opts.maxLength - p.length);
    responseDropped = r.length - keepResponse;
    r = r.slice(0, keepResponse);
    const keepPrompt = Math.max(0, opts.maxLength - r.length);
    if (p.length > keepPrompt) {
      promptDropped += p.length - keepPrompt;
      p = p.slice(p.length - keepPrompt);
    }
  }
  return {
    inputIds: [...p, ...r],
    lossMask: [...p.map(() => 0), ...r.map(() => 1)],
    promptLength: p.length,
    responseLength: r.length,
    truncation: { promptTokensDropped: promptDropped, responseTokensDropped: responseDropped },
    boundaryMerged,
  };
}
