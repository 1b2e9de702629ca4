/**
 * Multiple-choice log-likelihoods as lm-evaluation-harness computes them for
 * `output_type: multiple_choice` (../../../shared/evaluation.md, "Capability"):
 * one `loglikelihood` request (context, delimiter + choice) per choice, ℓ_i the
 * summed log-prob of the continuation's tokens given the context; acc and
 * acc_norm then come from shared/stats/multiple-choice.ts.
 *
 * Conventions (lm-eval 0.4, HFLM with a causal model):
 * - The continuation is `targetDelimiter + choice` (delimiter " " by default,
 *   lm-eval's `target_delimiter`). Ours: when the choice already starts with
 *   whitespace the delimiter is not added (lm-eval would double the space; task
 *   files in the plain format often carry the space themselves). Pass
 *   `targetDelimiter: ''` to use choices exactly as written.
 * - acc_norm divides by the length of the choice in characters, without the
 *   delimiter (lm-eval's `len(choice)`).
 * - Encoding (`TemplateLM._encode_pair`): trailing whitespace of the context
 *   moves to the start of the continuation; the context and context +
 *   continuation are tokenized without special tokens (`add_special_tokens=False`
 *   for causal models); the continuation's tokens are those of the whole string
 *   after the first len(context tokens) of them, and the model reads the
 *   context's own tokens followed by them. So a BPE merge across the boundary
 *   is handled as lm-eval does: the context keeps its separate encoding, the
 *   continuation is cut from the whole by count.
 * - An empty context is the prefix token (BOS, else EOS), and the
 *   continuation is tokenized alone.
 * - Longer than `maxLength` + 1 tokens: the left of the context is dropped
 *   (lm-eval keeps `(context + continuation)[-(max_length + 1):]`).
 */
import type { CausalLM, HfTokenizer, ScoreExample } from '../engine';
import {
  choiceLength,
  invalidMultipleChoiceItem,
  scoreMultipleChoice,
  summarizeMultipleChoice,
  type MultipleChoiceItem,
  type MultipleChoiceScore,
  type MultipleChoiceSummary,
} from '../../shared/stats/multiple-choice';
import { scoreInBatches, type BatchOptions } from './batches';
import { checkMaxLength, defaultMaxLength, prefixTokenId } from './tokens';

export interface ChoiceItem {
  context: string;
  choices: readonly string[];
  /** Index of the correct choice. */
  gold: number;
}

export interface ChoiceOptions extends BatchOptions {
  /** lm-eval's `target_delimiter` (default " "); see the module comment. */
  targetDelimiter?: string;
  /** Tokens the model reads per request (lm-eval's `max_length`); default max_position_embeddings − 1. */
  maxLength?: number;
}

export interface ChoiceItemResult {
  /** ℓ_i per choice; empty when the item is invalid. */
  logLikelihoods: number[];
  /** Choice lengths in characters (code points), acc_norm's divisor. */
  choiceLengths: number[];
  /** Continuation tokens scored per choice. */
  tokenCounts: number[];
  gold: number;
  /** acc / acc_norm of this item (shared/stats); null when the item is invalid. */
  score: MultipleChoiceScore | null;
  /** Why the item was not scored, or null. */
  invalid: string | null;
}

export interface ChoiceResults {
  items: ChoiceItemResult[];
  /** acc and acc_norm with standard errors over the valid items. */
  summary: MultipleChoiceSummary;
}

// Python's `str.isspace` characters (what `rstrip()` strips); JavaScript's \s differs on a few (U+001C–U+001F are whitespace to Python).
// eslint-disable-next-line no-control-regex
const TRAILING_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/u;
// eslint-disable-next-line no-control-regex
const LEADING_WHITESPACE = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;

/** The continuation string of a choice: the delimiter, unless the choice already starts with whitespace, then the choice. */
export function continuationOf(choice: string, targetDelimiter = ' '): string {
  return LEADING_WHITESPACE.test(choice) ? choice : targetDelimiter + choice;
}

/** lm-eval's encoding of a (context, continuation) request: the context's tokens and the continuation's. */
export function encodeRequest(
  tokenizer: HfTokenizer,
  context: string,
  continuation: string,
): { context: number[]; continuation: number[] } {
  const encode = (s: string) => tokenizer.encode(s, { addSpecialTokens: false });
  if (context === '') return { context: [prefixTokenId(tokenizer)], continuation: encode(continuation) };
  const spaces = TRAILING_WHITESPACE.exec(context)?.[0] ?? '';
  const ctx = context.slice(0, context.length - spaces.length);
  const cont = spaces + continuation;
  const contextIds = encode(ctx);
  const whole = encode(ctx + cont);
  return { context: contextIds, continuation: whole.slice(contextIds.length) };
}

/** The engine example of a request: the last maxLength + 1 tokens, loss on the continuation. */
export function requestExample(context: number[], continuation: number[], maxLength: number): ScoreExample {
  const ids = [...context, ...continuation].slice(-(maxLength + 1));
  const scored = Math.min(continuation.length, ids.length - 1);
  return { inputIds: ids, lossMask: ids.map((_, i) => (i >= ids.length - scored ? 1 : 0)) };
}

/** Why an item cannot be scored before any tokenization, or null. */
function invalidItem(item: ChoiceItem): string | null {
  if (item.choices.length === 0) return 'no choices';
  if (!Number.isInteger(item.gold) || item.gold < 0 || item.gold >= item.choices.length)
    return `gold index ${item.gold} is out of range (0–${item.choices.length - 1})`;
  const empty = item.choices.findIndex((c) => choiceLength(c) === 0);
  if (empty >= 0) return `choice ${empty} is empty`;
  return null;
}

/**
 * ℓ_i for every choice of every item, scored with the engine's one scorer in
 * batches of similar length; then acc / acc_norm per item and their summary.
 * Invalid items (no choices, gold out of range, an empty choice) are not
 * scored: they come back with `invalid` set and stay out of the summary.
 */
export async function scoreChoices(
  model: CausalLM,
  tokenizer: HfTokenizer,
  items: readonly ChoiceItem[],
  opts: ChoiceOptions = {},
): Promise<ChoiceResults> {
  const maxLength = opts.maxLength === undefined ? defaultMaxLength(model) : checkMaxLength(model, opts.maxLength);
  const delimiter = opts.targetDelimiter ?? ' ';
  const examples: ScoreExample[] = [];
  const owners: { item: number; choice: number }[] = [];
  const invalid = items.map(invalidItem);
  items.forEach((item, i) => {
    if (invalid[i]) return;
    item.choices.forEach((choice, c) => {
      const req = encodeRequest(tokenizer, item.context, continuationOf(choice, delimiter));
      examples.push(requestExample(req.context, req.continuation, maxLength));
      owners.push({ item: i, choice: c });
    });
  });
  const scores = await scoreInBatches(model, examples, { ...opts, padId: tokenizer.padTokenId ?? 0 });
  const results: ChoiceItemResult[] = items.map((item, i) => ({
    logLikelihoods: invalid[i] ? [] : item.choices.map(() => 0),
    choiceLengths: invalid[i] ? [] : item.choices.map(choiceLength),
    tokenCounts: invalid[i] ? [] : item.choices.map(() => 0),
    gold: item.gold,
    score: null,
    invalid: invalid[i]!,
  }));
  owners.forEach((o, k) => {
    results[o.item]!.logLikelihoods[o.choice] = scores[k]!.sumLogProb;
    results[o.item]!.tokenCounts[o.choice] = scores[k]!.tokenCount;
  });
  const valid: MultipleChoiceItem[] = [];
  for (const r of results) {
    if (r.invalid) continue;
    const item: MultipleChoiceItem = { logLikelihoods: r.logLikelihoods, choiceLengths: r.choiceLengths, gold: r.gold };
    r.invalid = invalidMultipleChoiceItem(item);
    if (r.invalid) continue;
    r.score = scoreMultipleChoice(item);
    valid.push(item);
  }
  return { items: results, summary: summarizeMultipleChoice(valid) };
}
