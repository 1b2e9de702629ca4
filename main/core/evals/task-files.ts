/**
 * Evaluation task files (issue 14, suites 2 and 3): reading what users bring
 * for capability checks, in the formats of ../shared/evaluation.md.
 *
 * Multiple choice — one file, JSON Lines, a JSON array (or `{"data": [...]}`)
 * or Parquet, in one of four formats, detected per file from the fields its
 * rows carry (the choice and why are returned as `format` and `formatReason`):
 *   - ARC: `question.stem`, `question.choices[{label, text}]`, `answerKey` (a
 *     label: "B", or "2" when the labels are digits; a digit key on lettered
 *     labels maps 1→A as lm-eval does). Hugging Face's ai2_arc layout, with
 *     `question` a string and `choices: {label: [...], text: [...]}`, too.
 *     Context: lm-eval's ARC prompt `Question: {stem}\nAnswer:`.
 *   - MMLU: `question`, `choices[]`, `answer` (0-based index, or a letter A–Z).
 *     Context `Question: {question}\nAnswer:` and each choice's own text (the
 *     cloze formulation, which a small model can be scored on).
 *   - HellaSwag: `ctx` (or `ctx_a` + `ctx_b`), `endings[]`, `label` (0-based,
 *     number or string). Context and endings go through lm-eval's hellaswag
 *     preprocess (`[title]` → `. `, other `[…]` dropped, double spaces closed),
 *     with `activity_label: ` in front when the row has one.
 *   - plain: `context`, `choices[]`, `gold` (0-based index).
 * Every item comes out as `{ id, context, choices, gold }`; the scorer appends
 * `targetDelimiter` (lm-eval's " ") between context and choice.
 *
 * Bad input loses nothing: a row that cannot be used (a line that is not
 * JSON, a missing field, a gold out of range, an empty or one-entry choice
 * list, a choice that is not a string or is blank, a gold whose text repeats
 * an earlier choice so it can never win an argmax) is listed with its row,
 * line and reason, and the good rows are kept. Harmless oddities (a repeated
 * choice that is not the gold, a repeated id) are warnings on kept items.
 * File-level failures — not a regular file, binary, empty, no known format —
 * throw a StudioError with one sentence. The bytes are read through the
 * dataset import's hardened readers (source.ts, readers/), not again here.
 *
 * Perplexity text sets — JSON Lines/JSON of `{"text": …}` (another field by
 * option), or plain text with one document per blank-line-separated block —
 * with the same per-line reporting.
 *
 * Each loaded set carries `hash`: sha256 of its normalized items (not of the
 * file's bytes), so a suite pins its data and whitespace-only edits of the
 * file do not change it.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { StudioError } from '../../../shared/result';
import { loadBytes, type FileInput } from '../datasets/formats/source';
import { readRows, type Container, type RawRow } from '../datasets/formats/readers';
import { checkReadable, decodeText, invalidLineIn, invalidUtf8Error } from '../datasets/formats/readers/text';
import { type LocatedError } from '../datasets/formats/record';

export type McFormat = 'arc' | 'mmlu' | 'hellaswag' | 'plain';

export const MC_FORMAT_LABELS: Record<McFormat, string> = {
  arc: 'ARC',
  mmlu: 'MMLU',
  hellaswag: 'HellaSwag',
  plain: 'plain {context, choices, gold}',
};

/** lm-eval's default `target_delimiter`: the scored text is context + delimiter + choice. */
export const TARGET_DELIMITER = ' ';

export interface McItem {
  id: string;
  context: string;
  choices: string[];
  /** 0-based index of the correct choice. */
  gold: number;
}

export interface TaskProblem {
  file: string;
  /** 1-based row (JSONL: non-blank line count; JSON: element index + 1; Parquet: row). */
  row?: number;
  /** 1-based line where the row starts (absent for Parquet). */
  line?: number;
  severity: 'error' | 'warning';
  code: string;
  reason: string;
}

export interface McTask {
  file: string;
  container: Container | 'text';
  format: McFormat;
  /** Why this format: which fields, in how many rows. */
  formatReason: string;
  targetDelimiter: string;
  items: McItem[];
  /** Errors (rows dropped) and warnings (rows kept), in file order. */
  problems: TaskProblem[];
  /** Rows seen, good or bad. */
  rowsSeen: number;
  /** sha256 (hex) of the normalized items and the delimiter. */
  hash: string;
}

export interface TextDocument {
  id: string;
  text: string;
}

export interface TextSet {
  file: string;
  container: Container | 'text';
  documents: TextDocument[];
  problems: TaskProblem[];
  rowsSeen: number;
  hash: string;
}

export interface TaskFileOptions {
  /** Name used in problems; defaults to the path's base name. */
  file?: string;
  /** Force a format instead of detecting it. */
  format?: McFormat;
}

// ---------------------------------------------------------------------------
// Reading bytes into rows, through the import's readers.

function nameOf(input: FileInput, file?: string): string {
  return file ?? (typeof input === 'string' ? basename(input) : 'upload');
}

/** Bytes of a regular, non-binary, non-empty file (else a StudioError saying so). */
async function readTextBytes(input: FileInput, file: string): Promise<Uint8Array> {
  const bytes = await loadBytes(input);
  const unreadable = checkReadable(bytes, file);
  if (unreadable) throw new StudioError('INVALID_ARGUMENT', `${file}: ${unreadable.reason}`, { file, code: unreadable.code });
  return bytes;
}

function toProblem(error: LocatedError): TaskProblem {
  return {
    file: error.file,
    ...(error.row !== undefined ? { row: error.row } : {}),
    ...(error.line !== undefined ? { line: error.line } : {}),
    severity: error.severity === 'warning' ? 'warning' : 'error',
    code: error.code,
    reason: error.reason,
  };
}

/** Rows of a JSON Lines, JSON or Parquet file; CSV/TSV is refused (no task format is tabular). */
async function readObjectRows(
  input: FileInput,
  file: string,
): Promise<{ container: Container; rows: RawRow[]; problems: TaskProblem[]; rowsSeen: number }> {
  const bytes = await readTextBytes(input, file);
  const read = await readRows(bytes, { file });
  if (read.container === 'csv' || read.container === 'tsv') {
    throw new StudioError(
      'INVALID_ARGUMENT',
      `${file} is not JSON: task files are JSON Lines (one object per line), a JSON array of objects, or Parquet.`,
      { file },
    );
  }
  const fatal = read.errors.find(
    (e) => e.row === undefined && (e.code === 'empty-file' || e.code === 'unsupported' || e.code === 'binary-file'),
  );
  if (fatal && read.rows.length === 0) throw new StudioError('INVALID_ARGUMENT', `${file}: ${fatal.reason}`, { file, code: fatal.code });
  return { container: read.container, rows: read.rows, problems: read.errors.map(toProblem), rowsSeen: read.rowsSeen };
}

function byPosition(problems: TaskProblem[]): TaskProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.row ?? 0) - (b.p.row ?? 0) || a.i - b.i)
    .map(({ p }) => p);
}

function sha256(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

// ---------------------------------------------------------------------------
// Multiple choice: detection.

type Fields = Record<string, unknown>;

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (row: Fields, key: string) => row[key] !== undefined && row[key] !== null;

interface Signature {
  /** The fields the format needs, as the reason names them. */
  fields: string;
  /** A row carries every field the format needs. */
  full: (row: Fields) => boolean;
  /** A row carries a field only this format has (so it was meant to be this format). */
  partial: (row: Fields) => boolean;
}

const SIGNATURES: Record<McFormat, Signature> = {
  arc: {
    fields: 'question.stem, question.choices and answerKey',
    full: (r) =>
      has(r, 'answerKey') &&
      ((isObject(r.question) && has(r.question, 'choices')) || (typeof r.question === 'string' && has(r, 'choices'))),
    partial: (r) => has(r, 'answerKey') || (isObject(r.question) && (has(r.question, 'stem') || has(r.question, 'choices'))),
  },
  mmlu: {
    fields: 'question, choices and answer',
    full: (r) => typeof r.question === 'string' && Array.isArray(r.choices) && has(r, 'answer'),
    partial: (r) => has(r, 'answer') && !has(r, 'answerKey'),
  },
  hellaswag: {
    fields: 'ctx, endings and label',
    full: (r) => (has(r, 'ctx') || has(r, 'ctx_a')) && has(r, 'endings') && has(r, 'label'),
    partial: (r) => has(r, 'endings') || has(r, 'ctx') || has(r, 'ctx_a'),
  },
  plain: {
    fields: 'context, choices and gold',
    full: (r) => has(r, 'context') && has(r, 'choices') && has(r, 'gold'),
    partial: (r) => has(r, 'context') || has(r, 'gold'),
  },
};

const FORMATS: McFormat[] = ['plain', 'arc', 'mmlu', 'hellaswag'];

export interface McDetection {
  format: McFormat;
  reason: string;
}

/** The format most rows fit (all fields first, then any field only it has); null when none fits any row. */
export function detectMcFormat(rows: readonly Fields[]): McDetection | null {
  const scores = FORMATS.map((format) => ({
    format,
    full: rows.filter(SIGNATURES[format].full).length,
    partial: rows.filter(SIGNATURES[format].partial).length,
  }));
  const best = scores.reduce((a, b) => (b.full > a.full || (b.full === a.full && b.partial > a.partial) ? b : a));
  if (best.full === 0 && best.partial === 0) return null;
  const sig = SIGNATURES[best.format];
  const n = rows.length;
  const reason =
    best.full > 0
      ? `${MC_FORMAT_LABELS[best.format]}: ${best.full} of ${n} row${n === 1 ? '' : 's'} ha${best.full === 1 ? 's' : 've'} ${sig.fields}.`
      : `${MC_FORMAT_LABELS[best.format]}: no row has all of ${sig.fields}, but ${best.partial} of ${n} have some of them.`;
  return { format: best.format, reason };
}

// ---------------------------------------------------------------------------
// Multiple choice: normalizing one row.

class RowProblem extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function fail(code: string, reason: string): never {
  throw new RowProblem(code, reason);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  return value === undefined ? 'undefined' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function text(row: Fields, key: string, shown = key): string {
  const value = row[key];
  if (value === undefined || value === null) fail('missing-field', `no "${shown}" field`);
  if (typeof value !== 'string') fail('wrong-type', `"${shown}" is ${describe(value)}, not text`);
  if (value.trim() === '') fail('empty-field', `"${shown}" is blank`);
  return value;
}

function choiceTexts(value: unknown, shown: string): string[] {
  if (value === undefined || value === null) fail('missing-field', `no "${shown}" field`);
  if (!Array.isArray(value)) fail('wrong-type', `"${shown}" is ${describe(value)}, not a list`);
  const list = value as unknown[];
  if (list.length === 0) fail('empty-choices', `"${shown}" is an empty list`);
  list.forEach((c, i) => {
    if (typeof c !== 'string') fail('non-string-choice', `choice ${i} in "${shown}" is ${describe(c)}, not text`);
    if (c.trim() === '') fail('empty-choice', `choice ${i} in "${shown}" is blank`);
  });
  if (list.length === 1) fail('one-choice', `"${shown}" has a single choice: there is nothing to choose between`);
  return list as string[];
}

/** A 0-based index from a number, a bigint or a digit string; null when the value is none of those. */
function asIndex(value: unknown): number | null {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return null;
}

function checkRange(gold: number, n: number, shown: string, raw: unknown): number {
  if (gold < 0 || gold >= n) fail('gold-out-of-range', `"${shown}" ${describe(raw)} is out of range for ${n} choices (0–${n - 1})`);
  return gold;
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

interface Normalized {
  context: string;
  choices: string[];
  gold: number;
  id?: unknown;
}

function normalizeArc(row: Fields): Normalized {
  let stem: string;
  let choices: string[];
  let labels: string[] | null;
  if (isObject(row.question)) {
    stem = text(row.question, 'stem', 'question.stem');
    const list = row.question.choices;
    if (list === undefined || list === null) fail('missing-field', 'no "question.choices" field');
    if (!Array.isArray(list)) fail('wrong-type', `"question.choices" is ${describe(list)}, not a list`);
    const entries = list as unknown[];
    if (entries.length === 0) fail('empty-choices', '"question.choices" is an empty list');
    entries.forEach((c, i) => {
      if (!isObject(c)) fail('non-string-choice', `question.choices[${i}] is ${describe(c)}, not {label, text}`);
    });
    choices = choiceTexts(
      (entries as Fields[]).map((c) => c.text),
      'question.choices[].text',
    );
    labels = (entries as Fields[]).map((c) => (c.label === undefined || c.label === null ? '' : String(c.label as string | number).trim()));
  } else {
    // Hugging Face's ai2_arc: question is the stem, choices = {label: [...], text: [...]}.
    stem = text(row, 'question');
    const c = row.choices;
    if (c === undefined || c === null) fail('missing-field', 'no "choices" field');
    if (!isObject(c)) fail('wrong-type', `"choices" is ${describe(c)}, not {label: [...], text: [...]}`);
    choices = choiceTexts(c.text, 'choices.text');
    const rawLabels = c.label;
    labels =
      Array.isArray(rawLabels) && rawLabels.length === choices.length ? rawLabels.map((l) => String(l as string | number).trim()) : null;
  }
  const key = row.answerKey;
  if (key === undefined || key === null || (typeof key === 'string' && key.trim() === '')) fail('missing-field', 'no "answerKey" field');
  if (typeof key !== 'string' && typeof key !== 'number') fail('wrong-type', `"answerKey" is ${describe(key)}, not a label`);
  const k = String(key).trim().toUpperCase();
  const labelList = labels && labels.every((l) => l !== '') ? labels.map((l) => l.toUpperCase()) : null;
  let gold = labelList ? labelList.indexOf(k) : -1;
  if (gold === -1) {
    // lm-eval's ARC maps a digit key 1→A, 2→B…; on digit labels a letter maps back the same way.
    const asLetter = /^[1-9]$/.test(k) ? LETTERS[Number(k) - 1]! : null;
    const asDigit = /^[A-Z]$/.test(k) ? String(LETTERS.indexOf(k) + 1) : null;
    if (labelList) gold = labelList.indexOf(asLetter ?? asDigit ?? k);
    else gold = asLetter !== null ? LETTERS.indexOf(asLetter) : /^[A-Z]$/.test(k) ? LETTERS.indexOf(k) : -1;
    if (gold === -1 || gold >= choices.length) {
      const known = labelList ? `the labels are ${labelList.join(', ')}` : `there are ${choices.length} choices`;
      fail('gold-out-of-range', `"answerKey" ${describe(key)} names no choice (${known})`);
    }
  }
  return { context: `Question: ${stem}\nAnswer:`, choices, gold, id: row.id };
}

function normalizeMmlu(row: Fields): Normalized {
  const question = text(row, 'question');
  const choices = choiceTexts(row.choices, 'choices');
  const answer = row.answer;
  if (answer === undefined || answer === null || answer === '') fail('missing-field', 'no "answer" field');
  let gold = asIndex(answer);
  if (gold === null && typeof answer === 'string' && /^\s*[A-Za-z]\s*$/.test(answer)) gold = LETTERS.indexOf(answer.trim().toUpperCase());
  if (gold === null) fail('wrong-type', `"answer" is ${describe(answer)}, not an index or a letter`);
  checkRange(gold, choices.length, 'answer', answer);
  return { context: `Question: ${question.trim()}\nAnswer:`, choices, gold: gold, id: row.id };
}

/** lm-eval's hellaswag `preprocess`. */
export function hellaswagPreprocess(s: string): string {
  return s
    .trim()
    .replaceAll(' [title]', '. ')
    .replace(/\[.*?\]/g, '')
    .replaceAll('  ', ' ');
}

function normalizeHellaswag(row: Fields): Normalized {
  let ctx: string;
  if (has(row, 'ctx')) ctx = text(row, 'ctx');
  else {
    const a = text(row, 'ctx_a');
    const b = typeof row.ctx_b === 'string' ? row.ctx_b : '';
    ctx = b === '' ? a : `${a} ${b.charAt(0).toUpperCase()}${b.slice(1)}`;
  }
  const endings = choiceTexts(row.endings, 'endings');
  const label = row.label;
  if (label === undefined || label === null || label === '')
    fail('missing-field', 'no "label" field (HellaSwag\'s test split carries no answers)');
  const gold = asIndex(label);
  if (gold === null) fail('wrong-type', `"label" is ${describe(label)}, not an index`);
  checkRange(gold, endings.length, 'label', label);
  const activity = typeof row.activity_label === 'string' && row.activity_label.trim() !== '' ? `${row.activity_label}: ` : '';
  return {
    context: hellaswagPreprocess(activity + ctx),
    choices: endings.map(hellaswagPreprocess),
    gold: gold,
    id: row.ind ?? row.id,
  };
}

function normalizePlain(row: Fields): Normalized {
  const context = text(row, 'context');
  const choices = choiceTexts(row.choices, 'choices');
  const raw = row.gold;
  if (raw === undefined || raw === null || raw === '') fail('missing-field', 'no "gold" field');
  const gold = asIndex(raw);
  if (gold === null) fail('wrong-type', `"gold" is ${describe(raw)}, not an index`);
  checkRange(gold, choices.length, 'gold', raw);
  return { context, choices, gold: gold, id: row.id };
}

const NORMALIZERS: Record<McFormat, (row: Fields) => Normalized> = {
  arc: normalizeArc,
  mmlu: normalizeMmlu,
  hellaswag: normalizeHellaswag,
  plain: normalizePlain,
};

function where(row: RawRow): string {
  return row.line !== undefined ? `Row ${row.row} (line ${row.line})` : `Row ${row.row}`;
}

function located(file: string, row: RawRow, severity: 'error' | 'warning', code: string, reason: string): TaskProblem {
  return { file, row: row.row, ...(row.line !== undefined ? { line: row.line } : {}), severity, code, reason };
}

/**
 * Normalizes rows already read (JSON objects, with their row and line): the
 * format is detected unless given. Exported for callers that hold rows in
 * memory; `loadMcTask` reads a file.
 */
export function normalizeMcRows(
  file: string,
  rows: readonly RawRow[],
  options: { format?: McFormat } = {},
): { format: McFormat; formatReason: string; items: McItem[]; problems: TaskProblem[] } {
  const detected = options.format
    ? { format: options.format, reason: `${MC_FORMAT_LABELS[options.format]}: chosen by you.` }
    : detectMcFormat(rows.map((r) => r.value));
  if (!detected) {
    const fields = [...new Set(rows.flatMap((r) => Object.keys(r.value)))].slice(0, 20).map((f) => `"${f}"`);
    throw new StudioError(
      'INVALID_ARGUMENT',
      rows.length === 0
        ? `${file} holds no readable rows to recognise a task format from.`
        : `${file} is in no known task format: its rows have ${fields.join(', ')}; expected ARC (question.stem, question.choices, answerKey), MMLU (question, choices, answer), HellaSwag (ctx, endings, label) or plain (context, choices, gold).`,
      { file },
    );
  }
  const normalize = NORMALIZERS[detected.format];
  const items: McItem[] = [];
  const problems: TaskProblem[] = [];
  const ids = new Set<string>();
  for (const row of rows) {
    let item: Normalized;
    try {
      item = normalize(row.value);
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error;
      problems.push(located(file, row, 'error', error.code, `${where(row)}: ${error.message}; not used.`));
      continue;
    }
    const firstIndex = new Map<string, number>();
    const repeats: string[] = [];
    item.choices.forEach((c, i) => {
      const seen = firstIndex.get(c);
      if (seen === undefined) firstIndex.set(c, i);
      else repeats.push(`${i} repeats ${seen}`);
    });
    const goldFirst = firstIndex.get(item.choices[item.gold]!)!;
    if (goldFirst !== item.gold) {
      problems.push(
        located(
          file,
          row,
          'error',
          'gold-duplicated',
          `${where(row)}: the right choice (${item.gold}) repeats choice ${goldFirst} word for word, so it can never be picked (ties go to the first); not used.`,
        ),
      );
      continue;
    }
    if (repeats.length > 0) {
      problems.push(
        located(
          file,
          row,
          'warning',
          'duplicate-choices',
          `${where(row)}: choice ${repeats.join(', choice ')} word for word; kept (the right one is the first of its text, and ties go to the first).`,
        ),
      );
    }
    let id =
      typeof item.id === 'string' && item.id.trim() !== '' ? item.id : typeof item.id === 'number' ? String(item.id) : `row-${row.row}`;
    if (ids.has(id)) {
      const renamed = `${id}#row-${row.row}`;
      problems.push(
        located(file, row, 'warning', 'duplicate-id', `${where(row)}: id "${id}" was used by an earlier row; kept as "${renamed}".`),
      );
      id = renamed;
    }
    ids.add(id);
    items.push({ id, context: item.context, choices: item.choices, gold: item.gold });
  }
  return { format: detected.format, formatReason: detected.reason, items, problems };
}

/** sha256 of a multiple-choice task's normalized content (ids, contexts, choices, golds, delimiter). */
export function mcTaskHash(items: readonly McItem[], targetDelimiter = TARGET_DELIMITER): string {
  return sha256({ kind: 'multiple-choice', v: 1, targetDelimiter, items: items.map((i) => [i.id, i.context, i.choices, i.gold]) });
}

/** Reads a multiple-choice task file: good items, every bad row located, the format and why, and a content hash. */
export async function loadMcTask(input: FileInput, options: TaskFileOptions = {}): Promise<McTask> {
  const file = nameOf(input, options.file);
  const read = await readObjectRows(input, file);
  const normalized = normalizeMcRows(file, read.rows, options);
  return {
    file,
    container: read.container,
    format: normalized.format,
    formatReason: normalized.formatReason,
    targetDelimiter: TARGET_DELIMITER,
    items: normalized.items,
    problems: byPosition([...read.problems, ...normalized.problems]),
    rowsSeen: read.rowsSeen,
    hash: mcTaskHash(normalized.items),
  };
}

// ---------------------------------------------------------------------------
// Perplexity text sets.

/** sha256 of a text set's normalized content (ids and texts). */
export function textSetHash(documents: readonly TextDocument[]): string {
  return sha256({ kind: 'text-set', v: 1, documents: documents.map((d) => [d.id, d.text]) });
}

const isPlainTextName = (file: string) => /\.(txt|text|md)$/i.test(file);

/** Plain text: one document per block of non-blank lines; blocks are separated by one or more blank lines. */
function plainTextDocuments(bytes: Uint8Array, file: string): { documents: TextDocument[]; problems: TaskProblem[]; rowsSeen: number } {
  const { text, invalidLines } = decodeText(bytes);
  const lines = text.split('\n');
  const documents: TextDocument[] = [];
  const problems: TaskProblem[] = [];
  let rowsSeen = 0;
  let block: string[] = [];
  let start = 0;
  const flush = (end: number) => {
    if (block.length === 0) return;
    rowsSeen++;
    const invalid = invalidLineIn(invalidLines, start, end);
    if (invalid) problems.push(toProblem(invalidUtf8Error(file, rowsSeen, invalid.line, invalid.byteOffset)));
    else if (block.some((l) => l.includes('\0'))) {
      problems.push({
        file,
        row: rowsSeen,
        line: start,
        severity: 'error',
        code: 'nul-byte',
        reason: `Document ${rowsSeen} (line ${start}) holds a NUL byte; not used.`,
      });
    } else documents.push({ id: `doc-${rowsSeen}`, text: block.join('\n') });
    block = [];
  };
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') flush(i);
    else {
      if (block.length === 0) start = i + 1;
      block.push(line);
    }
  });
  flush(lines.length);
  return { documents, problems, rowsSeen };
}

/**
 * Reads a perplexity text set: JSON Lines or JSON of objects with a text field
 * (`text` unless `field` says otherwise), or plain text (.txt) with documents
 * separated by blank lines. Texts are kept exactly (no trimming): perplexity
 * counts every byte.
 */
export async function loadTextSet(input: FileInput, options: { file?: string; field?: string } = {}): Promise<TextSet> {
  const file = nameOf(input, options.file);
  const field = options.field ?? 'text';
  if (isPlainTextName(file)) {
    const bytes = await readTextBytes(input, file);
    const read = plainTextDocuments(bytes, file);
    if (read.rowsSeen === 0) throw new StudioError('INVALID_ARGUMENT', `${file} holds only blank space: there are no documents.`, { file });
    return { file, container: 'text', ...read, hash: textSetHash(read.documents) };
  }
  const read = await readObjectRows(input, file);
  if (read.rowsSeen === 0) throw new StudioError('INVALID_ARGUMENT', `${file} holds no rows: there are no documents.`, { file });
  const documents: TextDocument[] = [];
  const problems = [...read.problems];
  const ids = new Set<string>();
  for (const row of read.rows) {
    const value = row.value[field];
    const bad = (code: string, why: string) => problems.push(located(file, row, 'error', code, `${where(row)}: ${why}; not used.`));
    if (value === undefined || value === null) {
      const fields = Object.keys(row.value).map((f) => `"${f}"`);
      bad('missing-field', `no "${field}" field${fields.length > 0 ? ` (it has ${fields.slice(0, 10).join(', ')})` : ''}`);
    } else if (typeof value !== 'string') bad('wrong-type', `"${field}" is ${describe(value)}, not text`);
    else if (value.trim() === '') bad('empty-field', `"${field}" is blank`);
    else {
      const rawId = row.value.id;
      let id = typeof rawId === 'string' && rawId.trim() !== '' ? rawId : typeof rawId === 'number' ? String(rawId) : `row-${row.row}`;
      if (ids.has(id)) {
        const renamed = `${id}#row-${row.row}`;
        problems.push(
          located(file, row, 'warning', 'duplicate-id', `${where(row)}: id "${id}" was used by an earlier row; kept as "${renamed}".`),
        );
        id = renamed;
      }
      ids.add(id);
      documents.push({ id, text: value });
    }
  }
  return {
    file,
    container: read.container,
    documents,
    problems: byPosition(problems),
    rowsSeen: read.rowsSeen,
    hash: textSetHash(documents),
  };
}
