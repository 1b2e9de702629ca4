import { describe, expect, it } from 'vitest';
import {
  argmaxFirst,
  choiceLength,
  invalidMultipleChoiceItem,
  meanWithStderr,
  scoreMultipleChoice,
  summarizeMultipleChoice,
  type MultipleChoiceItem,
} from '../../../shared/stats/multiple-choice';

// Three questions whose acc and acc_norm disagree (choice lengths in characters):
//   Q1 choices 'cat' (3), 'elephant' (8); ℓ = [−3, −6]; gold 1.
//      acc: argmax ℓ = 0 → wrong.   acc_norm: ℓ/len = [−1, −0.75] → 1 → right.
//   Q2 choices 'a' (1), 'bb' (2), 'ccc' (3); ℓ = [−2, −2, −6]; gold 0.
//      acc: ℓ ties at 0 and 1 → first max 0 → right.   acc_norm: [−2, −1, −2] → 1 → wrong.
//   Q3 choices 'no' (2), 'maybe!' (6); ℓ = [−4, −6]; gold 1.
//      acc: argmax 0 → wrong.   acc_norm: [−2, −1] → 1 → right.
// acc = [0, 1, 0] → 1/3;  acc_norm = [1, 0, 1] → 2/3.
// stderr (evaluation.md) = sqrt(p(1−p)/n) = sqrt((1/3)(2/3)/3) = sqrt(2/27) = 0.2721655…, the same for both.
// lm-eval's mean_stderr = sqrt(var_ddof1/n): var of [0,1,0] = ((1/3)²·2 + (2/3)²)/2 = 1/3 → sqrt(1/9) = 1/3.
const texts = [
  ['cat', 'elephant'],
  ['a', 'bb', 'ccc'],
  ['no', 'maybe!'],
];
const items: MultipleChoiceItem[] = [
  { logLikelihoods: [-3, -6], choiceLengths: texts[0]!.map(choiceLength), gold: 1 },
  { logLikelihoods: [-2, -2, -6], choiceLengths: texts[1]!.map(choiceLength), gold: 0 },
  { logLikelihoods: [-4, -6], choiceLengths: texts[2]!.map(choiceLength), gold: 1 },
];

describe('multiple choice (lm-eval acc, acc_norm)', () => {
  it('scores each item, acc and acc_norm disagreeing', () => {
    expect(items.map(scoreMultipleChoice)).toEqual([
      { pred: 0, predNorm: 1, acc: 0, acc_norm: 1 },
      { pred: 0, predNorm: 1, acc: 1, acc_norm: 0 },
      { pred: 0, predNorm: 1, acc: 0, acc_norm: 1 },
    ]);
  });

  it('means and standard errors', () => {
    const s = summarizeMultipleChoice(items);
    expect(s.n).toBe(3);
    expect(s.acc!.mean).toBeCloseTo(1 / 3, 12);
    expect(s.acc_norm!.mean).toBeCloseTo(2 / 3, 12);
    expect(s.acc!.stderr).toBeCloseTo(0.2721655269759087, 12);
    expect(s.acc_norm!.stderr).toBeCloseTo(0.2721655269759087, 12);
    expect(s.acc!.stderrLmEval).toBeCloseTo(1 / 3, 12);
    expect(summarizeMultipleChoice([])).toEqual({ n: 0, acc: null, acc_norm: null });
    expect(meanWithStderr([1])).toEqual({ mean: 1, stderr: 0, stderrLmEval: null });
  });

  it('breaks ties toward the first maximum, like numpy.argmax', () => {
    expect(argmaxFirst([-1, -1, -1])).toBe(0);
    expect(argmaxFirst([-5, -1, -3, -1])).toBe(1);
    expect(argmaxFirst([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY])).toBe(0);
    expect(argmaxFirst([])).toBe(-1);
    // ℓ/len ties: [−4/2, −8/4] = [−2, −2] → 0.
    expect(scoreMultipleChoice({ logLikelihoods: [-4, -8], choiceLengths: [2, 4], gold: 1 })).toMatchObject({ predNorm: 0, acc_norm: 0 });
  });

  it('counts characters as Python does (code points, not UTF-16 units)', () => {
    expect(choiceLength('café')).toBe(4);
    expect(choiceLength('😀a')).toBe(2); // '😀a'.length is 3 in JavaScript
    expect(choiceLength('')).toBe(0);
  });

  it('names what makes an item unscorable', () => {
    expect(invalidMultipleChoiceItem({ logLikelihoods: [], choiceLengths: [], gold: 0 })).toBe('no choices');
    expect(invalidMultipleChoiceItem({ logLikelihoods: [-1, -2], choiceLengths: [1, 1], gold: 2 })).toMatch(/gold index 2 is out of range/);
    expect(invalidMultipleChoiceItem({ logLikelihoods: [-1, -2], choiceLengths: [1], gold: 0 })).toMatch(
      /2 log-likelihoods but 1 choice lengths/,
    );
    expect(invalidMultipleChoiceItem({ logLikelihoods: [-1, -2], choiceLengths: [1, 0], gold: 0 })).toMatch(/choice 1 has length 0/);
    expect(invalidMultipleChoiceItem(items[0]!)).toBeNull();
    expect(() => scoreMultipleChoice({ logLikelihoods: [-1], choiceLengths: [1], gold: 3 })).toThrow(RangeError);
  });
});
