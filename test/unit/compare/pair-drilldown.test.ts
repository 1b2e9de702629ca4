/**
 * The per-pair drill-down's categories (issue 15 item 7): flipped either
 * way, right in both, never learned (wrong in both and in the base, or no
 * base given), wrong in both though the base had it right, and a pair one
 * side did not score.
 */
import { describe, expect, it } from 'vitest';
import { classifyPair } from '../../../shared/pair-drilldown';

describe('classifyPair', () => {
  it('names the flips by their direction', () => {
    expect(classifyPair(false, true)).toBe('wrong-to-right');
    expect(classifyPair(true, false)).toBe('right-to-wrong');
    // The base does not change a flip.
    expect(classifyPair(true, false, true)).toBe('right-to-wrong');
    expect(classifyPair(false, true, false)).toBe('wrong-to-right');
  });

  it('keeps pairs right in both apart from flips', () => {
    expect(classifyPair(true, true)).toBe('right-both');
    expect(classifyPair(true, true, false)).toBe('right-both');
  });

  it('calls a pair never learned only when the base got it wrong too (or there is no base)', () => {
    expect(classifyPair(false, false, false)).toBe('never-learned');
    expect(classifyPair(false, false)).toBe('never-learned');
    expect(classifyPair(false, false, null)).toBe('never-learned');
    expect(classifyPair(false, false, true)).toBe('wrong-both');
  });

  it('sets aside a pair either checkpoint did not score', () => {
    expect(classifyPair(null, true)).toBe('missing');
    expect(classifyPair(false, null, false)).toBe('missing');
  });
});
