// Every supported format, from a small fixture file: detected correctly and
// normalised to the expected prompt / chosen / rejected, with its extras in meta.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  MAPPING_SLOTS,
  parseFile,
  previewFile,
  preferenceRecordSchema,
  type Message,
  type PreferenceRecord,
} from '../../../main/core/datasets/formats';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/datasets/${name}`, import.meta.url));
const user = (content: string): Message => ({ role: 'user', content });
const assistant = (content: string): Message => ({ role: 'assistant', content });

async function parseFixture(name: string) {
  const result = await parseFile(fixture(name));
  for (const record of result.records) expect(preferenceRecordSchema.safeParse(record).success).toBe(true);
  return result;
}

/** The parts a test pins: what the model will see. */
const pair = (r: PreferenceRecord) => ({ system: r.system, prompt: r.prompt, chosen: r.chosen, rejected: r.rejected });

describe('format detection and mapping, one fixture per format', () => {
  it('TRL standard: text columns, system column, extra columns kept in meta, identical sides flagged', async () => {
    const result = await parseFixture('trl-standard.jsonl');
    expect(result.format).toBe('trl-standard');
    expect(result.errors).toEqual([]);
    expect(pair(result.records[0]!)).toEqual({
      system: undefined,
      prompt: [user('What colour is the sky?')],
      chosen: [assistant('Blue, on a clear day.')],
      rejected: [assistant('Green.')],
    });
    expect(result.records[0]!.meta).toEqual({ source_id: 'a1' });
    expect(result.records[0]!.source).toEqual({ file: 'trl-standard.jsonl', line: 1, row: 1 });
    expect(result.records[1]!.system).toBe('You are a language tutor.');
    expect(result.records[2]!.flags).toEqual({ identicalSides: true, emptySide: false });
    expect(result.stats.identicalSides).toBe(1);
  });

  it('TRL conversational: a leading system turn is lifted out, multi-turn prompts kept', async () => {
    const result = await parseFixture('trl-conversational.jsonl');
    expect(result.format).toBe('trl-conversational');
    expect(pair(result.records[0]!)).toEqual({
      system: 'Be brief.',
      prompt: [user('What is 3 * 3?')],
      chosen: [assistant('9')],
      rejected: [assistant('6')],
    });
    expect(result.records[1]!.prompt).toEqual([user('Hi'), assistant('Hello! How can I help?'), user('Name a fruit.')]);
  });

  it('implicit prompt: the shared opening turns become the prompt', async () => {
    const result = await parseFixture('implicit-prompt.jsonl');
    expect(result.format).toBe('implicit-prompt');
    expect(pair(result.records[0]!)).toEqual({
      system: undefined,
      prompt: [user('What is the capital of France?')],
      chosen: [assistant('Paris.')],
      rejected: [assistant('Lyon.')],
    });
  });

  it('HH-RLHF: transcripts are split into turns; the shared turns are the prompt', async () => {
    const result = await parseFixture('hh-rlhf.jsonl');
    expect(result.format).toBe('hh-rlhf');
    expect(pair(result.records[0]!)).toEqual({
      system: undefined,
      prompt: [user('How do I boil an egg?')],
      chosen: [assistant('Put it in boiling water for about nine minutes.')],
      rejected: [assistant('Eggs cannot be boiled.')],
    });
    expect(result.records[1]!.prompt).toEqual([user('Hi there'), assistant('Hello!'), user('What is 1 + 1?')]);
    expect(result.records[1]!.chosen).toEqual([assistant('2.')]);
  });

  it('UltraFeedback binarized: the repeated prompt turn is stripped from the sides, scores go to meta', async () => {
    const result = await parseFixture('ultrafeedback.jsonl');
    expect(result.format).toBe('ultrafeedback');
    expect(pair(result.records[1]!)).toEqual({
      system: undefined,
      prompt: [user('Is 7 prime?')],
      chosen: [assistant('Yes, 7 is prime.')],
      rejected: [assistant('No.')],
    });
    expect(result.records[0]!.meta).toEqual({ prompt_id: 'p-001', score_chosen: 8.5, score_rejected: 3 });
  });

  it('Orca DPO pairs (JSON array): system + question; an empty system is no system', async () => {
    const result = await parseFixture('orca-dpo.json');
    expect(result.container).toBe('json');
    expect(result.format).toBe('orca-dpo');
    expect(result.records[0]!.system).toBe('You are an AI assistant. Answer step by step.');
    expect(result.records[0]!.prompt).toEqual([user('If I have 3 apples and eat one, how many are left?')]);
    expect(result.records[1]!.system).toBeUndefined();
    expect(result.records[1]!.source.line).toBe(8);
  });

  it('LLaMA-Factory alpaca: instruction + input joined, history becomes earlier turns', async () => {
    const result = await parseFixture('llama-factory-alpaca.json');
    expect(result.format).toBe('llama-factory-alpaca');
    expect(result.records[0]!.prompt).toEqual([user('Summarise the text.\nThe cat sat on the mat all afternoon.')]);
    expect(pair(result.records[1]!)).toEqual({
      system: 'You translate.',
      prompt: [user('Summarise: the cat sat on the mat.'), assistant('A cat sat on a mat.'), user('And now in French?')],
      chosen: [assistant("Un chat a passé l'après-midi sur un tapis.")],
      rejected: [assistant('Je ne sais pas.')],
    });
  });

  it('LLaMA-Factory sharegpt: from/value roles mapped, chosen/rejected message objects', async () => {
    const result = await parseFixture('llama-factory-sharegpt.json');
    expect(result.format).toBe('llama-factory-sharegpt');
    expect(pair(result.records[1]!)).toEqual({
      system: 'You are a calculator.',
      prompt: [user('Hello'), assistant('Hi! What can I do for you?'), user('What is 10 / 2?')],
      chosen: [assistant('5')],
      rejected: [assistant('20')],
    });
  });

  it('Argilla v1 export: the first submitted ranking decides; discarded ones are skipped; unranked rows import unlabeled', async () => {
    const result = await parseFixture('argilla-v1.jsonl');
    expect(result.format).toBe('argilla');
    const [first, second, third] = result.records;
    expect(pair(first!)).toEqual({
      system: undefined,
      prompt: [user('Suggest a name for a cat.')],
      chosen: [assistant('Whiskers')],
      rejected: [assistant('Table')],
    });
    expect(first!.meta).toMatchObject({ annotator: 'b7c2', labelState: 'labeled', external_id: 'ext-1' });
    expect(second!.chosen).toEqual([assistant('100 °C')]);
    expect(third!.kind).toBe('unlabeled-pair');
    expect(third!.responses).toEqual([[assistant('Blue')], [assistant('Red')]]);
  });

  it('Argilla v2 export: `<question>.responses` as ordered names or {value, rank}', async () => {
    const result = await parseFixture('argilla-v2.jsonl');
    expect(result.format).toBe('argilla');
    expect(result.mapping).toMatchObject({ prompt: 'instruction', responses: ['response1', 'response2'], label: 'ranking.responses' });
    expect(result.records.map((r) => [r.kind, r.chosen?.[0]?.content])).toEqual([
      ['preference', 'Mars'],
      ['preference', 'Water'],
      ['unlabeled-pair', undefined],
    ]);
    expect(result.records[0]!.meta.annotator).toBe('3f1c');
  });

  it('Label Studio pairwise export: left is answer1, right is answer2, tasks without annotations stay unlabeled', async () => {
    const result = await parseFixture('label-studio.json');
    expect(result.format).toBe('label-studio');
    expect(result.records.map((r) => [r.kind, r.chosen?.[0]?.content, r.rejected?.[0]?.content])).toEqual([
      ['preference', 'Hello and welcome!', 'Go away.'],
      ['preference', '2', '8'],
      ['unlabeled-pair', undefined, undefined],
    ]);
    expect(result.records[0]!.meta).toMatchObject({ id: 101, annotator: '3' });
  });

  it('Label Studio JSON-MIN export: the Pairwise value sits under the control name', async () => {
    const result = await parseFixture('label-studio-min.json');
    expect(result.format).toBe('label-studio');
    expect(result.mapping).toMatchObject({ prompt: 'prompt', responses: ['answer1', 'answer2'], label: 'comparison' });
    expect(result.records.map((r) => [r.kind, r.chosen?.[0]?.content])).toEqual([
      ['preference', 'A cat.'],
      ['preference', '4'],
      ['unlabeled-pair', undefined],
    ]);
    expect(result.records[0]!.meta).toMatchObject({ annotator: 'ann@example.com', annotation_id: 11 });
  });

  it('unlabeled pairs (CSV with quoted newlines): prompt + two responses, no preference', async () => {
    const result = await parseFixture('unlabeled-pairs.csv');
    expect(result.format).toBe('unlabeled-pair');
    expect(result.stats.byKind).toEqual({ preference: 0, 'unlabeled-pair': 2, 'prompt-only': 0 });
    expect(result.records[1]!.prompt).toEqual([user('Write two lines\nof a poem.')]);
    expect(result.records[1]!.responses).toEqual([[assistant('Roses are red,\nviolets are blue.')], [assistant('Poem.')]]);
    expect(result.records[1]!.source).toEqual({ file: 'unlabeled-pairs.csv', line: 3, row: 2 });
  });

  it('prompts only (TSV): extra columns in meta', async () => {
    const result = await parseFixture('prompts.tsv');
    expect(result.format).toBe('prompt-only');
    expect(result.records.map((r) => [r.kind, r.prompt[0]!.content, r.meta.category])).toEqual([
      ['prompt-only', 'What is love?', 'philosophy'],
      ['prompt-only', 'How tall is Everest?', 'geography'],
    ]);
  });

  it('Parquet with nested message lists over two row groups', async () => {
    const result = await parseFixture('pairs.parquet');
    expect(result.container).toBe('parquet');
    expect(result.format).toBe('ultrafeedback');
    expect(result.records).toHaveLength(3);
    expect(pair(result.records[2]!)).toEqual({
      system: undefined,
      prompt: [user('Translate "chat" from French.')],
      chosen: [assistant('"Chat" means "cat".')],
      rejected: [assistant('It means "talk".')],
    });
    expect(result.records[1]!.meta).toEqual({ score_chosen: 8.5 });
    expect(result.records[2]!.source).toEqual({ file: 'pairs.parquet', row: 3 });
  });
});

describe('mapping slots', () => {
  const fixtures = [
    'trl-standard.jsonl',
    'trl-conversational.jsonl',
    'implicit-prompt.jsonl',
    'hh-rlhf.jsonl',
    'ultrafeedback.jsonl',
    'orca-dpo.json',
    'llama-factory-alpaca.json',
    'llama-factory-sharegpt.json',
    'argilla-v1.jsonl',
    'label-studio.json',
    'unlabeled-pairs.csv',
    'prompts.tsv',
  ];

  it.each(fixtures)('the detected mapping of %s fills every required slot of its format and no slot the format ignores', async (name) => {
    const { mapping } = await previewFile(fixture(name));
    const slots = MAPPING_SLOTS[mapping!.format];
    for (const slot of slots.required) expect(mapping![slot], slot).toBeDefined();
    const filled = Object.keys(mapping!).filter((k) => k !== 'format' && k !== 'meta');
    expect(filled.every((k) => [...slots.required, ...slots.optional].includes(k as never))).toBe(true);
  });
});

describe('preview', () => {
  it('shows the detected format, its explanation, the columns and sample records', async () => {
    const preview = await previewFile(fixture('trl-standard.jsonl'), { sampleSize: 2 });
    expect(preview.format).toBe('trl-standard');
    expect(preview.confidence).toBeGreaterThan(0.8);
    expect(preview.explanation).toMatch(/2 of 2 sampled rows/);
    expect(preview.columns).toEqual(['prompt', 'chosen', 'rejected', 'source_id', 'system']);
    expect(preview.sampleRecords).toHaveLength(2);
  });

  it('lists every fitting shape; a specific one wins over the generic fallbacks', async () => {
    const preview = await previewFile(fixture('hh-rlhf.jsonl'));
    expect(preview.format).toBe('hh-rlhf');
    expect(preview.candidates.map((c) => c.format)).toContain('implicit-prompt');
  });

  it('applies a mapping the user chose instead of the detected one', async () => {
    const preview = await previewFile(fixture('unlabeled-pairs.csv'), {
      mapping: { format: 'trl-standard', prompt: 'prompt', chosen: 'response_b', rejected: 'response_a' },
    });
    expect(preview.format).toBe('trl-standard');
    expect(preview.sampleRecords[0]!.chosen).toEqual([assistant('Wet.')]);
  });

  it('detects only the format asked for, and says when the fields do not fit it', async () => {
    const asked = await previewFile(fixture('trl-standard.jsonl'), { format: 'orca-dpo' });
    expect(asked.format).toBeNull();
    expect(asked.explanation).toMatch(/do not fit Orca DPO pairs/);
    const fits = await previewFile(fixture('hh-rlhf.jsonl'), { format: 'implicit-prompt' });
    expect(fits.format).toBe('implicit-prompt');
    expect(fits.sampleRecords[0]!.prompt).toEqual([user('How do I boil an egg?')]);
  });

  it('says so, with the fields it saw, when no known format fits', async () => {
    const bytes = new TextEncoder().encode('{"foo": 1, "bar": 2}\n');
    const preview = await previewFile(bytes, { file: 'odd.jsonl' });
    expect(preview.format).toBeNull();
    expect(preview.errors).toEqual([
      expect.objectContaining({ code: 'unsupported', reason: expect.stringContaining('"foo", "bar"') as unknown }),
    ]);
  });
});
