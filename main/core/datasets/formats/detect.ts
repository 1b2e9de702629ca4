// Guessing the format from a sample of rows. Each known shape scores the
// share of sampled rows it fits and proposes a mapping; the best score wins
// and the explanation says what was seen, so the user can judge it.
import { FORMAT_LABELS, type ColumnMapping, type FormatId } from './mapping';
import { isMessageList, isMessageObject } from './messages';
import { isTranscript } from './record';
import { isPlainObject } from './readers/types';

export interface FormatCandidate {
  format: FormatId;
  /** 0..1: share of sampled rows that fit, times how telling the shape is. */
  confidence: number;
  explanation: string;
  mapping: ColumnMapping;
}

export interface Detection extends FormatCandidate {
  /** Every shape that fit at least one row, best first. */
  candidates: FormatCandidate[];
}

type Row = Record<string, unknown>;

const isText = (v: unknown): v is string => typeof v === 'string';
const isPromptValue = (v: unknown) => isText(v) || isMessageList(v);
const PROMPT_KEYS = ['prompt', 'instruction', 'question', 'query', 'input', 'text', 'context'];
const RESPONSE_PAIRS: [string, string][] = [
  ['response_a', 'response_b'],
  ['response_1', 'response_2'],
  ['response1', 'response2'],
  ['answer1', 'answer2'],
  ['answer_a', 'answer_b'],
  ['completion_a', 'completion_b'],
  ['output_1', 'output_2'],
  ['output1', 'output2'],
  ['response_0', 'response_1'],
  ['text1', 'text2'],
];

/** The actual key in `keys` matching one of `names`, ignoring case. */
function findKey(keys: string[], ...names: string[]): string | undefined {
  for (const name of names) {
    const key = keys.find((k) => k.toLowerCase() === name);
    if (key !== undefined) return key;
  }
  return undefined;
}

interface Shape {
  format: FormatId;
  /** How telling a perfect fit is: specific shapes beat generic ones. */
  weight: number;
  /** The mapping for this sample, or null when the shape does not apply at all. */
  propose(keys: string[], sample: Row[]): ColumnMapping | null;
  fits(row: Row, mapping: ColumnMapping): boolean;
  describe(mapping: ColumnMapping): string;
}

const v = (row: Row, key: string | undefined) => (key === undefined ? undefined : row[key]);
const pairFits = (test: (x: unknown) => boolean) => (row: Row, m: ColumnMapping) => test(v(row, m.chosen)) && test(v(row, m.rejected));
/** Files with chosen/rejected columns are preference data, even where some rows are broken. */
const hasSides = (keys: string[]) => findKey(keys, 'chosen') !== undefined || findKey(keys, 'rejected') !== undefined;
const sides = (keys: string[]) => ({ chosen: findKey(keys, 'chosen'), rejected: findKey(keys, 'rejected') });

const SHAPES: Shape[] = [
  {
    format: 'label-studio',
    weight: 1,
    propose(keys, sample) {
      const data = sample.map((r) => r.data).find(isPlainObject);
      if (!findKey(keys, 'data') || data === undefined) return labelStudioMin(keys, sample);
      const dataKeys = Object.keys(data);
      const pair = RESPONSE_PAIRS.find(([a, b]) => findKey(dataKeys, a) && findKey(dataKeys, b));
      const prompt = findKey(dataKeys, ...PROMPT_KEYS.filter((k) => !pair?.includes(k)));
      const label = findKey(keys, 'annotations') ?? findKey(keys, 'predictions');
      if (!pair || !prompt || !label) return null;
      return { format: 'label-studio', prompt: `data.${prompt}`, responses: pair.map((k) => `data.${findKey(dataKeys, k)}`), label };
    },
    fits: (row, m) =>
      // Tasks not yet labeled belong to the export too, so the label may be missing.
      m.prompt?.startsWith('data.')
        ? isPlainObject(row.data) && Array.isArray(v(row, m.label))
        : m.responses!.every((k) => row[k] !== undefined),
    describe: (m) => `tasks with data (${m.prompt}, ${m.responses?.join(', ')}) and ${m.label}`,
  },
  {
    format: 'argilla',
    weight: 1,
    propose(keys, sample) {
      const label = keys.find((k) => sample.some((r) => isArgillaV1Ranking(r[k]))) ?? keys.find((k) => k.endsWith('.responses'));
      if (label === undefined) return null;
      const options = rankedOptions(sample, label).filter((o) => keys.includes(o));
      const responses = options.length >= 2 ? options : RESPONSE_PAIRS.find(([a, b]) => keys.includes(a) && keys.includes(b));
      const prompt = findKey(keys, ...PROMPT_KEYS);
      if (!responses || !prompt) return null;
      return { format: 'argilla', prompt, responses: [...responses], label };
    },
    fits: (row, m) => m.label !== undefined && m.label in row,
    describe: (m) => `fields ${m.prompt}, ${m.responses?.join(', ')} ranked in ${m.label}`,
  },
  {
    format: 'llama-factory-sharegpt',
    weight: 1,
    propose(keys) {
      const prompt = findKey(keys, 'conversations', 'messages');
      const { chosen, rejected } = sides(keys);
      return prompt && chosen && rejected
        ? { format: 'llama-factory-sharegpt', prompt, chosen, rejected, ...optional(keys, 'system') }
        : null;
    },
    fits: (row, m) => isMessageList(v(row, m.prompt)) && pairFits(isMessageObject)(row, m),
    describe: (m) => `${m.prompt} as a message list with single ${m.chosen}/${m.rejected} messages`,
  },
  {
    format: 'llama-factory-alpaca',
    weight: 0.95,
    propose(keys) {
      const prompt = findKey(keys, 'instruction');
      const { chosen, rejected } = sides(keys);
      return prompt && chosen && rejected
        ? { format: 'llama-factory-alpaca', prompt, chosen, rejected, ...optional(keys, 'input', 'system', 'history') }
        : null;
    },
    fits: (row, m) => isText(v(row, m.prompt)) && pairFits(isText)(row, m),
    describe: (m) => `${m.prompt}${m.input ? ` + ${m.input}` : ''} with ${m.chosen}/${m.rejected} text`,
  },
  {
    format: 'orca-dpo',
    weight: 0.95,
    propose(keys) {
      const prompt = findKey(keys, 'question');
      const { chosen, rejected } = sides(keys);
      return prompt && chosen && rejected ? { format: 'orca-dpo', prompt, chosen, rejected, ...optional(keys, 'system') } : null;
    },
    fits: (row, m) => isText(v(row, m.prompt)) && pairFits(isText)(row, m),
    describe: (m) => `${m.system ? `${m.system}, ` : ''}${m.prompt}, ${m.chosen}, ${m.rejected} as text`,
  },
  {
    format: 'ultrafeedback',
    weight: 1,
    propose(keys) {
      const prompt = findKey(keys, 'prompt');
      const { chosen, rejected } = sides(keys);
      return prompt && chosen && rejected ? { format: 'ultrafeedback', prompt, chosen, rejected } : null;
    },
    fits: (row, m) => isText(v(row, m.prompt)) && pairFits(isMessageList)(row, m),
    describe: (m) => `${m.prompt} as text and ${m.chosen}/${m.rejected} as message lists that repeat it (scores go to meta)`,
  },
  {
    format: 'trl-conversational',
    weight: 1,
    propose(keys) {
      const prompt = findKey(keys, 'prompt');
      const { chosen, rejected } = sides(keys);
      return prompt && chosen && rejected ? { format: 'trl-conversational', prompt, chosen, rejected, ...optional(keys, 'system') } : null;
    },
    fits: (row, m) => isMessageList(v(row, m.prompt)) && (pairFits(isMessageList)(row, m) || pairFits((x) => x === null)(row, m)),
    describe: (m) => `${m.prompt}, ${m.chosen}, ${m.rejected} as message lists`,
  },
  {
    format: 'trl-standard',
    weight: 0.9,
    propose(keys) {
      const prompt = findKey(keys, 'prompt');
      const { chosen, rejected } = sides(keys);
      return prompt && chosen && rejected ? { format: 'trl-standard', prompt, chosen, rejected, ...optional(keys, 'system') } : null;
    },
    fits: (row, m) => isText(v(row, m.prompt)) && (pairFits(isText)(row, m) || pairFits((x) => x === null)(row, m)),
    describe: (m) => `${m.prompt}, ${m.chosen}, ${m.rejected} as text`,
  },
  {
    format: 'hh-rlhf',
    weight: 1,
    propose(keys) {
      const { chosen, rejected } = sides(keys);
      return !findKey(keys, 'prompt') && chosen && rejected ? { format: 'hh-rlhf', chosen, rejected } : null;
    },
    fits: pairFits((x) => isText(x) && isTranscript(x)),
    describe: (m) => `${m.chosen}/${m.rejected} are "Human:/Assistant:" transcripts; the shared turns become the prompt`,
  },
  {
    format: 'implicit-prompt',
    weight: 0.85,
    propose(keys) {
      const { chosen, rejected } = sides(keys);
      return !findKey(keys, 'prompt') && chosen && rejected ? { format: 'implicit-prompt', chosen, rejected } : null;
    },
    fits: (row, m) => pairFits(isMessageList)(row, m) || pairFits(isText)(row, m),
    describe: (m) => `no prompt field: the turns ${m.chosen} and ${m.rejected} share become the prompt`,
  },
  {
    format: 'unlabeled-pair',
    weight: 0.85,
    propose(keys) {
      const pair = RESPONSE_PAIRS.find(([a, b]) => findKey(keys, a) && findKey(keys, b));
      const list = findKey(keys, 'responses', 'completions', 'outputs');
      const prompt = findKey(keys, ...PROMPT_KEYS.filter((k) => !pair?.includes(k)));
      if (!prompt || (!pair && !list) || hasSides(keys)) return null;
      const responses = pair ? pair.map((k) => findKey(keys, k)!) : [list!];
      return { format: 'unlabeled-pair', prompt, responses, ...optional(keys, 'system') };
    },
    fits: (row, m) =>
      isPromptValue(v(row, m.prompt)) &&
      (m.responses!.length > 1 ? m.responses!.every((k) => row[k] !== undefined) : Array.isArray(v(row, m.responses![0]))),
    describe: (m) => `${m.prompt} and the candidates in ${m.responses!.join(', ')}, with no preference`,
  },
  {
    format: 'prompt-only',
    weight: 0.6,
    propose(keys) {
      const prompt = findKey(keys, ...PROMPT_KEYS);
      const hasResponses = RESPONSE_PAIRS.some(([a, b]) => findKey(keys, a) && findKey(keys, b));
      return prompt && !hasSides(keys) && !hasResponses ? { format: 'prompt-only', prompt, ...optional(keys, 'system') } : null;
    },
    fits: (row, m) => isPromptValue(v(row, m.prompt)),
    describe: (m) => `only ${m.prompt}: prompts for labeling or generation`,
  },
];

/** A Pairwise tag's value as JSON-MIN writes it: `{selected: 'left'}`, or the bare side. */
function isPairwiseChoice(value: unknown): boolean {
  return (isPlainObject(value) && typeof value.selected === 'string') || value === 'left' || value === 'right';
}

/** Label Studio's JSON-MIN export: task data at the top level, each control's value under its name. */
function labelStudioMin(keys: string[], sample: Row[]): ColumnMapping | null {
  const label = keys.find((k) => sample.some((r) => isPairwiseChoice(r[k])));
  const pair = RESPONSE_PAIRS.find(([a, b]) => findKey(keys, a) && findKey(keys, b));
  const prompt = findKey(keys, ...PROMPT_KEYS.filter((k) => !pair?.includes(k)));
  if (!label || !pair || !prompt) return null;
  return { format: 'label-studio', prompt, responses: pair.map((k) => findKey(keys, k)!), label };
}

function optional(keys: string[], ...names: string[]): Partial<ColumnMapping> {
  const found: Record<string, string> = {};
  for (const name of names) {
    const key = findKey(keys, name);
    if (key !== undefined) found[name] = key;
  }
  return found;
}

function isArgillaV1Ranking(value: unknown): boolean {
  return Array.isArray(value) && value.some((r) => isPlainObject(r) && Array.isArray(r.value) && 'status' in r);
}

/** Option names mentioned by the rankings in the sample, in first-seen order. */
function rankedOptions(sample: Row[], label: string): string[] {
  const names = new Set<string>();
  for (const row of sample) {
    const entries = row[label];
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      const ranking: unknown = isPlainObject(entry) && Array.isArray(entry.value) ? entry.value : entry;
      if (!Array.isArray(ranking)) continue;
      for (const item of ranking) {
        if (typeof item === 'string') names.add(item);
        else if (isPlainObject(item) && typeof item.value === 'string') names.add(item.value);
      }
    }
  }
  return [...names].sort();
}

export function detectFormat(sample: Row[], only?: FormatId): Detection | null {
  if (sample.length === 0) return null;
  const keys = [...new Set(sample.flatMap((row) => Object.keys(row)))];
  const candidates: FormatCandidate[] = [];
  for (const shape of SHAPES) {
    if (only !== undefined && shape.format !== only) continue;
    const mapping = shape.propose(keys, sample);
    if (mapping === null) continue;
    const fitting = sample.filter((row) => shape.fits(row, mapping)).length;
    if (fitting === 0) continue;
    const confidence = Math.round((fitting / sample.length) * shape.weight * 100) / 100;
    const explanation = `${FORMAT_LABELS[shape.format]}: ${fitting} of ${sample.length} sampled rows have ${shape.describe(mapping)}.`;
    candidates.push({ format: shape.format, confidence, explanation, mapping });
  }
  // Stable sort keeps the more specific shape first on equal confidence.
  candidates.sort((a, b) => b.confidence - a.confidence);
  const best = candidates[0];
  return best ? { ...best, candidates } : null;
}
