import { z } from 'zod';

/**
 * Datasets of preference records as the contract carries them. The import
 * parsers (main/core/datasets/formats) produce the same message and kind
 * shapes.
 */

export const Message = z.object({ role: z.string().min(1), content: z.string() });
export type Message = z.infer<typeof Message>;

export const RecordKind = z.enum(['preference', 'unlabeled-pair', 'prompt-only']);
export type RecordKind = z.infer<typeof RecordKind>;

export const Split = z.enum(['train', 'test']);
export type Split = z.infer<typeof Split>;

/** Problems flagged on a record; stored as a bit mask. */
export const RecordFlag = z.enum(['identical', 'empty', 'overlap']);
export type RecordFlag = z.infer<typeof RecordFlag>;
export const FLAG_BITS: Record<RecordFlag, number> = { identical: 1, empty: 2, overlap: 4 };
export const FLAG_LABELS: Record<RecordFlag, string> = {
  identical: 'chosen and rejected are identical',
  empty: 'a side is empty',
  overlap: 'prompt is in both train and test',
};

export const FormatId = z.enum([
  'trl-standard',
  'trl-conversational',
  'implicit-prompt',
  'hh-rlhf',
  'ultrafeedback',
  'orca-dpo',
  'llama-factory-alpaca',
  'llama-factory-sharegpt',
  'argilla',
  'label-studio',
  'unlabeled-pair',
  'prompt-only',
]);
export type FormatId = z.infer<typeof FormatId>;

/**
 * Which source field plays which role. Field names are looked up as exact
 * keys first, then as dotted paths (`data.prompt`), since Argilla v2 columns
 * themselves contain dots.
 */
export const ColumnMapping = z.object({
  format: FormatId,
  /** Prompt text or messages; instruction (alpaca), question (orca), conversation (sharegpt). */
  prompt: z.string().optional(),
  /** Alpaca `input`, appended to the instruction on a new line. */
  input: z.string().optional(),
  system: z.string().optional(),
  /** Alpaca `history`: earlier [user, assistant] turns. */
  history: z.string().optional(),
  chosen: z.string().optional(),
  rejected: z.string().optional(),
  /** Candidate response fields (unlabeled pairs, Argilla, Label Studio), or one field holding a list. */
  responses: z.array(z.string()).optional(),
  /** Where the judgement lives: Argilla ranking column, Label Studio annotations. */
  label: z.string().optional(),
  /** Extra fields to keep in meta; by default every unmapped scalar field is kept. */
  meta: z.array(z.string()).optional(),
});
export type ColumnMapping = z.infer<typeof ColumnMapping>;

export const ExportFormat = z.enum(['trl-jsonl', 'trl-conversational', 'csv']);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const Dataset = z.object({
  id: z.number().int(),
  name: z.string(),
  description: z.string(),
  recordCount: z.number().int(),
  trainCount: z.number().int(),
  testCount: z.number().int(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Dataset = z.infer<typeof Dataset>;

const Range = z.object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() });

export const RecordFilter = z.object({
  /** Full-text search over prompt, chosen and rejected (all words must match; prefixes allowed). */
  search: z.string().max(500).optional(),
  kinds: z.array(RecordKind).optional(),
  splits: z.array(z.enum(['train', 'test', 'none'])).optional(),
  /** Records carrying every one of these tags. */
  tags: z.array(z.string()).optional(),
  /** Records carrying any of these flags. */
  flags: z.array(RecordFlag).optional(),
  sources: z.array(z.string()).optional(),
  importId: z.number().int().optional(),
  promptChars: Range.optional(),
  chosenChars: Range.optional(),
  rejectedChars: Range.optional(),
});
export type RecordFilter = z.infer<typeof RecordFilter>;

/** One row of the records table: previews only; the full record comes from records.get. */
export const RecordSummary = z.object({
  id: z.number().int(),
  kind: RecordKind,
  prompt: z.string(),
  chosen: z.string(),
  rejected: z.string(),
  promptChars: z.number().int(),
  chosenChars: z.number().int(),
  rejectedChars: z.number().int(),
  split: Split.nullable(),
  flags: z.array(RecordFlag),
  tags: z.array(z.string()),
  source: z.string().nullable(),
});
export type RecordSummary = z.infer<typeof RecordSummary>;

export const RecordContent = z.object({
  kind: RecordKind,
  prompt: z.array(Message),
  chosen: z.array(Message).nullable(),
  rejected: z.array(Message).nullable(),
  responses: z.array(z.array(Message)).nullable(),
  system: z.string().nullable(),
});
export type RecordContent = z.infer<typeof RecordContent>;

export const RecordHistoryEntry = z.object({
  version: z.number().int(),
  changedAt: z.number(),
  reason: z.string(),
  before: RecordContent,
  after: RecordContent,
});

export const DatasetRecord = RecordContent.extend({
  id: z.number().int(),
  datasetId: z.number().int(),
  split: Split.nullable(),
  flags: z.array(RecordFlag),
  tags: z.array(z.string()),
  meta: z.record(z.string(), z.unknown()),
  source: z.object({ file: z.string().nullable(), line: z.number().nullable(), row: z.number().nullable() }),
  original: z.unknown(),
  version: z.number().int(),
  history: z.array(RecordHistoryEntry),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type DatasetRecord = z.infer<typeof DatasetRecord>;

export const ImportError = z.object({
  file: z.string(),
  line: z.number().nullable(),
  row: z.number().nullable(),
  field: z.string().nullable(),
  byteOffset: z.number().nullable(),
  code: z.string(),
  severity: z.enum(['error', 'warning']),
  reason: z.string(),
  /** The rejected row as text (capped), to fix and import again. */
  raw: z.string().nullable(),
});
export type ImportError = z.infer<typeof ImportError>;

export const ImportReport = z.object({
  id: z.number().int(),
  datasetId: z.number().int(),
  jobId: z.number().int().nullable(),
  file: z.string(),
  format: z.string().nullable(),
  explanation: z.string(),
  status: z.enum(['running', 'done', 'failed']),
  rowsSeen: z.number().int(),
  imported: z.number().int(),
  rejected: z.number().int(),
  warnings: z.number().int(),
  flagged: z.object({ identical: z.number().int(), empty: z.number().int() }),
  errors: z.array(ImportError),
  errorCount: z.number().int(),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
});
export type ImportReport = z.infer<typeof ImportReport>;

export const ImportPreview = z.object({
  file: z.string(),
  container: z.string(),
  format: FormatId.nullable(),
  confidence: z.number(),
  explanation: z.string(),
  mapping: ColumnMapping.nullable(),
  candidates: z.array(z.object({ format: FormatId, confidence: z.number(), explanation: z.string(), mapping: ColumnMapping })),
  columns: z.array(z.string()),
  sample: z.array(RecordContent.extend({ source: z.object({ file: z.string(), line: z.number().optional(), row: z.number() }) })),
  errors: z.array(ImportError),
});
export type ImportPreview = z.infer<typeof ImportPreview>;

export const Snapshot = z.object({
  id: z.number().int(),
  datasetId: z.number().int(),
  name: z.string(),
  contentHash: z.string(),
  recordCount: z.number().int(),
  trainCount: z.number().int(),
  testCount: z.number().int(),
  filter: RecordFilter.nullable(),
  createdAt: z.number(),
});
export type Snapshot = z.infer<typeof Snapshot>;

export const DuplicateGroup = z.object({
  kind: z.enum(['exact', 'near']),
  /** Estimated Jaccard similarity of the group's texts (1 for exact duplicates). */
  similarity: z.number(),
  /** Records in the group; `records` holds the first of them (up to 100). */
  size: z.number().int(),
  records: z.array(RecordSummary),
});
export type DuplicateGroup = z.infer<typeof DuplicateGroup>;

/** Orders of the records table; every order ends with the record id, so it is total. */
export const RecordSort = z.enum([
  'id',
  '-id',
  'promptChars',
  '-promptChars',
  'chosenChars',
  '-chosenChars',
  'rejectedChars',
  '-rejectedChars',
]);
export type RecordSort = z.infer<typeof RecordSort>;

/**
 * A position in a sorted view (keyset pagination): a row's id and, for the
 * length sorts, its value of the sorted column. `after` a cursor are the rows
 * that follow that row in the view's order, `before` it the rows preceding it.
 */
export const RecordCursor = z.object({ id: z.number().int(), key: z.number().int().optional() });
export type RecordCursor = z.infer<typeof RecordCursor>;

/** The cursor of a row of a view sorted by `sort`. */
export function recordCursor(
  row: Pick<RecordSummary, 'id' | 'promptChars' | 'chosenChars' | 'rejectedChars'>,
  sort: RecordSort,
): RecordCursor {
  const column = sort.replace(/^-/, '');
  if (column === 'promptChars' || column === 'chosenChars' || column === 'rejectedChars') return { id: row.id, key: row[column] };
  return { id: row.id };
}
