import { describe, expect, it } from 'vitest';
import { currentLabel, type FoldEvent, foldLabels, pairLabelOf, screenChoiceOf, shownLeftFor, undoTarget } from '../../../shared/labeling';

let nextId = 1;
const ev = (itemId: number, action: FoldEvent['action'], label: FoldEvent['label'] = null, annotatorId = 1): FoldEvent => ({
  id: nextId++,
  itemId,
  annotatorId,
  action,
  label,
  shownLeft: 'a',
});

describe('foldLabels', () => {
  it('a label is the current label; a relabel replaces it', () => {
    const events = [ev(1, 'label', 'a'), ev(2, 'label', 'tie'), ev(1, 'label', 'b')];
    const folded = foldLabels(events);
    expect(currentLabel(folded, 1, 1)).toBe('b');
    expect(currentLabel(folded, 2, 1)).toBe('tie');
  });

  it('folds each annotator separately', () => {
    const folded = foldLabels([ev(1, 'label', 'a', 1), ev(1, 'label', 'b', 2)]);
    expect(currentLabel(folded, 1, 1)).toBe('a');
    expect(currentLabel(folded, 1, 2)).toBe('b');
  });

  it('undo clears the label and reopens the pair; successive undos walk back through the labels', () => {
    const events = [ev(1, 'label', 'a'), ev(2, 'label', 'b'), ev(3, 'label', 'both_bad')];
    expect(undoTarget(events, 1)).toBe(3);
    events.push(ev(3, 'undo'));
    expect(currentLabel(foldLabels(events), 3, 1)).toBeNull();
    expect(undoTarget(events, 1)).toBe(2);
    events.push(ev(2, 'undo'));
    expect(undoTarget(events, 1)).toBe(1);
    events.push(ev(1, 'undo'));
    expect(undoTarget(events, 1)).toBeNull();
    const folded = foldLabels(events);
    expect([1, 2, 3].map((i) => currentLabel(folded, i, 1))).toEqual([null, null, null]);
    expect(folded.get('1:1')?.lastAction).toBe('undo');
    // Labelled again after the undo: the new label stands, the history is all still there.
    events.push(ev(2, 'label', 'tie'));
    expect(currentLabel(foldLabels(events), 2, 1)).toBe('tie');
    expect(undoTarget(events, 1)).toBe(2);
    expect(events).toHaveLength(7);
  });

  it('does not let another annotator’s labels be undone', () => {
    const events = [ev(1, 'label', 'a', 1), ev(2, 'label', 'a', 2)];
    expect(undoTarget(events, 1)).toBe(1);
    expect(undoTarget(events, 3)).toBeNull();
  });

  it('a skip is not a label: it leaves nothing on an open pair and keeps an earlier label', () => {
    const folded = foldLabels([ev(1, 'skip'), ev(2, 'label', 'a'), ev(2, 'skip')]);
    expect(currentLabel(folded, 1, 1)).toBeNull();
    expect(folded.get('1:1')?.lastAction).toBe('skip');
    expect(currentLabel(folded, 2, 1)).toBe('a');
    expect(undoTarget([ev(5, 'skip')], 1)).toBeNull();
  });

  it('folds by event id, whatever order the events come in', () => {
    const first = ev(1, 'label', 'a');
    const second = ev(1, 'label', 'b');
    expect(currentLabel(foldLabels([second, first]), 1, 1)).toBe('b');
  });
});

describe('side randomization', () => {
  it('maps what was pressed on the screen back to the pair’s own order', () => {
    expect(pairLabelOf('left', 'a')).toBe('a');
    expect(pairLabelOf('right', 'a')).toBe('b');
    expect(pairLabelOf('left', 'b')).toBe('b');
    expect(pairLabelOf('right', 'b')).toBe('a');
    expect(pairLabelOf('tie', 'b')).toBe('tie');
    expect(pairLabelOf('both_bad', 'b')).toBe('both_bad');
    for (const left of ['a', 'b'] as const)
      for (const choice of ['left', 'right', 'tie', 'both_bad'] as const)
        expect(screenChoiceOf(pairLabelOf(choice, left), left)).toBe(choice);
  });

  it('is deterministic per (seed, item, annotator) and shows each side on the left about half the time', () => {
    expect(shownLeftFor(7, 12, 3)).toBe(shownLeftFor(7, 12, 3));
    let left = 0;
    for (let item = 1; item <= 1000; item++) if (shownLeftFor(7, item, 1) === 'a') left += 1;
    expect(left).toBeGreaterThan(430);
    expect(left).toBeLessThan(570);
    // Two annotators do not see the same screen order on every pair.
    let same = 0;
    for (let item = 1; item <= 200; item++) if (shownLeftFor(7, item, 1) === shownLeftFor(7, item, 2)) same += 1;
    expect(same).toBeLessThan(160);
    expect(same).toBeGreaterThan(40);
  });
});
