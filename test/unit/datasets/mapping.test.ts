// The pieces under the formats: applying a user's mapping to rows, text ↔
// message conversion, implicit-prompt splitting, flags and prompt hashes.
import { describe, expect, it } from 'vitest';
import {
  applyMapping,
  columnMappingSchema,
  computeFlags,
  findPromptOverlap,
  messagesToText,
  promptHash,
  recordPromptHash,
  splitImplicitPrompt,
  textToMessages,
  type Message,
} from '../../../main/core/datasets/formats';

const user = (content: string): Message => ({ role: 'user', content });
const assistant = (content: string): Message => ({ role: 'assistant', content });
const rows = (...values: Record<string, unknown>[]) => values.map((value, i) => ({ row: i + 1, line: i + 1, value }));

describe('applyMapping with a mapping the user chose', () => {
  const mapping = columnMappingSchema.parse({
    format: 'trl-standard',
    prompt: 'query',
    chosen: 'good',
    rejected: 'bad',
    system: 'persona',
  });

  it('reads the named columns and keeps the rest as meta', () => {
    const { records, errors } = applyMapping(rows({ query: 'q', good: 'g', bad: 'b', persona: 'p', lang: 'en' }), mapping, 'mine.jsonl');
    expect(errors).toEqual([]);
    expect(records[0]).toMatchObject({
      system: 'p',
      prompt: [user('q')],
      chosen: [assistant('g')],
      rejected: [assistant('b')],
      meta: { lang: 'en' },
    });
  });

  it('reports a column the mapping names but the row lacks, by its name', () => {
    const { records, errors } = applyMapping(rows({ query: 'q', good: 'g' }, { query: 'q2', good: 'g', bad: 'b' }), mapping, 'mine.jsonl');
    expect(records).toHaveLength(1);
    expect(errors).toEqual([expect.objectContaining({ file: 'mine.jsonl', row: 1, line: 1, field: 'bad', code: 'missing-field' })]);
  });

  it('reads dotted paths into nested objects', () => {
    const nested = columnMappingSchema.parse({ format: 'trl-standard', prompt: 'data.q', chosen: 'data.a', rejected: 'data.b' });
    const { records } = applyMapping(rows({ data: { q: 'q', a: 'a', b: 'b' } }), nested, 'nested.json');
    expect(records[0]!.chosen).toEqual([assistant('a')]);
  });

  it('reads a JSON-encoded message list in a text cell', () => {
    const { records } = applyMapping(
      rows({ query: JSON.stringify([user('hi'), assistant('yo'), user('again')]), good: 'g', bad: 'b' }),
      mapping,
      'x.csv',
    );
    expect(records[0]!.prompt).toEqual([user('hi'), assistant('yo'), user('again')]);
  });

  it('an unlabeled-pair mapping needs two responses', () => {
    const pairMapping = columnMappingSchema.parse({ format: 'unlabeled-pair', prompt: 'p', responses: ['a', 'b'] });
    const { records, errors } = applyMapping(rows({ p: 'q', a: 'x', b: 'y' }, { p: 'q', a: 'x' }), pairMapping, 'u.jsonl');
    expect(records).toHaveLength(1);
    expect(errors).toEqual([expect.objectContaining({ row: 2, field: 'b', code: 'missing-field' })]);
  });

  it('rejects a mapping for a format that does not exist', () => {
    expect(columnMappingSchema.safeParse({ format: 'excel', prompt: 'p' }).success).toBe(false);
  });
});

describe('text and messages', () => {
  it('a transcript round-trips through text', () => {
    const messages = [{ role: 'system', content: 'Be nice.' }, user('Hi'), assistant('Hello'), user('Bye')];
    expect(textToMessages(messagesToText(messages), 'user')).toEqual(messages);
  });

  it('reads a transcript whose first turn has no leading blank line', () => {
    expect(textToMessages('Human: Hi\n\nAssistant: Hello', 'assistant')).toEqual([user('Hi'), assistant('Hello')]);
  });

  it('plain text is one message in the given role', () => {
    expect(textToMessages('Human: not a transcript', 'assistant')).toEqual([assistant('Human: not a transcript')]);
  });

  it('implicit prompt from two plain texts stops at a word boundary', () => {
    const split = splitImplicitPrompt([assistant('Q: capital of France? A: Paris')], [assistant('Q: capital of France? A: Lyon')]);
    expect(split).toEqual({ prompt: [user('Q: capital of France? A: ')], chosen: [assistant('Paris')], rejected: [assistant('Lyon')] });
  });

  it('implicit prompt leaves each side at least its last turn when both are identical', () => {
    const side = [user('q'), assistant('a')];
    expect(splitImplicitPrompt(side, side)).toEqual({ prompt: [user('q')], chosen: [assistant('a')], rejected: [assistant('a')] });
  });
});

describe('flags', () => {
  it('flags identical sides (ignoring surrounding space) and empty sides', () => {
    expect(computeFlags([assistant('x ')], [assistant('x')])).toEqual({ identicalSides: true, emptySide: false });
    expect(computeFlags([assistant('  ')], [assistant('x')])).toEqual({ identicalSides: false, emptySide: true });
    expect(computeFlags(null, null, [[assistant('a')], [assistant('')]])).toEqual({ identicalSides: false, emptySide: true });
    expect(computeFlags(null, null, [[assistant('same')], [assistant('same')]])).toEqual({ identicalSides: true, emptySide: false });
    expect(computeFlags(null, null)).toEqual({ identicalSides: false, emptySide: false });
  });
});

describe('prompt hash', () => {
  it('is stable sha256 hex, blind to case, Unicode form and spacing', () => {
    const hash = promptHash([user('What  is\nthe Capital of France?')]);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(promptHash([user(' what is the capital of france? ')])).toBe(hash);
    expect(promptHash([user('what is the capital of france?')], 'Be brief.')).not.toBe(hash);
    expect(promptHash([assistant('what is the capital of france?')])).not.toBe(hash);
    expect(promptHash([user('ﬁne')])).toBe(promptHash([user('fine')]));
  });

  it('of a record covers its prompt turns and its system prompt', () => {
    expect(recordPromptHash({ prompt: [user('q')], system: 'S' })).toBe(promptHash([user('q')], 'S'));
    expect(recordPromptHash({ prompt: [user('q')] })).toBe(promptHash([user('q')]));
  });

  it('finds prompts on both sides of a split', () => {
    const train = [promptHash([user('a')]), promptHash([user('b')])];
    const test = [promptHash([user('B')]), promptHash([user('c')])];
    expect(findPromptOverlap(train, test)).toEqual(new Set([promptHash([user('b')])]));
  });
});
