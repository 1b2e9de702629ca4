/**
 * Side-by-side generations' filters and diff (issue 15 item 6): only the
 * prompts whose answers differ, only those where the judge's verdict flips
 * between columns (a rule passed in one and failed in another, or a win
 * beside a loss against the base), and each cell's words marked against the
 * chosen column.
 */
import { describe, expect, it } from 'vitest';
import type { CellVerdict, SideBySideCell, SideBySideRow } from '../../../shared/side-by-side';
import { cellScore, cellSegments, filterRows, outputsDiffer, verdictFlips } from '../../../renderer/src/lib/compare-generations';

const cell = (text: string | null, verdict: Partial<CellVerdict> | null = null): SideBySideCell => ({
  text,
  tokens: text === null ? null : 3,
  finishReason: text === null ? null : 'stop',
  verdict: verdict ? { pass: null, reason: null, vsBase: null, ...verdict } : null,
});
const row = (id: string, ...cells: SideBySideCell[]): SideBySideRow => ({ promptHash: id, prompt: id, cells });

describe('outputsDiffer', () => {
  it('compares the generated texts, ignoring whitespace at the ends and columns not generated yet', () => {
    expect(outputsDiffer(row('same', cell('YES'), cell(' YES\n'), cell(null)))).toBe(false);
    expect(outputsDiffer(row('diff', cell('YES'), cell('yes')))).toBe(true);
    expect(outputsDiffer(row('none', cell(null), cell(null)))).toBe(false);
  });
});

describe('verdictFlips', () => {
  it('flips when the rule passes in one column and fails in another', () => {
    expect(verdictFlips(row('r', cell('A', { pass: true }), cell('B', { pass: false, vsBase: 'loss' })))).toBe(true);
    expect(verdictFlips(row('r', cell('A', { pass: true }), cell('B', { pass: true, vsBase: 'tie' })))).toBe(false);
  });

  it('reads a model judge by its verdict against the base (the base column has none)', () => {
    expect(verdictFlips(row('m', cell('A'), cell('B', { vsBase: 'win' }), cell('C', { vsBase: 'loss' })))).toBe(true);
    expect(verdictFlips(row('m', cell('A'), cell('B', { vsBase: 'tie' }), cell('C', { vsBase: 'tie' })))).toBe(false);
    expect(verdictFlips(row('m', cell('A'), cell('B', { vsBase: 'win' })))).toBe(false);
  });

  it('scores a cell by its rule first, else its verdict, else nothing', () => {
    expect(cellScore(cell('x', { pass: false, vsBase: 'win' }))).toBe(0);
    expect(cellScore(cell('x', { vsBase: 'tie' }))).toBe(0.5);
    expect(cellScore(cell('x'))).toBeNull();
  });
});

describe('filterRows', () => {
  const rows = [
    row('same', cell('A', { pass: true }), cell('A', { pass: true, vsBase: 'tie' })),
    row('differs', cell('A', { pass: true }), cell('B', { pass: true, vsBase: 'tie' })),
    row('flips', cell('A', { pass: true }), cell('B', { pass: false, vsBase: 'loss' })),
  ];
  it('keeps every row without a filter, and each filter alone or both', () => {
    expect(filterRows(rows, { differOnly: false, flipsOnly: false }).map((r) => r.prompt)).toEqual(['same', 'differs', 'flips']);
    expect(filterRows(rows, { differOnly: true, flipsOnly: false }).map((r) => r.prompt)).toEqual(['differs', 'flips']);
    expect(filterRows(rows, { differOnly: false, flipsOnly: true }).map((r) => r.prompt)).toEqual(['flips']);
    expect(filterRows(rows, { differOnly: true, flipsOnly: true }).map((r) => r.prompt)).toEqual(['flips']);
  });
});

describe('cellSegments', () => {
  it('marks the words a cell has that the reference column lacks, and nothing in the reference itself', () => {
    const r = row('p', cell('the cat sat'), cell('the dog sat'));
    expect(
      cellSegments(r, 1, 0)
        .filter((s) => s.changed)
        .map((s) => s.text.trim()),
    ).toEqual(['dog']);
    expect(cellSegments(r, 0, 0)).toEqual([{ text: 'the cat sat', changed: false }]);
    // Against a column not generated yet there is nothing to mark.
    expect(cellSegments(row('q', cell(null), cell('x')), 1, 0)).toEqual([{ text: 'x', changed: false }]);
  });
});
