import { describe, expect, it } from 'vitest';
import { labelerCommand, LABELER_KEYS, nextConfidence } from '../../../renderer/src/lib/labeler-keys';
import { wordDiff } from '../../../renderer/src/lib/word-diff';

const press = (key: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) =>
  labelerCommand({ key, ctrlKey: false, metaKey: false, altKey: false, ...mods });

describe('the labeler’s keys', () => {
  it('maps each key of issue 18 to its command, in either case', () => {
    expect(press('1')).toEqual({ kind: 'choose', choice: 'left' });
    expect(press('ArrowLeft')).toEqual({ kind: 'choose', choice: 'left' });
    expect(press('2')).toEqual({ kind: 'choose', choice: 'right' });
    expect(press('ArrowRight')).toEqual({ kind: 'choose', choice: 'right' });
    expect(press('t')).toEqual({ kind: 'choose', choice: 'tie' });
    expect(press('T')).toEqual({ kind: 'choose', choice: 'tie' });
    expect(press('b')).toEqual({ kind: 'choose', choice: 'both_bad' });
    expect(press('s')).toEqual({ kind: 'skip' });
    expect(press('u')).toEqual({ kind: 'undo' });
    expect(press('z', { ctrlKey: true })).toEqual({ kind: 'undo' });
    expect(press('z', { metaKey: true })).toEqual({ kind: 'undo' });
    expect(press('r')).toEqual({ kind: 'rationale' });
    expect(press('c')).toEqual({ kind: 'confidence' });
    expect(press('d')).toEqual({ kind: 'diff' });
    expect(press('?')).toEqual({ kind: 'help' });
  });

  it('leaves other keys and modified keys to the rest of the studio (g for "g l", Ctrl+C to copy)', () => {
    expect(press('g')).toBeNull();
    expect(press('c', { ctrlKey: true })).toBeNull();
    expect(press('1', { altKey: true })).toBeNull();
    expect(press('Enter')).toBeNull();
  });

  it('lists every key it handles in the key map', () => {
    const listed = LABELER_KEYS.flatMap((k) => k.keys.split(' '));
    for (const key of ['1', '←', '2', '→', 'T', 'B', 'S', 'U', 'Ctrl+Z', 'R', 'C', 'D', 'H', '?']) expect(listed).toContain(key);
  });

  it('cycles confidence none → 1 → 2 → 3 → none', () => {
    const seen: (number | null)[] = [];
    let c: number | null = null;
    for (let i = 0; i < 4; i++) seen.push((c = nextConfidence(c)));
    expect(seen).toEqual([1, 2, 3, null]);
  });
});

describe('the word diff (D)', () => {
  it('marks on each side the words only that side has, and counts them', () => {
    const d = wordDiff('the cat sat on a mat', 'the dog sat on the mat');
    expect(d.left.filter((s) => s.changed).map((s) => s.text)).toEqual(['cat', 'a']);
    expect(d.right.filter((s) => s.changed).map((s) => s.text)).toEqual(['dog', 'the']);
    expect(d.left.map((s) => s.text).join('')).toBe('the cat sat on a mat');
    expect(d.right.map((s) => s.text).join('')).toBe('the dog sat on the mat');
    expect(d.changedWords).toBe(4);
  });

  it('marks nothing when the responses are the same words', () => {
    const d = wordDiff('Same answer.', 'Same answer.');
    expect([...d.left, ...d.right].some((s) => s.changed)).toBe(false);
    expect(d.changedWords).toBe(0);
  });
});
