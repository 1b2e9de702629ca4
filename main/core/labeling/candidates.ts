/**
 * The pure parts of the queue kinds and of candidate generation (issue 18
 * items 1 and 7): which records a queue takes, the prompts of a prompts or
 * arena queue, each prompt's generation seed, and how generated responses
 * become pairs.
 */
import { createHash } from 'node:crypto';
import type { Message } from '../../../shared/datasets';
import type { CandidateSampling, CandidateSettings, ResponseSource } from '../../../shared/labeling';
import { shownLeftFor } from '../../../shared/labeling';
import { SeededRng } from '../../../shared/stats/random';
import type { NewPrompt } from './candidate-store';
import type { SourceRecord } from './label-store';

/** A permutation of 0..n−1 from the queue's seed (Fisher–Yates): the same seed gives the same order. */
export function seededPositions(n: number, seed: number): number[] {
  const rng = new SeededRng(seed);
  const positions = Array.from({ length: n }, (_, i) => i);
  for (let i = positions.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [positions[i], positions[j]] = [positions[j]!, positions[i]!];
  }
  return positions;
}

const listRefs = (ids: readonly number[]) =>
  ids
    .slice(0, 5)
    .map((i) => `#${i}`)
    .join(', ') + (ids.length > 5 ? ', …' : '');

/**
 * The records a queue is made of: all of the source's, or those named by id
 * (every id must be one of the source's records) or picked by a filter
 * (`filtered`: the ids the filter selects).
 */
export function pickRecords(
  records: readonly SourceRecord[],
  pick: { recordIds?: readonly number[] | undefined; filtered?: ReadonlySet<number> | undefined },
  sourceName: string,
): SourceRecord[] {
  if (pick.recordIds) {
    const wanted = new Set(pick.recordIds);
    const present = new Set(records.map((r) => r.recordId));
    const missing = [...wanted].filter((id) => !present.has(id));
    if (missing.length) throw new RangeError(`${missing.length} record id(s) are not records of ${sourceName}: ${listRefs(missing)}.`);
    return records.filter((r) => r.recordId !== null && wanted.has(r.recordId));
  }
  if (pick.filtered) {
    const keep = pick.filtered;
    return records.filter((r) => r.recordId !== null && keep.has(r.recordId));
  }
  return [...records];
}

/** A prompt's identity: its messages and system message (the same prompt in every workspace hashes the same). */
export function promptHashOf(prompt: Message[], system: string | null): string {
  return createHash('sha256')
    .update(JSON.stringify([system, prompt]))
    .digest('hex');
}

/**
 * The prompts of a prompts or arena queue: each record's prompt (any kind of
 * record: its responses are not used), a prompt that appears twice kept once,
 * empty prompts left out — each with a note.
 */
export function buildPrompts(
  records: readonly SourceRecord[],
  order: 'stored' | 'random',
  seed: number,
): { prompts: NewPrompt[]; notes: string[]; skipped: number } {
  const prompts: NewPrompt[] = [];
  const seen = new Set<string>();
  const repeated: number[] = [];
  const empty: number[] = [];
  records.forEach((r, index) => {
    const ref = r.recordId ?? index + 1;
    if (r.content.prompt.every((m) => !m.content.trim())) return empty.push(ref);
    const promptHash = promptHashOf(r.content.prompt, r.content.system);
    if (seen.has(promptHash)) return repeated.push(ref);
    seen.add(promptHash);
    prompts.push({
      recordId: r.recordId,
      prompt: JSON.stringify(r.content.prompt),
      system: r.content.system,
      promptHash,
      position: prompts.length,
    });
  });
  if (order === 'random') {
    const positions = seededPositions(prompts.length, seed);
    prompts.forEach((p, i) => (p.position = positions[i]!));
  }
  const notes: string[] = [];
  if (repeated.length)
    notes.push(`${repeated.length} record(s) left out: their prompt is already in the queue (records ${listRefs(repeated)}).`);
  if (empty.length) notes.push(`${empty.length} record(s) left out: their prompt is empty (records ${listRefs(empty)}).`);
  return { prompts, notes, skipped: repeated.length + empty.length };
}

/**
 * The generation seed of one prompt and model slot: derived from the job's
 * seed and the prompt's hash, so a prompt gets the same responses whether it
 * is generated first, after a cancel, or in another queue.
 */
export function candidateSeed(seed: number, promptHash: string, slot: 'A' | 'B'): number {
  return createHash('sha256').update(`${seed}\0${promptHash}\0${slot}`).digest().readInt32LE(0);
}

/** One generated response as the worker returns it. */
export interface GeneratedResponse {
  /** 0 for model A, 1 for model B. */
  model: number;
  sample: number;
  text: string;
  tokens: number;
  finishReason: 'stop_token' | 'stop_sequence' | 'length';
}

/** What a model slot records about itself in each source. */
export interface SlotInfo {
  modelHash: string;
  modelName: string;
  modelId: number | null;
  runId: number | null;
  step: number | null;
}

export interface CandidatePair {
  a: string;
  b: string;
  sourceA: ResponseSource;
  sourceB: ResponseSource;
}

const SLOTS = ['A', 'B'] as const;

/**
 * A prompt's pairs from its responses. One model: its distinct responses in
 * sample order, each paired with the next (n samples give up to n − 1 pairs,
 * each response in at most two, which still ranks them all). Two models: A's
 * i-th response against B's i-th, the side each model lands on drawn per
 * pair from the queue's seed (the pair is blind even in its own order).
 * Responses identical (after trimming) to one already paired are left out
 * and counted.
 */
export function pairCandidates(
  responses: readonly GeneratedResponse[],
  slots: readonly SlotInfo[],
  sampling: CandidateSampling,
  queueSeed: number,
  promptHash: string,
): { pairs: CandidatePair[]; identical: number } {
  const source = (r: GeneratedResponse): ResponseSource => ({
    kind: 'model',
    slot: SLOTS[r.model]!,
    ...slots[r.model]!,
    sampling,
    sample: r.sample,
    tokens: r.tokens,
    finishReason: r.finishReason,
  });
  const asMessages = (r: GeneratedResponse) => JSON.stringify([{ role: 'assistant', content: r.text }]);
  const pairs: CandidatePair[] = [];
  let identical = 0;
  if (slots.length === 1) {
    const distinct: GeneratedResponse[] = [];
    for (const r of [...responses].sort((x, y) => x.sample - y.sample)) {
      if (distinct.some((d) => d.text.trim() === r.text.trim())) identical += 1;
      else distinct.push(r);
    }
    for (let i = 0; i + 1 < distinct.length; i++) {
      const [x, y] = [distinct[i]!, distinct[i + 1]!];
      pairs.push({ a: asMessages(x), b: asMessages(y), sourceA: source(x), sourceB: source(y) });
    }
    return { pairs, identical };
  }
  const byModel = (m: number) => responses.filter((r) => r.model === m).sort((x, y) => x.sample - y.sample);
  const [fromA, fromB] = [byModel(0), byModel(1)];
  for (let i = 0; i < Math.min(fromA.length, fromB.length); i++) {
    const [x, y] = [fromA[i]!, fromB[i]!];
    if (x.text.trim() === y.text.trim()) {
      identical += 1;
      continue;
    }
    const aFirst = shownLeftFor(queueSeed, `${promptHash}:${i}`, 0) === 'a';
    const [first, second] = aFirst ? [x, y] : [y, x];
    pairs.push({ a: asMessages(first), b: asMessages(second), sourceA: source(first), sourceB: source(second) });
  }
  return { pairs, identical };
}

/** Whether two generation settings are the same (models, sampling and n; model hashes aside). */
export function sameSettings(
  x: Pick<CandidateSettings, 'sampling' | 'n'> & { models: readonly { ref: unknown }[] },
  y: Pick<CandidateSettings, 'sampling' | 'n'> & { models: readonly { ref: unknown }[] },
): boolean {
  const key = (s: typeof x) => JSON.stringify([s.models.map((m) => m.ref), s.sampling, s.n]);
  return key(x) === key(y);
}
