import { describe, expect, it } from 'vitest';
import { pendingRechecks, RECHECK_GAP } from '../../../main/core/labeling/review';
import { decidePair, type FoldEvent, foldLabels, isRecheckPick, type PairLabel, pairLabelOf, type Side } from '../../../shared/labeling';

let nextId = 1;
const label = (
  itemId: number,
  value: PairLabel | null,
  annotatorId = 1,
  shownLeft: Side = 'a',
  action: FoldEvent['action'] = 'label',
): FoldEvent => ({
  id: nextId++,
  itemId,
  annotatorId,
  action,
  label: value,
  shownLeft,
});

describe('decidePair: adjudication first, then the vote', () => {
  it('all agreeing, or a strict majority, decides the pair', () => {
    expect(decidePair(['a', 'a'], null)).toMatchObject({ label: 'a', status: 'agreed' });
    expect(decidePair(['b', 'a', 'b'], null)).toMatchObject({ label: 'b', status: 'majority', votes: { a: 1, b: 2, tie: 0, both_bad: 0 } });
    expect(decidePair(['tie'], null)).toMatchObject({ label: 'tie', status: 'agreed' });
  });

  it('level top votes are a conflict; an adjudication decides it and outranks any majority', () => {
    expect(decidePair(['a', 'b'], null)).toMatchObject({ label: null, status: 'conflict' });
    expect(decidePair(['a', 'b', 'tie'], null)).toMatchObject({ label: null, status: 'conflict' });
    expect(decidePair(['a', 'b'], 'b')).toMatchObject({ label: 'b', status: 'adjudicated', votes: { a: 1, b: 1 } });
    expect(decidePair(['a', 'a', 'a'], 'both_bad')).toMatchObject({ label: 'both_bad', status: 'adjudicated' });
  });

  it('fewer than minVotes labels leave the pair unlabeled unless it was adjudicated', () => {
    expect(decidePair([], null)).toMatchObject({ label: null, status: 'unlabeled' });
    expect(decidePair(['a'], null, 2)).toMatchObject({ label: null, status: 'unlabeled' });
    expect(decidePair(['a'], 'a', 2)).toMatchObject({ label: 'a', status: 'adjudicated' });
  });
});

describe('swap re-serves', () => {
  it('the pick is deterministic given the seed, differs between seeds, and takes about the share asked for', () => {
    const picks = (seed: number, share: number) => Array.from({ length: 4000 }, (_, i) => isRecheckPick(seed, i + 1, 7, share));
    expect(picks(3, 0.05)).toEqual(picks(3, 0.05));
    expect(picks(3, 0.05)).not.toEqual(picks(4, 0.05));
    const share = picks(3, 0.05).filter(Boolean).length / 4000;
    expect(share).toBeGreaterThan(0.035);
    expect(share).toBeLessThan(0.065);
    expect(picks(3, 0).some(Boolean)).toBe(false);
    expect(picks(3, 1).every(Boolean)).toBe(true);
    // A larger share keeps every pair a smaller one picked (one draw per pair and annotator).
    const small = picks(3, 0.05);
    const large = picks(3, 0.2);
    expect(small.every((p, i) => !p || large[i])).toBe(true);
  });

  it('a labeled pair is re-served with the sides swapped once RECHECK_GAP more labels came after it, and not once answered', () => {
    const events = [label(1, 'a', 1, 'b'), ...Array.from({ length: RECHECK_GAP - 1 }, (_, i) => label(10 + i, 'tie', 1, 'a'))];
    const queue = { seed: 1, share: 1 };
    let pending = pendingRechecks(queue, 1, events, foldLabels(events), new Set());
    expect(pending[0]).toEqual({ itemId: 1, shownLeft: 'a', due: false });
    events.push(label(99, 'b', 1, 'a'));
    pending = pendingRechecks(queue, 1, events, foldLabels(events), new Set());
    expect(pending[0]).toEqual({ itemId: 1, shownLeft: 'a', due: true });
    expect(pending.every((p, i) => i === 0 || !p.due)).toBe(true);
    // Answered (or skipped) re-serves are not served again; another annotator's labels are not this one's re-serves.
    expect(pendingRechecks(queue, 1, events, foldLabels(events), new Set([1])).map((p) => p.itemId)).not.toContain(1);
    expect(pendingRechecks(queue, 2, events, foldLabels(events), new Set())).toEqual([]);
    // An undone label is nothing to recheck.
    const undone = [...events, label(1, null, 1, 'b', 'undo')];
    expect(pendingRechecks(queue, 1, undone, foldLabels(undone), new Set()).map((p) => p.itemId)).not.toContain(1);
  });

  it('an answer on the swapped screen maps back to the pair’s own order, and rechecks never enter the fold', () => {
    // Labeled with a on the left; the re-serve shows b on the left. Pressing right picks a again: consistent.
    expect(pairLabelOf('right', 'b')).toBe('a');
    expect(pairLabelOf('left', 'b')).toBe('b');
    // The fold reads label events only: a recheck is kept in its own table, so the pair's label stays a.
    const events = [label(5, 'a', 1, 'a')];
    expect(foldLabels(events).get('5:1')?.label).toBe('a');
  });
});
