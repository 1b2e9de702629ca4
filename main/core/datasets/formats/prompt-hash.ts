// A stable identity for a prompt, used to keep a prompt on one side of a
// train/test split and to spot prompts that leaked across it.
import { hash } from 'node:crypto';
import { type Message, type PreferenceRecord } from './record';

/**
 * Case, Unicode form and runs of whitespace do not make a different prompt,
 * so they are folded before hashing; roles and the system prompt do.
 */
export function normalisePromptText(prompt: Message[], system?: string): string {
  const fold = (text: string) => text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  const parts = system !== undefined && system.trim() !== '' ? [`system: ${fold(system)}`] : [];
  for (const message of prompt) parts.push(`${message.role}: ${fold(message.content)}`);
  return parts.join('\n');
}

/** sha256 (hex) of the normalised prompt text. */
export function promptHash(prompt: Message[], system?: string): string {
  // One-shot hash(): about twice as fast as createHash() for short inputs, which matters per imported row.
  return hash('sha256', normalisePromptText(prompt, system), 'hex');
}

export function recordPromptHash(record: Pick<PreferenceRecord, 'prompt' | 'system'>): string {
  return promptHash(record.prompt, record.system);
}

/** Hashes present on both sides of a split: prompts that leaked into test. */
export function findPromptOverlap(trainHashes: Iterable<string>, testHashes: Iterable<string>): Set<string> {
  const train = new Set(trainHashes);
  const overlap = new Set<string>();
  for (const hash of testHashes) if (train.has(hash)) overlap.add(hash);
  return overlap;
}
