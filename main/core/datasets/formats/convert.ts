// Rows + a column mapping → normalised records, with every rejected row
// reported by file, line, row and field. A bad row never stops the others.
import { argillaJudgement, labelStudioJudgement, type JudgementResult } from './labels';
import { type ColumnMapping, getField, mappedFields } from './mapping';
import { coerceMessages, sharedPrefixLength, splitSharedText } from './messages';
import { computeFlags, rawText, type LocatedError, type Message, type PreferenceRecord, type RecordKind } from './record';
import { MAX_ROW_DEPTH, nestedDeeperThan, type RawRow } from './readers/types';
import { isBlank, RowFields } from './row-fields';

export interface ApplyOptions {
  /** Texts longer than this are imported with a warning (default 1 MiB of characters). */
  longFieldChars?: number;
}

export interface MappedRows {
  records: PreferenceRecord[];
  /** Errors (row rejected) and warnings (row imported, something to look at). */
  errors: LocatedError[];
}

interface Parts {
  prompt: Message[];
  chosen: Message[] | null;
  rejected: Message[] | null;
  responses?: Message[][];
  system?: string;
  meta?: Record<string, unknown>;
  /** Fields read beyond the mapping's own (the response columns of an exported unlabeled row). */
  consumed?: string[];
}

const DEFAULT_LONG_FIELD = 1024 * 1024;

export function applyMapping(rows: Iterable<RawRow>, mapping: ColumnMapping, file: string, options: ApplyOptions = {}): MappedRows {
  const records: PreferenceRecord[] = [];
  const errors: LocatedError[] = [];
  const used = mappedFields(mapping);
  const longField = options.longFieldChars ?? DEFAULT_LONG_FIELD;
  for (const raw of rows) {
    const fields = new RowFields(raw.value);
    const parts = convertRow(fields, mapping);
    const where = { file, row: raw.row, ...(raw.line !== undefined ? { line: raw.line } : {}) };
    const rejected = parts === null || fields.failed();
    for (const issue of fields.issues) {
      const prefix = raw.line !== undefined ? `Row ${raw.row} (line ${raw.line})` : `Row ${raw.row}`;
      errors.push({
        ...where,
        ...issue,
        reason: `${prefix}: ${issue.reason}`,
        ...(rejected && issue.severity === 'error' ? { raw: rawText(JSON.stringify(raw.value)) } : {}),
      });
    }
    if (parts === null || fields.failed()) continue;
    const record = finishRecord(parts, raw, file, mapping, used);
    for (const warning of recordWarnings(record, longField)) errors.push({ ...where, ...warning });
    records.push(record);
  }
  return { records, errors };
}

function convertRow(fields: RowFields, mapping: ColumnMapping): Parts | null {
  switch (mapping.format) {
    case 'llama-factory-alpaca':
      return alpacaParts(fields, mapping);
    case 'unlabeled-pair':
      return unlabeledParts(fields, mapping);
    case 'prompt-only':
      return promptOnly(fields, mapping);
    case 'argilla':
      return judgedParts(fields, mapping, (label, row) =>
        argillaJudgement(label, getField(row, `${mapping.label}.status`), getField(row, `${mapping.label}.users`), mapping.responses ?? []),
      );
    case 'label-studio':
      return judgedParts(fields, mapping, (label) => labelStudioJudgement(label));
    default:
      return pairParts(fields, mapping);
  }
}

function systemPart(fields: RowFields, mapping: ColumnMapping): { system?: string } {
  const system = fields.optionalText(mapping.system);
  return system === undefined ? {} : { system };
}

/** Where our own export puts the candidates of unlabeled rows: a `responses` list, or response_a, response_b… columns in CSV. */
function exportedResponseFields(row: Record<string, unknown>): string[] {
  if (Array.isArray(row.responses)) return ['responses'];
  return Object.keys(row)
    .filter((key) => /^response_[a-z]$/.test(key) && !isBlank(row[key]))
    .sort();
}

/**
 * prompt / chosen / rejected in any of their encodings. A row with neither
 * side imports as unlabeled (if it has responses) or as a prompt only, with a
 * warning, so an export of a half-labeled dataset re-imports whole.
 */
function pairParts(fields: RowFields, mapping: ColumnMapping): Parts | null {
  const implicit = mapping.prompt === undefined;
  if (isBlank(fields.get(mapping.chosen)) && isBlank(fields.get(mapping.rejected)) && !implicit) {
    const responseFields = mapping.responses ?? exportedResponseFields(fields.row);
    const hasResponses = responseFields.some((name) => !isBlank(fields.get(name)));
    fields.issue(mapping.chosen, 'no-preference', 'neither chosen nor rejected is filled in; imported without a preference', 'warning');
    if (!hasResponses) return promptOnly(fields, mapping);
    const parts = unlabeledParts(fields, { ...mapping, responses: responseFields });
    return parts && { ...parts, consumed: responseFields };
  }
  const prompt = implicit ? [] : fields.messages(mapping.prompt, 'user', 'the prompt');
  let chosen = fields.messages(mapping.chosen, 'assistant', 'the chosen response');
  let rejected = fields.messages(mapping.rejected, 'assistant', 'the rejected response');
  if (prompt === null || chosen === null || rejected === null) return null;
  let promptMessages = prompt;
  if (implicit) {
    ({ prompt: promptMessages, chosen, rejected } = splitImplicitPrompt(chosen, rejected));
  } else if (prompt.length > 0) {
    // UltraFeedback-style sides repeat the prompt turns; keep only the answer.
    if (chosen.length > prompt.length && sharedPrefixLength(chosen, prompt) === prompt.length) chosen = chosen.slice(prompt.length);
    if (rejected.length > prompt.length && sharedPrefixLength(rejected, prompt) === prompt.length) rejected = rejected.slice(prompt.length);
  }
  return { prompt: promptMessages, chosen, rejected, ...systemPart(fields, mapping) };
}

function promptOnly(fields: RowFields, mapping: ColumnMapping): Parts | null {
  const prompt = fields.messages(mapping.prompt, 'user', 'the prompt');
  return prompt && { prompt, chosen: null, rejected: null, ...systemPart(fields, mapping) };
}

/** The shared opening turns of both sides are the prompt (TRL's implicit prompt). */
export function splitImplicitPrompt(chosen: Message[], rejected: Message[]): { prompt: Message[]; chosen: Message[]; rejected: Message[] } {
  const plainText = chosen.length === 1 && rejected.length === 1 && chosen[0]!.role === rejected[0]!.role;
  if (plainText) {
    const split = splitSharedText(chosen[0]!.content, rejected[0]!.content);
    if (split.prefix === '') return { prompt: [], chosen, rejected };
    const role = chosen[0]!.role;
    return {
      prompt: [{ role: 'user', content: split.prefix }],
      chosen: [{ role, content: split.a }],
      rejected: [{ role, content: split.b }],
    };
  }
  // Each side keeps at least its last turn, even when both are identical.
  const shared = Math.min(sharedPrefixLength(chosen, rejected), chosen.length - 1, rejected.length - 1);
  const at = Math.max(0, shared);
  return { prompt: chosen.slice(0, at), chosen: chosen.slice(at), rejected: rejected.slice(at) };
}

function alpacaParts(fields: RowFields, mapping: ColumnMapping): Parts | null {
  const instruction = fields.text(mapping.prompt, 'the instruction');
  const input = fields.optionalText(mapping.input);
  const history = fields.get(mapping.history);
  const prompt: Message[] = [];
  if (!isBlank(history)) {
    const turns = Array.isArray(history) ? history : null;
    const valid = turns?.every((t) => Array.isArray(t) && t.length === 2 && t.every((s) => typeof s === 'string'));
    if (!valid) fields.issue(mapping.history, 'wrong-type', `field "${mapping.history}" should be a list of [instruction, response] pairs`);
    else
      for (const [user, assistant] of turns as [string, string][])
        prompt.push({ role: 'user', content: user }, { role: 'assistant', content: assistant });
  }
  const chosen = fields.messages(mapping.chosen, 'assistant', 'the chosen response');
  const rejected = fields.messages(mapping.rejected, 'assistant', 'the rejected response');
  if (instruction === null || chosen === null || rejected === null) return null;
  prompt.push({ role: 'user', content: input === undefined ? instruction : `${instruction}\n${input}` });
  return { prompt, chosen, rejected, ...systemPart(fields, mapping) };
}

/** Candidate responses: several fields, or one field holding a list of them. */
function readResponses(fields: RowFields, names: string[]): Message[][] | null {
  const values =
    names.length === 1 && Array.isArray(fields.get(names[0])) && !isMessageListValue(fields.get(names[0]))
      ? (fields.get(names[0]) as unknown[]).map((value, i) => ({ name: `${names[0]}[${i}]`, value }))
      : names.map((name) => ({ name, value: fields.get(name) }));
  const responses: Message[][] = [];
  for (const { name, value } of values) {
    if (value === undefined || value === null) {
      fields.issue(name, 'missing-field', `response field "${name}" is missing`);
      continue;
    }
    const coerced = coerceMessages(value, 'assistant');
    if (coerced.ok) responses.push(coerced.messages);
    else fields.issue(name, 'wrong-type', `response field "${name}": ${coerced.reason}`);
  }
  if (!fields.failed() && responses.length < 2) {
    fields.issue(names[0], 'missing-field', `a pair needs two responses, found ${responses.length}`);
  }
  return fields.failed() ? null : responses;
}

function isMessageListValue(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((m) => typeof m === 'object' && m !== null && !Array.isArray(m) && ('role' in m || 'from' in m))
  );
}

function unlabeledParts(fields: RowFields, mapping: ColumnMapping): Parts | null {
  const prompt = fields.messages(mapping.prompt, 'user', 'the prompt');
  const responses = readResponses(fields, mapping.responses ?? []);
  if (prompt === null || responses === null) return null;
  return { prompt, chosen: null, rejected: null, responses, ...systemPart(fields, mapping) };
}

/** Argilla / Label Studio: candidates plus a judgement that picks the winner. */
function judgedParts(
  fields: RowFields,
  mapping: ColumnMapping,
  judge: (label: unknown, row: Record<string, unknown>) => JudgementResult,
): Parts | null {
  const unlabeled = unlabeledParts(fields, mapping);
  if (unlabeled === null) return null;
  const { judgement, note } = judge(fields.get(mapping.label), fields.row);
  const responses = unlabeled.responses!;
  if (judgement === null || responses[judgement.chosen] === undefined || responses[judgement.rejected] === undefined) {
    if (note) fields.issue(mapping.label, 'no-preference', `${note}; imported as an unlabeled pair`, 'warning');
    return { ...unlabeled, meta: { labelState: 'unlabeled' } };
  }
  return {
    ...unlabeled,
    chosen: responses[judgement.chosen]!,
    rejected: responses[judgement.rejected]!,
    meta: { labelState: 'labeled', ...(judgement.annotator !== undefined ? { annotator: judgement.annotator } : {}) },
  };
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** A `meta` column as our export writes it: an object, or (in CSV) that object as JSON (kept as text when nested too deep to store). */
function metaColumn(value: unknown): Record<string, unknown> {
  if (typeof value === 'string' && value.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(value);
      return nestedDeeperThan(parsed, MAX_ROW_DEPTH) ? { meta: value } : metaColumn(parsed);
    } catch {
      return { meta: value };
    }
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  return isScalar(value) ? { meta: value } : {};
}

function finishRecord(parts: Parts, raw: RawRow, file: string, mapping: ColumnMapping, used: Set<string>): PreferenceRecord {
  let { prompt, system } = parts;
  // A leading system turn is lifted out so every record carries it the same way.
  if (prompt[0]?.role === 'system') {
    system = system ?? prompt[0].content;
    prompt = prompt.slice(1);
  }
  const meta: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw.value)) {
    // Blank cells are not data (CSV writes every column on every row); the original keeps them.
    if (used.has(key) || used.has(key.split('.')[0]!) || parts.consumed?.includes(key) || isBlank(value)) continue;
    if (key === 'meta') Object.assign(meta, metaColumn(value));
    else if (isScalar(value)) meta[key] = value;
  }
  for (const name of mapping.meta ?? []) {
    const value = getField(raw.value, name);
    if (value !== undefined) meta[name] = value;
  }
  Object.assign(meta, parts.meta);
  const kind: RecordKind =
    parts.chosen !== null && parts.rejected !== null ? 'preference' : parts.responses ? 'unlabeled-pair' : 'prompt-only';
  const responses = kind === 'unlabeled-pair' ? parts.responses : undefined;
  return {
    prompt,
    chosen: kind === 'preference' ? parts.chosen : null,
    rejected: kind === 'preference' ? parts.rejected : null,
    ...(responses ? { responses } : {}),
    ...(system !== undefined ? { system } : {}),
    kind,
    meta,
    flags: computeFlags(parts.chosen, parts.rejected, responses),
    source: { file, row: raw.row, ...(raw.line !== undefined ? { line: raw.line } : {}) },
    original: raw.value,
  };
}

function recordWarnings(record: PreferenceRecord, longField: number): Omit<LocatedError, 'file' | 'row' | 'line'>[] {
  const warnings: Omit<LocatedError, 'file' | 'row' | 'line'>[] = [];
  const at = `Row ${record.source.row}${record.source.line !== undefined ? ` (line ${record.source.line})` : ''}`;
  if (record.flags.emptySide) {
    warnings.push({ code: 'empty-side', severity: 'warning', reason: `${at}: a response is empty; the row is imported and flagged.` });
  }
  const sides: [string, Message[] | null][] = [
    ['prompt', record.prompt],
    ['chosen', record.chosen],
    ['rejected', record.rejected],
  ];
  for (const [field, messages] of sides) {
    const length = (messages ?? []).reduce((n, m) => n + m.content.length, 0);
    if (length > longField) {
      warnings.push({
        field,
        code: 'long-field',
        severity: 'warning',
        reason: `${at}: ${field} is ${(length / 1024 / 1024).toFixed(1)} M characters long; training will truncate it.`,
      });
    }
  }
  return warnings;
}
