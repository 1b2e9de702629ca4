/**
 * The win-rate judges and report (main/evaluation/judges.ts): the rule
 * checker's win/loss/tie, a model judge's two orders read from its
 * next-token log-probs of " A" and " B" (checked against a hand forward
 * pass), and the metrics on a hand-computed case. The statistics themselves
 * (ties as half, bootstrap, two-order consolidation, LC ≈ 50 when length
 * explains every win) are pinned in test/unit/stats/win-rate.test.ts.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_JUDGE_TEMPLATE, fillJudgeTemplate, judgeTemplateProblem } from '../../../shared/evals';
import { loadModel, type HfTokenizer, type LoadedModel } from '../../../main/engine';
import { judgeByModel, judgeByRules, responseLength, winRateMetrics } from '../../../main/evaluation/judges';
import { handLogLikelihood, MODELS, range } from './helpers';

describe('the rules judge', () => {
  const upper = { rule: 'uppercase' };

  it('gives a win when only the candidate follows the rule, a loss in reverse, a tie when both pass or both fail', () => {
    expect(judgeByRules(upper, 'KNIFE', 'knife')).toMatchObject({ verdict: 'win', candidate: { pass: true }, baseline: { pass: false } });
    expect(judgeByRules(upper, 'knife', 'KNIFE')).toMatchObject({ verdict: 'loss' });
    expect(judgeByRules(upper, 'SAW', 'KNIFE')).toMatchObject({ verdict: 'tie' });
    expect(judgeByRules(upper, 'saw', 'knife')).toMatchObject({ verdict: 'tie' });
    expect(judgeByRules({ rule: 'word-count', arg: 3 }, 'red green blue', 'red green')).toMatchObject({ verdict: 'win' });
  });

  it('calls a prompt without a rule, or with an unknown one, invalid with the reason', () => {
    expect(judgeByRules(null, 'a', 'b')).toEqual({ invalid: 'the prompt has no meta.rule for the rules judge' });
    const unknown = judgeByRules({ rule: 'rhymes' }, 'a', 'b');
    expect('invalid' in unknown && unknown.invalid).toMatch(/Unknown judge rule "rhymes"/);
  });
});

describe('judge templates', () => {
  it('fills the instruction and both responses in one pass', () => {
    expect(fillJudgeTemplate('{instruction}|{response_a}|{response_b}', 'Q', 'says {response_b}', 'B')).toBe('Q|says {response_b}|B');
    expect(judgeTemplateProblem(DEFAULT_JUDGE_TEMPLATE)).toBeNull();
    expect(judgeTemplateProblem('Pick: {response_a} or {response_b}')).toMatch(/lacks \{instruction\}/);
  });
});

describe('a model as a pairwise judge', () => {
  let llama: LoadedModel;
  let tok: HfTokenizer;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    llama = await loadModel(path.join(MODELS, 'tiny-llama'));
    tok = llama.tokenizer!;
  });
  afterAll(() => llama.model.dispose());

  /** log p(" X" | context) by one hand forward pass, with lm-eval's split of (context, continuation). */
  async function handAnswer(context: string, answer: string): Promise<number> {
    const plain = (s: string) => tok.encode(s, { addSpecialTokens: false });
    const contextIds = plain(context);
    const ids = plain(`${context} ${answer}`);
    return handLogLikelihood(llama.model, [...contextIds, ...ids.slice(contextIds.length)], range(contextIds.length, ids.length));
  }

  it('asks in both orders and reads each verdict from the log-probs of " A" and " B"', async () => {
    const pairs = [
      { instruction: 'Name a tool.', candidate: 'hammer', baseline: 'the sky is blue' },
      { instruction: 'Say hello.', candidate: 'hello there', baseline: 'hello there' },
    ];
    // A short template: the tiny model reads 127 tokens at most, and the hand pass below does not truncate.
    const template = '{instruction} A: {response_a} B: {response_b} Better:';
    const judged = await judgeByModel(llama.model, tok, pairs, template);
    expect(judged).toHaveLength(2);
    for (const [i, p] of pairs.entries()) {
      const j = judged[i]!;
      const first = fillJudgeTemplate(template, p.instruction, p.candidate, p.baseline);
      const second = fillJudgeTemplate(template, p.instruction, p.baseline, p.candidate);
      expect(j.candidateFirst.logpA).toBeCloseTo(await handAnswer(first, 'A'), 4);
      expect(j.candidateFirst.logpB).toBeCloseTo(await handAnswer(first, 'B'), 4);
      expect(j.candidateSecond.logpA).toBeCloseTo(await handAnswer(second, 'A'), 4);
      expect(j.candidateSecond.logpB).toBeCloseTo(await handAnswer(second, 'B'), 4);
      // Shown as A, the candidate wins when " A" is likelier; shown as B, when " B" is.
      const a = j.candidateFirst;
      expect(a.verdict).toBe(a.logpA > a.logpB ? 'win' : a.logpA < a.logpB ? 'loss' : 'tie');
      const b = j.candidateSecond;
      expect(b.verdict).toBe(b.logpB > b.logpA ? 'win' : b.logpB < b.logpA ? 'loss' : 'tie');
      expect(j.consistent).toBe(a.verdict === b.verdict);
      expect(j.verdict).toBe(j.consistent ? a.verdict : 'tie');
    }
    // Two identical responses read the same in both orders, so a judge that prefers a side flips: a tie either way.
    expect(judged[1]!.verdict).toBe('tie');
    // Deterministic: the same pairs give the same log-probs.
    expect(await judgeByModel(llama.model, tok, pairs, template)).toEqual(judged);
  });
});

describe('the win-rate report', () => {
  it('counts ties as half, gives fractions with an interval around the estimate, and the judge inconsistency for two orders', () => {
    // 3 wins, 2 ties, 1 loss: (3 + 1)/6 = 2/3.
    const judged = [
      ...Array.from({ length: 3 }, () => ({ verdict: 'win' as const, candidateChars: 12, baselineChars: 10 })),
      ...Array.from({ length: 2 }, () => ({ verdict: 'tie' as const, candidateChars: 10, baselineChars: 10 })),
      { verdict: 'loss' as const, candidateChars: 5, baselineChars: 10 },
    ];
    const m = winRateMetrics(judged, null);
    expect(m['win_rate']).toBeCloseTo(2 / 3, 12);
    expect(m).toMatchObject({ wins: 3, ties: 2, losses: 1, baseline_chars: 10 });
    expect(m['candidate_chars']).toBeCloseTo(61 / 6, 12);
    expect(m['win_rate_ci_low']).toBeLessThanOrEqual(m['win_rate']!);
    expect(m['win_rate_ci_high']).toBeGreaterThanOrEqual(m['win_rate']!);
    expect(m['win_rate_ci_low']).toBeGreaterThanOrEqual(0);
    expect(m['win_rate_ci_high']).toBeLessThanOrEqual(1);
    // Longer answers won here: controlling for length brings the rate down.
    expect(m['lc_win_rate']).toBeLessThan(m['win_rate']!);
    expect('judge_inconsistency' in m).toBe(false);
    // Seeded: the same verdicts give the same interval.
    expect(winRateMetrics(judged, null)).toEqual(m);

    const orders = [
      { candidateFirst: 'win' as const, candidateSecond: 'loss' as const },
      { candidateFirst: 'win' as const, candidateSecond: 'win' as const },
      { candidateFirst: 'tie' as const, candidateSecond: 'tie' as const },
      { candidateFirst: 'loss' as const, candidateSecond: 'tie' as const },
    ];
    expect(winRateMetrics(judged.slice(0, 4), orders)['judge_inconsistency']).toBe(0.5);
  });

  it('has no rate and no interval without verdicts', () => {
    expect(winRateMetrics([], null)).toMatchObject({ win_rate: null, win_rate_ci_low: null, lc_win_rate: null, wins: 0 });
  });

  it('measures responses in characters (code points)', () => {
    expect(responseLength('héllo 👋')).toBe(7);
  });
});
