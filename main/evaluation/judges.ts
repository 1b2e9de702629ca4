/**
 * Judges of a win-rate item and its report (../../../shared/evaluation.md,
 * "Win rate against a baseline"):
 *
 * - `rules`: the demo's rule checker on each prompt's meta — the candidate
 *   wins when its response follows the rule and the baseline's does not,
 *   loses in the reverse case, and ties when both pass or both fail.
 * - `model`: a local model as a pairwise judge. The template is filled with
 *   the instruction and the two responses, and the verdict is whichever of
 *   " A" and " B" has the higher log-probability as the judge's next tokens
 *   (lm-eval's loglikelihood request, so deterministic). Each prompt is asked
 *   in both orders (candidate as A, then as B); a verdict that changes with
 *   the order is a tie and counts toward the judge's inconsistency rate
 *   (MT-Bench).
 *
 * The report: win rate with ties as half (a fraction, 0–1; AlpacaEval prints
 * it ×100), its seeded percentile-bootstrap 95% interval over prompts, and
 * the length-controlled win rate (AlpacaEval 2), from shared/stats/win-rate.
 */
import { fillJudgeTemplate, WIN_RATE_BOOTSTRAP } from '../../shared/evals';
import {
  consolidateJudgments,
  lengthControlledWinRate,
  verdictForCandidate,
  winRate,
  type TwoOrderJudgment,
  type Verdict,
} from '../../shared/stats/win-rate';
import type { CausalLM, HfTokenizer, ScoreExample } from '../engine';
import { judgeResponse, type JudgeMeta, type JudgeVerdict } from '../training/demo/judge';
import { scoreInBatches, type BatchOptions } from './batches';
import { continuationOf, encodeRequest, requestExample } from './multiple-choice';
import { defaultMaxLength } from './tokens';

export type RulesJudgment = { verdict: Verdict; candidate: JudgeVerdict; baseline: JudgeVerdict } | { invalid: string };

/** The rules judge on one prompt: its meta must name a rule the demo checker knows. */
export function judgeByRules(meta: unknown, candidate: string, baseline: string): RulesJudgment {
  const m = meta as Partial<JudgeMeta> | null | undefined;
  if (!m || typeof m !== 'object' || typeof m.rule !== 'string') return { invalid: 'the prompt has no meta.rule for the rules judge' };
  try {
    const c = judgeResponse(m as JudgeMeta, candidate);
    const b = judgeResponse(m as JudgeMeta, baseline);
    const verdict: Verdict = c.pass === b.pass ? 'tie' : c.pass ? 'win' : 'loss';
    return { verdict, candidate: c, baseline: b };
  } catch (err) {
    return { invalid: (err as Error).message };
  }
}

/** One order of a model judge's answer: the log-probabilities of " A" and " B" and what they make of the candidate. */
export interface OrderJudgment {
  logpA: number;
  logpB: number;
  verdict: Verdict;
}

export interface ModelJudgment {
  /** The candidate's response shown as A. */
  candidateFirst: OrderJudgment;
  /** The candidate's response shown as B. */
  candidateSecond: OrderJudgment;
  /** The consolidated verdict: the agreed one, else a tie. */
  verdict: Verdict;
  consistent: boolean;
}

/**
 * A model judges each (instruction, candidate, baseline) in both orders: four
 * loglikelihood requests per prompt, scored in batches with progress and
 * cancel between batches.
 */
export async function judgeByModel(
  judge: CausalLM,
  tokenizer: HfTokenizer,
  pairs: readonly { instruction: string; candidate: string; baseline: string }[],
  template: string,
  opts: BatchOptions = {},
): Promise<ModelJudgment[]> {
  const maxLength = defaultMaxLength(judge);
  const examples: ScoreExample[] = [];
  for (const p of pairs)
    for (const context of [
      fillJudgeTemplate(template, p.instruction, p.candidate, p.baseline),
      fillJudgeTemplate(template, p.instruction, p.baseline, p.candidate),
    ])
      for (const answer of ['A', 'B']) {
        const req = encodeRequest(tokenizer, context, continuationOf(answer));
        examples.push(requestExample(req.context, req.continuation, maxLength));
      }
  const scores = await scoreInBatches(judge, examples, { ...opts, padId: tokenizer.padTokenId ?? 0 });
  return pairs.map((_, i) => {
    const order = (k: number, candidatePosition: 'A' | 'B'): OrderJudgment => {
      const logpA = scores[4 * i + 2 * k]!.sumLogProb;
      const logpB = scores[4 * i + 2 * k + 1]!.sumLogProb;
      const winner = logpA > logpB ? 'A' : logpB > logpA ? 'B' : 'tie';
      return { logpA, logpB, verdict: verdictForCandidate(winner, candidatePosition) };
    };
    const candidateFirst = order(0, 'A');
    const candidateSecond = order(1, 'B');
    const both: TwoOrderJudgment = { candidateFirst: candidateFirst.verdict, candidateSecond: candidateSecond.verdict };
    const consistent = both.candidateFirst === both.candidateSecond;
    return { candidateFirst, candidateSecond, verdict: consistent ? both.candidateFirst : 'tie', consistent };
  });
}

/** Characters (code points) of a response: AlpacaEval's length for the length-controlled win rate. */
export const responseLength = (text: string): number => [...text].length;

/**
 * The metrics of a win-rate item from its judged prompts: `win_rate` (ties
 * half, 0–1) with `win_rate_ci_low`/`_high` (bootstrap 95%), `lc_win_rate`,
 * `wins`/`ties`/`losses`, the mean response lengths in characters and, for a
 * model judge, `judge_inconsistency` (share of prompts whose verdict flipped
 * with the order).
 */
export function winRateMetrics(
  judged: readonly { verdict: Verdict; candidateChars: number; baselineChars: number }[],
  orders: readonly TwoOrderJudgment[] | null,
): Record<string, number | null> {
  const wr = winRate(
    judged.map((j) => j.verdict),
    WIN_RATE_BOOTSTRAP,
  );
  const lc = lengthControlledWinRate(
    judged.map((j) => ({ verdict: j.verdict, candidateLength: j.candidateChars, baselineLength: j.baselineChars })),
  );
  const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
  const fraction = (x: number | null | undefined) => (x === null || x === undefined ? null : x / 100);
  return {
    win_rate: fraction(wr.winRate),
    win_rate_ci_low: fraction(wr.interval?.low),
    win_rate_ci_high: fraction(wr.interval?.high),
    lc_win_rate: fraction(lc.lengthControlled),
    wins: wr.wins,
    ties: wr.ties,
    losses: wr.losses,
    candidate_chars: mean(judged.map((j) => j.candidateChars)),
    baseline_chars: mean(judged.map((j) => j.baselineChars)),
    ...(orders ? { judge_inconsistency: consolidateJudgments(orders).inconsistencyRate } : {}),
  };
}
