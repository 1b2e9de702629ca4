/**
 * The pure parts of queue kinds and candidate generation: which records a
 * queue takes, the prompts of a prompts queue, per-prompt seeds, how
 * responses become pairs (neighbours for one model, A against B — blind — for
 * two), and the per-token margin of the uncertainty order.
 */
import { describe, expect, it } from 'vitest';
import type { RecordContent } from '../../../shared/datasets';
import type { CandidateSampling } from '../../../shared/labeling';
import {
  buildPrompts,
  candidateSeed,
  type GeneratedResponse,
  pairCandidates,
  pickRecords,
  promptHashOf,
  sameSettings,
  seededPositions,
  type SlotInfo,
} from '../../../main/core/labeling/candidates';
import type { SourceRecord } from '../../../main/core/labeling/label-store';
import { perTokenMargin } from '../../../main/core/labeling/uncertainty-task';

const user = (content: string) => [{ role: 'user', content }];
const record = (recordId: number | null, prompt: string, kind: RecordContent['kind'] = 'prompt-only'): SourceRecord => ({
  recordId,
  content: {
    kind,
    prompt: user(prompt),
    chosen: kind === 'preference' ? [{ role: 'assistant', content: 'yes' }] : null,
    rejected: kind === 'preference' ? [{ role: 'assistant', content: 'no' }] : null,
    responses: null,
    system: null,
  },
});
const sampling: CandidateSampling = { temperature: 0.7, topP: 0.95, topK: 0, maxTokens: 16, seed: 1 };
const slot = (name: string): SlotInfo => ({ modelHash: `hash-${name}`, modelName: name, modelId: 1, runId: null, step: null });
const response = (model: number, sample: number, text: string): GeneratedResponse => ({
  model,
  sample,
  text,
  tokens: text.length,
  finishReason: 'length',
});
const textOf = (json: string) => (JSON.parse(json) as { content: string }[])[0]!.content;

describe('queue records and prompts', () => {
  const records = [record(1, 'one'), record(2, 'two', 'preference'), record(3, 'one'), record(4, '  '), record(5, 'five')];

  it('takes every record, those named by id, or those a filter picked; unknown ids are named', () => {
    expect(pickRecords(records, {}, 'dataset #1').map((r) => r.recordId)).toEqual([1, 2, 3, 4, 5]);
    expect(pickRecords(records, { recordIds: [5, 2] }, 'dataset #1').map((r) => r.recordId)).toEqual([2, 5]);
    expect(pickRecords(records, { filtered: new Set([3, 4]) }, 'dataset #1').map((r) => r.recordId)).toEqual([3, 4]);
    expect(() => pickRecords(records, { recordIds: [2, 9, 11] }, 'snapshot #4')).toThrow(
      '2 record id(s) are not records of snapshot #4: #9, #11.',
    );
  });

  it("keeps each record's prompt once (any kind of record), leaves out empty ones with notes, and orders them by seed", () => {
    const built = buildPrompts(records, 'stored', 0);
    expect(built.prompts.map((p) => JSON.parse(p.prompt) as unknown)).toEqual([user('one'), user('two'), user('five')]);
    expect(built.prompts.map((p) => p.position)).toEqual([0, 1, 2]);
    expect(built.prompts[0]!.promptHash).toBe(promptHashOf(user('one'), null));
    expect(built.skipped).toBe(2);
    expect(built.notes).toEqual([
      '1 record(s) left out: their prompt is already in the queue (records #3).',
      '1 record(s) left out: their prompt is empty (records #4).',
    ]);
    const shuffled = buildPrompts(records, 'random', 5).prompts.map((p) => p.position);
    expect([...shuffled].sort()).toEqual([0, 1, 2]);
    expect(shuffled).toEqual(seededPositions(3, 5));
    // A prompt with another system message is another prompt.
    expect(promptHashOf(user('one'), 'Be brief.')).not.toBe(promptHashOf(user('one'), null));
  });

  it('derives a seed per prompt and model slot, the same every time', () => {
    const h = promptHashOf(user('one'), null);
    expect(candidateSeed(1, h, 'A')).toBe(candidateSeed(1, h, 'A'));
    expect(new Set([candidateSeed(1, h, 'A'), candidateSeed(1, h, 'B'), candidateSeed(2, h, 'A')]).size).toBe(3);
    expect(Number.isInteger(candidateSeed(1, h, 'A'))).toBe(true);
  });
});

describe('pairing generated responses', () => {
  it('pairs one model’s distinct responses with their neighbours and counts identical ones', () => {
    const responses = [response(0, 2, 'c'), response(0, 0, 'a'), response(0, 1, ' a '), response(0, 3, 'd')];
    const { pairs, identical } = pairCandidates(responses, [slot('m')], sampling, 0, 'h');
    expect(identical).toBe(1);
    expect(pairs.map((p) => [textOf(p.a), textOf(p.b)])).toEqual([
      ['a', 'c'],
      ['c', 'd'],
    ]);
    expect(pairs[0]!.sourceA).toEqual({
      kind: 'model',
      slot: 'A',
      ...slot('m'),
      sampling,
      sample: 0,
      tokens: 1,
      finishReason: 'length',
    });
    expect(pairs[0]!.sourceB).toMatchObject({ slot: 'A', sample: 2 });
    // Two identical samples make no pair.
    expect(pairCandidates([response(0, 0, 'x'), response(0, 1, 'x')], [slot('m')], sampling, 0, 'h')).toEqual({ pairs: [], identical: 1 });
  });

  it('pairs model A’s i-th response against B’s, on a side drawn per pair from the queue seed', () => {
    const prompts = Array.from({ length: 20 }, (_, i) => `prompt ${i}`);
    const firstSlots = prompts.map((h) => {
      const { pairs } = pairCandidates([response(1, 0, 'from B'), response(0, 0, 'from A')], [slot('a'), slot('b')], sampling, 3, h);
      expect(pairs).toHaveLength(1);
      const p = pairs[0]!;
      const [sa, sb] = [p.sourceA, p.sourceB] as Extract<typeof p.sourceA, { kind: 'model' }>[];
      // Whichever side each model lands on, its own response goes with its own source.
      expect(textOf(p.a)).toBe(sa!.slot === 'A' ? 'from A' : 'from B');
      expect(new Set([sa!.slot, sb!.slot])).toEqual(new Set(['A', 'B']));
      expect(sa!.modelName).toBe(sa!.slot === 'A' ? 'a' : 'b');
      // The same queue seed and prompt always give the same side.
      const again = pairCandidates([response(0, 0, 'from A'), response(1, 0, 'from B')], [slot('a'), slot('b')], sampling, 3, h);
      expect(again.pairs[0]!.a).toBe(p.a);
      return sa!.slot;
    });
    expect(new Set(firstSlots)).toEqual(new Set(['A', 'B']));
    const same = pairCandidates([response(0, 0, 'same'), response(1, 0, 'same ')], [slot('a'), slot('b')], sampling, 3, 'h');
    expect(same).toEqual({ pairs: [], identical: 1 });
  });
});

describe('generation settings', () => {
  it('are the same when models, sampling and n are (names and hashes aside)', () => {
    const a = { models: [{ ref: { modelId: 1 }, name: 'demo', modelHash: null }], sampling, n: 2 };
    expect(sameSettings(a, { ...a, models: [{ ref: { modelId: 1 } }] })).toBe(true);
    expect(sameSettings(a, { ...a, n: 3 })).toBe(false);
    expect(sameSettings(a, { ...a, sampling: { ...sampling, seed: 2 } })).toBe(false);
    expect(sameSettings(a, { ...a, models: [{ ref: { runId: 1, step: 2 } }] })).toBe(false);
  });
});

describe('per-token margin', () => {
  it('is |mean log-prob of a − mean log-prob of b|, null without tokens', () => {
    // a: −6 over 3 tokens = −2/token; b: −10 over 4 = −2.5/token.
    expect(perTokenMargin(-6, 3, -10, 4)).toBeCloseTo(0.5, 12);
    expect(perTokenMargin(-10, 4, -6, 3)).toBeCloseTo(0.5, 12);
    expect(perTokenMargin(-6, 0, -10, 4)).toBeNull();
  });
});
