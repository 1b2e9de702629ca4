/** Token conventions evaluation shares with lm-evaluation-harness's HFLM. */
import { EngineError, type CausalLM, type HfTokenizer } from '../engine';

/** lm-eval's `prefix_token_id`: BOS, else EOS — the context of an empty context and of a document's first token. */
export function prefixTokenId(tokenizer: HfTokenizer): number {
  const id = tokenizer.bosTokenId ?? tokenizer.eosTokenId;
  if (id === null) throw new EngineError('invalid_input', 'The tokenizer has neither a BOS nor an EOS token to start a sequence with.');
  return id;
}

/**
 * The most tokens a request may give the model to read: the engine scores a
 * window with its last target appended, so max_position_embeddings − 1
 * (lm-eval's default max_length is max_position_embeddings).
 */
export function defaultMaxLength(model: CausalLM): number {
  return model.config.maxPositionEmbeddings - 1;
}

/** Checks a caller's maxLength against the model's positions. */
export function checkMaxLength(model: CausalLM, maxLength: number): number {
  if (!Number.isInteger(maxLength) || maxLength < 1)
    throw new EngineError('invalid_input', `maxLength must be a positive integer, not ${maxLength}.`);
  const limit = defaultMaxLength(model);
  if (maxLength > limit)
    throw new EngineError('invalid_input', `maxLength ${maxLength} is more than this model can read with a target appended (${limit}).`);
  return maxLength;
}
