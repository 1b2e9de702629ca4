/**
 * The data path of a run: preference records → tokenized pairs → a seeded
 * per-epoch order → micro-batches, with a position that a checkpoint stores
 * so a resumed run sees exactly the pairs it would have seen.
 */
import { buildExample, type HfTokenizer, type ScoreExample } from '../engine';
import { epochOrder, flatten, responseText } from './rows';

export { epochOrder, flatten, responseText };
import type { Message, RecordContent } from '../../shared/datasets';

export interface TokenizationSettings {
  chatTemplate: boolean;
  maxLength: number;
  maxPromptLength: number;
}

export interface TokenizedPair {
  /** Index of the source record in the records given to `buildPairs`. */
  record: number;
  chosen: ScoreExample;
  /** Null only for records without a rejected side (usable by SFT). */
  rejected: ScoreExample | null;
}

export interface BuiltPairs {
  pairs: TokenizedPair[];
  /** Records left out, with why (kind, missing side). */
  skipped: { record: number; reason: string }[];
}

/** One user turn answered by one assistant turn: what the engine's buildExample renders. */
function singleTurn(prompt: Message[], response: Message[]): boolean {
  return prompt.length === 1 && prompt[0]!.role === 'user' && response.length === 1 && response[0]!.role === 'assistant';
}

/**
 * Chat-template tokenization of a multi-turn prompt, with buildExample's rules:
 * the response starts where prompt-with-generation-prompt and the full
 * conversation first differ; the prompt loses tokens from the left, the
 * response from the right, keeping at least one response token.
 */
function conversationExample(
  tok: HfTokenizer,
  prompt: Message[],
  response: Message[],
  system: string | null,
  settings: TokenizationSettings,
): ScoreExample {
  const head = system !== null && prompt[0]?.role !== 'system' ? [{ role: 'system', content: system }, ...prompt] : prompt;
  const promptIds = tok.encode(tok.applyChatTemplate(head, { addGenerationPrompt: true }), { addSpecialTokens: false });
  const fullIds = tok.encode(tok.applyChatTemplate([...head, ...response]), { addSpecialTokens: false });
  let boundary = 0;
  while (boundary < promptIds.length && boundary < fullIds.length && promptIds[boundary] === fullIds[boundary]) boundary++;
  let p = fullIds.slice(0, boundary);
  let r = fullIds.slice(boundary);
  if (p.length > settings.maxPromptLength) p = p.slice(p.length - settings.maxPromptLength);
  if (p.length + r.length > settings.maxLength) {
    r = r.slice(0, Math.max(Math.min(r.length, 1), settings.maxLength - p.length));
    p = p.slice(Math.max(0, p.length - Math.max(0, settings.maxLength - r.length)));
  }
  return { inputIds: [...p, ...r], lossMask: [...p.map(() => 0), ...r.map(() => 1)] };
}

/**
 * Tokenizes every usable record. Pairwise objectives need kind 'preference'
 * with both sides; SFT (`pairwise: false`) takes any record with a chosen side.
 */
export function buildPairs(
  records: RecordContent[],
  tokenizer: HfTokenizer,
  settings: TokenizationSettings,
  pairwise: boolean,
): BuiltPairs {
  const opts = { chat: settings.chatTemplate, maxLength: settings.maxLength, maxPromptLength: settings.maxPromptLength };
  const pairs: TokenizedPair[] = [];
  const skipped: BuiltPairs['skipped'] = [];
  records.forEach((r, i) => {
    if (pairwise && r.kind !== 'preference') return skipped.push({ record: i, reason: `kind ${r.kind} is not a preference` });
    if (!r.chosen || r.chosen.length === 0) return skipped.push({ record: i, reason: 'no chosen response' });
    if (pairwise && (!r.rejected || r.rejected.length === 0)) return skipped.push({ record: i, reason: 'no rejected response' });
    const prompt = flatten(r.prompt);
    const exampleOpts = r.system === null ? opts : { ...opts, system: r.system };
    const encode = (side: Message[]): ScoreExample => {
      if (settings.chatTemplate && !singleTurn(r.prompt, side)) return conversationExample(tokenizer, r.prompt, side, r.system, settings);
      const ex = buildExample(tokenizer, prompt, responseText(side), exampleOpts);
      return { inputIds: ex.inputIds, lossMask: ex.lossMask };
    };
    pairs.push({ record: i, chosen: encode(r.chosen), rejected: r.rejected && r.rejected.length > 0 ? encode(r.rejected) : null });
  });
  return { pairs, skipped };
}

/** Where the loader stands: `index` pairs of epoch `epoch` (0-based) are consumed. */
export interface DataPosition {
  epoch: number;
  index: number;
}

/** Micro-batches in seeded order; a micro-batch never spans two epochs. */
export class PairLoader {
  private order: number[];
  private pos: DataPosition;

  constructor(
    readonly pairs: TokenizedPair[],
    readonly microBatchSize: number,
    readonly seed: number,
    position: DataPosition = { epoch: 0, index: 0 },
  ) {
    if (pairs.length === 0) throw new Error('No training pairs');
    this.pos = { ...position };
    this.order = epochOrder(pairs.length, seed, this.pos.epoch);
  }

  get position(): DataPosition {
    return { ...this.pos };
  }

  /** Completed epochs plus the share of the current one. */
  get fractionalEpoch(): number {
    return this.pos.epoch + this.pos.index / this.pairs.length;
  }

  /** The next micro-batch of the current epoch; rolls over to the next epoch first when this one is used up. */
  next(): { pairs: TokenizedPair[]; epoch: number; endsEpoch: boolean } {
    if (this.pos.index >= this.pairs.length) {
      this.pos = { epoch: this.pos.epoch + 1, index: 0 };
      this.order = epochOrder(this.pairs.length, this.seed, this.pos.epoch);
    }
    const start = this.pos.index;
    const end = Math.min(start + this.microBatchSize, this.pairs.length);
    this.pos.index = end;
    return { pairs: this.order.slice(start, end).map((i) => this.pairs[i]!), epoch: this.pos.epoch, endsEpoch: end === this.pairs.length };
  }
}
