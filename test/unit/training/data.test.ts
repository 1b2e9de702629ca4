import { beforeAll, describe, expect, it } from 'vitest';
import { buildPairs, epochOrder, PairLoader } from '../../../main/training/data';
import type { HfTokenizer } from '../../../main/engine';
import { syntheticRecords, tinyTokenizer } from './fixtures';

let tok: HfTokenizer;
beforeAll(async () => {
  tok = await tinyTokenizer();
});

const settings = { chatTemplate: true, maxLength: 64, maxPromptLength: 48 };

describe('buildPairs', () => {
  it('tokenizes both sides with response-only loss masks and skips non-preference records for pairwise objectives', () => {
    const records = syntheticRecords(3);
    records[1] = { ...records[1]!, kind: 'unlabeled-pair' };
    records[2] = { ...records[2]!, rejected: null };
    const pairwise = buildPairs(records, tok, settings, true);
    expect(pairwise.pairs.map((p) => p.record)).toEqual([0]);
    expect(pairwise.skipped.map((s) => s.record)).toEqual([1, 2]);
    const p = pairwise.pairs[0]!;
    expect(p.chosen.lossMask.length).toBe(p.chosen.inputIds.length);
    expect(p.chosen.lossMask[0]).toBe(0);
    expect(p.chosen.lossMask.at(-1)).toBe(1);
    // Same prompt on both sides: the prompt tokens agree.
    const promptLen = p.chosen.lossMask.indexOf(1);
    expect(p.rejected!.inputIds.slice(0, promptLen)).toEqual(p.chosen.inputIds.slice(0, promptLen));
    // SFT keeps every record with a chosen side.
    const sft = buildPairs(records, tok, settings, false);
    expect(sft.pairs.map((q) => q.record)).toEqual([0, 1, 2]);
    expect(sft.pairs[2]!.rejected).toBeNull();
  });

  it('applies the system message and the length caps', () => {
    const [r] = syntheticRecords(1);
    const withSystem = buildPairs([{ ...r!, system: 'Be brief.' }], tok, settings, true).pairs[0]!;
    const without = buildPairs([r!], tok, settings, true).pairs[0]!;
    expect(tok.decode(withSystem.chosen.inputIds)).toContain('Be brief.');
    expect(tok.decode(without.chosen.inputIds)).not.toContain('Be brief.');
    const capped = buildPairs([r!], tok, { chatTemplate: false, maxLength: 6, maxPromptLength: 4 }, true).pairs[0]!;
    expect(capped.chosen.inputIds.length).toBeLessThanOrEqual(6);
  });
});

describe('data order', () => {
  it('is a permutation fixed by (seed, epoch) and differs across epochs', () => {
    const a = epochOrder(20, 42, 0);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(epochOrder(20, 42, 0)).toEqual(a);
    expect(epochOrder(20, 42, 1)).not.toEqual(a);
    expect(epochOrder(20, 43, 0)).not.toEqual(a);
  });

  it('a loader restarted at a saved position yields the same micro-batches', () => {
    const pairs = buildPairs(syntheticRecords(5), tok, settings, true).pairs;
    const straight = new PairLoader(pairs, 2, 3);
    const seen = Array.from({ length: 7 }, () => straight.next());
    // 5 pairs, micro-batch 2: batches of 2, 2, 1 per epoch, never across epochs.
    expect(seen.map((s) => s.pairs.length)).toEqual([2, 2, 1, 2, 2, 1, 2]);
    expect(seen.map((s) => s.endsEpoch)).toEqual([false, false, true, false, false, true, false]);
    const first = new PairLoader(pairs, 2, 3);
    for (let i = 0; i < 4; i++) first.next();
    const resumed = new PairLoader(pairs, 2, 3, first.position);
    expect(first.position).toEqual({ epoch: 1, index: 2 });
    for (let i = 4; i < 7; i++) expect(resumed.next().pairs.map((p) => p.record)).toEqual(seen[i]!.pairs.map((p) => p.record));
  });
});
