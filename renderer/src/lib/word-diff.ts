import { diffWords } from 'diff';

/** A run of text in one response, marked when the other response does not have it. */
export interface DiffSegment {
  text: string;
  changed: boolean;
}

/**
 * Word-level differences between the two responses (jsdiff's diffWords,
 * whitespace-insensitive): each side gets its own segments, with the words
 * only it has marked, so the labeler can highlight both panes at once.
 */
export function wordDiff(left: string, right: string): { left: DiffSegment[]; right: DiffSegment[]; changedWords: number } {
  const out = { left: [] as DiffSegment[], right: [] as DiffSegment[], changedWords: 0 };
  for (const part of diffWords(left, right)) {
    if (part.added) out.right.push({ text: part.value, changed: true });
    else if (part.removed) out.left.push({ text: part.value, changed: true });
    else {
      out.left.push({ text: part.value, changed: false });
      out.right.push({ text: part.value, changed: false });
    }
    if (part.added || part.removed) out.changedWords += part.value.split(/\s+/).filter(Boolean).length;
  }
  return out;
}
