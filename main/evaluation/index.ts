/**
 * Public API of the evaluation library: lm-eval's multiple-choice and rolling
 * log-likelihoods and TRL's preference metrics on the engine, scored by the
 * engine's one scorer (the one training uses). Transport-free: it runs in a
 * worker process and never imports main/core.
 */
export { scoreInBatches } from './batches';
export type { BatchOptions } from './batches';
export { continuationOf, encodeRequest, requestExample, scoreChoices } from './multiple-choice';
export type { ChoiceItem, ChoiceItemResult, ChoiceOptions, ChoiceResults } from './multiple-choice';
export { rollingWindows, scoreDocuments } from './perplexity';
export type { DocumentOptions, DocumentResult, DocumentResults } from './perplexity';
export { scorePreferencePairs } from './preference';
export type { PreferenceOptions, PreferencePairOutcome, PreferenceResults, ReferencePairLogps } from './preference';
export { checkMaxLength, defaultMaxLength, prefixTokenId } from './tokens';
