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

describe('multi-turn prompts with the chat template', () => {
  const turns = [
    { role: 'user', content: 'Hi there' },
    { role: 'assistant', content: 'Hello!' },
    { role: 'user', content: 'Is the sky ok?' },
  ];
  const record = (prompt: typeof turns) => ({ ...syntheticRecords(1)[0]!, prompt, system: 'Be brief.' });

  it('renders every turn through the template, loss only on the response', () => {
    const p = buildPairs([record(turns)], tok, { chatTemplate: true, maxLength: 512, maxPromptLength: 400 }, true).pairs[0]!;
    const text = tok.decode(p.chosen.inputIds);
    expect(text).toContain('<|im_start|>system\nBe brief.<|im_end|>');
    expect(text).toContain('<|im_start|>assistant\nHello!<|im_end|>');
    expect(text).toContain('<|im_start|>user\nIs the sky ok?<|im_end|>');
    const response = p.chosen.inputIds.filter((_, i) => p.chosen.lossMask[i] === 1);
    expect(tok.decode(response)).toBe('yes<|im_end|>\n');
  });

  it('gives the same tokens as the engine path for a single turn answered as a conversation', () => {
    // A two-message response takes the conversation path; compare with one message joined by the engine's path.
    const single = record([{ role: 'user', content: 'Is the sky ok?' }]);
    const viaEngine = buildPairs([single], tok, settings, true).pairs[0]!;
    const viaConversation = buildPairs(
      [
        {
          ...single,
          chosen: [
            { role: 'assistant', content: 'yes' },
            { role: 'assistant', content: 'indeed' },
          ],
        },
      ],
      tok,
      settings,
      true,
    ).pairs[0]!;
    const promptLen = viaEngine.chosen.lossMask.indexOf(1);
    expect(viaConversation.chosen.lossMask.indexOf(1)).toBe(promptLen);
    expect(viaConversation.chosen.inputIds.slice(0, promptLen)).toEqual(viaEngine.chosen.inputIds.slice(0, promptLen));
  });

  it('truncates the prompt from the left and the response from the right', () => {
    const p = buildPairs([record(turns)], tok, { chatTemplate: true, maxLength: 30, maxPromptLength: 20 }, true).pairs[0]!;
    expect(p.chosen.inputIds.length).toBeLessThanOrEqual(30);
    expect(p.chosen.lossMask.indexOf(1)).toBeLessThanOrEqual(20);
    expect(tok.decode(p.chosen.inputIds)).toContain('Is the sky ok?');
    const tight = buildPairs([record(turns)], tok, { chatTemplate: true, maxLength: 8, maxPromptLength: 6 }, true).pairs[0]!;
    expect(tight.chosen.inputIds.length).toBe(8);
    expect(tight.chosen.lossMask.filter((x) => x === 1).length).toBeGreaterThanOrEqual(1);
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
