import { hash } from 'node:crypto';
import { FLAG_BITS, type Message, type RecordContent, type RecordFlag } from '../../../shared/datasets';
import { messagesToText, recordPromptHash } from './formats';

/** What a record's text columns and hashes are, derived from its content. */
export interface DerivedColumns {
  prompt_text: string;
  chosen_text: string;
  rejected_text: string;
  prompt_chars: number;
  chosen_chars: number;
  rejected_chars: number;
  prompt_hash: string;
  content_hash: string;
}

const text = (messages: Message[] | null) => (messages ? messagesToText(messages) : '');

/** The rejected side of an unlabeled pair is its second response, so both show in the table and in search. */
function sides(content: RecordContent): { chosen: Message[] | null; rejected: Message[] | null } {
  if (content.kind === 'unlabeled-pair' && content.responses) {
    return { chosen: content.responses[0] ?? null, rejected: content.responses[1] ?? null };
  }
  return { chosen: content.chosen, rejected: content.rejected };
}

/** A stable hash of exactly what training sees: kind, system, prompt and sides. */
export function contentHash(content: RecordContent): string {
  const canonical = JSON.stringify([
    content.kind,
    content.system ?? null,
    content.prompt,
    content.chosen,
    content.rejected,
    content.responses,
  ]);
  return hash('sha256', canonical, 'hex');
}

export function deriveColumns(content: RecordContent): DerivedColumns {
  const { chosen, rejected } = sides(content);
  const promptText = (content.system ? `${content.system}\n\n` : '') + text(content.prompt);
  const chosenText = text(chosen);
  const rejectedText = text(rejected);
  return {
    prompt_text: promptText,
    chosen_text: chosenText,
    rejected_text: rejectedText,
    prompt_chars: promptText.length,
    chosen_chars: chosenText.length,
    rejected_chars: rejectedText.length,
    prompt_hash: recordPromptHash({ prompt: content.prompt, ...(content.system ? { system: content.system } : {}) }),
    content_hash: contentHash(content),
  };
}

export function flagsToBits(flags: Iterable<RecordFlag>): number {
  let bits = 0;
  for (const f of flags) bits |= FLAG_BITS[f];
  return bits;
}

export function bitsToFlags(bits: number): RecordFlag[] {
  return (Object.keys(FLAG_BITS) as RecordFlag[]).filter((f) => (bits & FLAG_BITS[f]) !== 0);
}

/** Flags that depend only on the record itself (overlap depends on the split, see split.ts). */
export function intrinsicFlags(content: RecordContent): RecordFlag[] {
  const { chosen, rejected } = sides(content);
  const flags: RecordFlag[] = [];
  const sideTexts = [chosen, rejected, ...(content.responses ?? [])].filter((s): s is Message[] => s !== null).map((s) => text(s).trim());
  if (chosen && rejected && text(chosen).trim() === text(rejected).trim()) flags.push('identical');
  if (sideTexts.some((t) => t === '')) flags.push('empty');
  return flags;
}
