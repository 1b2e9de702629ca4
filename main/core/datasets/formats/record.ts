// The one shape every imported row becomes, whatever file format it came
// from. Messages are the common currency: a plain-text TRL row is a one-message
// list, so conversational and text data flow through the same code.
import { z } from 'zod';

export const messageSchema = z.object({
  // Known roles are system/user/assistant; tool and function roles from
  // sharegpt-style data are kept as they are rather than rejected.
  role: z.string().min(1),
  content: z.string(),
});
export type Message = z.infer<typeof messageSchema>;

export const recordKindSchema = z.enum(['preference', 'unlabeled-pair', 'prompt-only']);
export type RecordKind = z.infer<typeof recordKindSchema>;

export const recordFlagsSchema = z.object({
  /** chosen and rejected (or all candidates of an unlabeled pair) read the same: nothing to learn or choose. */
  identicalSides: z.boolean(),
  /** a side (or a response of an unlabeled pair) has no text at all. */
  emptySide: z.boolean(),
});
export type RecordFlags = z.infer<typeof recordFlagsSchema>;

export const recordSourceSchema = z.object({
  file: z.string(),
  /** 1-based line where the row starts (text formats only). */
  line: z.number().int().positive().optional(),
  /** 1-based index of the data row in the file (header excluded). */
  row: z.number().int().positive(),
});
export type RecordSource = z.infer<typeof recordSourceSchema>;

export const preferenceRecordSchema = z.object({
  prompt: z.array(messageSchema),
  chosen: z.array(messageSchema).nullable(),
  rejected: z.array(messageSchema).nullable(),
  /** Candidate responses of an unlabeled pair, in file order. */
  responses: z.array(z.array(messageSchema)).optional(),
  system: z.string().optional(),
  kind: recordKindSchema,
  /** Scores, ids and other scalar columns that are not part of the pair. */
  meta: z.record(z.string(), z.unknown()),
  flags: recordFlagsSchema,
  source: recordSourceSchema,
  /** The raw row exactly as read, so nothing is lost by normalising. */
  original: z.unknown(),
});
export type PreferenceRecord = z.infer<typeof preferenceRecordSchema>;

export const importErrorCodes = [
  'empty-file',
  'binary-file',
  'invalid-utf8',
  'json-syntax',
  'truncated',
  'not-an-object',
  'too-deep',
  'nul-byte',
  'container-mismatch',
  'csv-ragged',
  'csv-syntax',
  'parquet-unreadable',
  'missing-field',
  'wrong-type',
  'empty-side',
  'no-preference',
  'long-field',
  'unsupported',
] as const;
export const importErrorCodeSchema = z.enum(importErrorCodes);
export type ImportErrorCode = z.infer<typeof importErrorCodeSchema>;

export const severitySchema = z.enum(['error', 'warning']);
export type Severity = z.infer<typeof severitySchema>;

/** A problem tied to a place in a file, phrased for the person who owns it. */
export const locatedErrorSchema = z.object({
  file: z.string(),
  line: z.number().int().positive().optional(),
  row: z.number().int().positive().optional(),
  field: z.string().optional(),
  /** Byte offset into the file, where the problem is below row level. */
  byteOffset: z.number().int().nonnegative().optional(),
  code: importErrorCodeSchema,
  /** error: the row was not imported; warning: imported, worth a look. */
  severity: severitySchema,
  reason: z.string(),
  /** A rejected row as text (capped at 64 KiB), so it can be fixed and imported again. */
  raw: z.string().optional(),
});
export type LocatedError = z.infer<typeof locatedErrorSchema>;

const RAW_CAP = 64 * 1024;
/** The text kept of a rejected row. */
export function rawText(text: string): string {
  return text.length > RAW_CAP ? text.slice(0, RAW_CAP) : text;
}

export function computeFlags(chosen: Message[] | null, rejected: Message[] | null, responses?: Message[][]): RecordFlags {
  const isEmpty = (side: Message[] | null) => side !== null && side.every((m) => m.content.trim() === '');
  const emptySide = isEmpty(chosen) || isEmpty(rejected) || (responses ?? []).some((r) => isEmpty(r));
  const text = (side: Message[]) => messagesToText(side).trim();
  // For an unlabeled pair: candidates that all read the same leave nothing to choose.
  const sides = chosen !== null && rejected !== null ? [chosen, rejected] : (responses ?? []);
  const identicalSides = sides.length >= 2 && sides.every((side) => text(side) === text(sides[0]!));
  return { identicalSides, emptySide };
}

const TRANSCRIPT_LABEL: Record<string, string> = { user: 'Human', assistant: 'Assistant', system: 'System' };
const TRANSCRIPT_ROLE: Record<string, string> = { Human: 'user', Assistant: 'assistant', System: 'system' };
// Turns are separated by a blank line; the first may open the text without one.
const TRANSCRIPT_TURN = /(?:^|\n\n)(Human|Assistant|System): ?/g;

/**
 * Plain text as TRL's standard format carries it: a lone message is its
 * content; several messages become an HH-style transcript so turns survive
 * the trip through a text column (and `textToMessages` reads them back).
 */
export function messagesToText(messages: Message[]): string {
  if (messages.length === 1) return messages[0]!.content;
  return messages.map((m) => `\n\n${TRANSCRIPT_LABEL[m.role] ?? m.role}: ${m.content}`).join('');
}

/** True when text is an HH-RLHF style transcript ("\n\nHuman: …\n\nAssistant: …"). */
export function isTranscript(text: string): boolean {
  return /^(\n\n)?(Human|System): /.test(text) && text.includes('\n\nAssistant:');
}

/**
 * Inverse of `messagesToText`: a transcript splits into turns; any other text
 * is one message with the given role.
 */
export function textToMessages(text: string, role: string): Message[] {
  if (!isTranscript(text) && !/^\n\n(Human|Assistant|System): /.test(text)) return [{ role, content: text }];
  const messages: Message[] = [];
  const turns = [...text.matchAll(TRANSCRIPT_TURN)];
  turns.forEach((turn, i) => {
    const start = turn.index + turn[0].length;
    const end = turns[i + 1]?.index ?? text.length;
    messages.push({ role: TRANSCRIPT_ROLE[turn[1]!] ?? 'user', content: text.slice(start, end) });
  });
  return messages;
}
