import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../../main/core/datasets/formats/detect';

describe('the format explanation', () => {
  it('names an unlabeled pair file\'s fields without repeating words ("responses responses")', () => {
    const list = detectFormat([{ prompt: 'Hi', responses: ['a', 'b'] }]);
    expect(list?.format).toBe('unlabeled-pair');
    expect(list?.explanation).toBe(
      'Unlabeled pairs (prompt + two responses): 1 of 1 sampled rows have prompt and the candidates in responses, with no preference.',
    );
    const pair = detectFormat([{ prompt: 'Hi', response_a: 'a', response_b: 'b' }]);
    expect(pair?.explanation).toContain('prompt and the candidates in response_a, response_b, with no preference');
    for (const d of [list, pair]) expect(d?.explanation).not.toMatch(/\b(\w+) \1\b/);
  });
});
