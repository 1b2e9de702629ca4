/**
 * Multiple-choice capability metrics, as lm-evaluation-harness computes them
 * (../shared/evaluation.md, "Capability"):
 *
 *   ℓ_i = Σ log p(choice_i tokens | context)
 *   acc      = 1[argmax_i ℓ_i         = gold]
 *   acc_norm = 1[argmax_i ℓ_i / len_i = gold]   len_i = length of choice i in characters
 *
 * Ties in the argmax go to the first maximum (numpy's argmax, which lm-eval
 * uses). "Characters" are Unicode code points, as Python's `len(str)` counts
 * them — not UTF-16 units (`'😀'.length` is 2 in JavaScript, 1 in Python).
 */

export interface MultipleChoiceItem {
  /** Summed log-likelihood of each choice's tokens given the context. */
  logLikelihoods: readonly number[];
  /** Length of each choice in characters (code points); see `choiceLength`. */
  choiceLengths: readonly number[];
  /** Index of the correct choice. */
  gold: number;
}

export interface MultipleChoiceScore {
  /** argmax of the log-likelihoods (first maximum on ties). */
  pred: number;
  /** argmax of the length-normalised log-likelihoods (first maximum on ties). */
  predNorm: number;
  acc: 0 | 1;
  acc_norm: 0 | 1;
}

export interface MeanWithStderr {
  /** Mean over items (a fraction in [0, 1]). */
  mean: number;
  /**
   * sqrt(p(1−p)/n), the standard error evaluation.md prescribes.
   *
   * lm-eval itself reports `mean_stderr`, the sample standard deviation with
   * ddof = 1 over sqrt(n), which for 0/1 scores is sqrt(p(1−p)/(n−1)) —
   * larger by sqrt(n/(n−1)). That figure is `stderrLmEval`, so a number can be
   * checked against an lm-eval log.
   */
  stderr: number;
  /** lm-eval's `mean_stderr`: sqrt(p(1−p)/(n−1)) for 0/1 scores; null for n < 2 (lm-eval gives NaN). */
  stderrLmEval: number | null;
}

export interface MultipleChoiceSummary {
  n: number;
  /** null when there are no items. */
  acc: MeanWithStderr | null;
  acc_norm: MeanWithStderr | null;
}

/** Length of a choice in characters as Python's `len(str)` counts them (code points). */
export function choiceLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Index of the first maximum (numpy.argmax); -1 for an empty list. NaN never wins. */
export function argmaxFirst(values: readonly number[]): number {
  let best = -1;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (best === -1 ? !Number.isNaN(v) : v > bestValue) {
      best = i;
      bestValue = v;
    }
  }
  return best;
}

/**
 * Why an item cannot be scored, or null when it can: no choices, lengths that
 * do not match the choices, a choice of length 0 (acc_norm would divide by
 * zero), a non-finite log-likelihood, or a gold index out of range.
 */
export function invalidMultipleChoiceItem(item: MultipleChoiceItem): string | null {
  const k = item.logLikelihoods.length;
  if (k === 0) return 'no choices';
  if (item.choiceLengths.length !== k) return `${k} log-likelihoods but ${item.choiceLengths.length} choice lengths`;
  if (!Number.isInteger(item.gold) || item.gold < 0 || item.gold >= k) return `gold index ${item.gold} is out of range (0–${k - 1})`;
  for (let i = 0; i < k; i++) {
    const len = item.choiceLengths[i]!;
    if (!(Number.isFinite(len) && len > 0)) return `choice ${i} has length ${len} (acc_norm divides by it)`;
    if (Number.isNaN(item.logLikelihoods[i]!)) return `choice ${i} has no log-likelihood`;
  }
  return null;
}

/** acc and acc_norm of one item. Throws a RangeError with the reason for an item `invalidMultipleChoiceItem` rejects. */
export function scoreMultipleChoice(item: MultipleChoiceItem): MultipleChoiceScore {
  const invalid = invalidMultipleChoiceItem(item);
  if (invalid) throw new RangeError(`Cannot score this multiple-choice item: ${invalid}.`);
  const pred = argmaxFirst(item.logLikelihoods);
  const predNorm = argmaxFirst(item.logLikelihoods.map((ll, i) => ll / item.choiceLengths[i]!));
  return { pred, predNorm, acc: pred === item.gold ? 1 : 0, acc_norm: predNorm === item.gold ? 1 : 0 };
}

/** Mean of 0/1 scores with both standard errors (see `MeanWithStderr`); null for no scores. */
export function meanWithStderr(scores: readonly number[]): MeanWithStderr | null {
  const n = scores.length;
  if (n === 0) return null;
  let sum = 0;
  for (const s of scores) sum += s;
  const p = sum / n;
  let squares = 0;
  for (const s of scores) squares += (s - p) ** 2;
  return {
    mean: p,
    stderr: Math.sqrt((p * (1 - p)) / n),
    stderrLmEval: n < 2 ? null : Math.sqrt(squares / (n - 1) / n),
  };
}

/** acc and acc_norm over items: means and standard errors. */
export function summarizeMultipleChoice(items: readonly MultipleChoiceItem[]): MultipleChoiceSummary {
  const scores = items.map(scoreMultipleChoice);
  return {
    n: items.length,
    acc: meanWithStderr(scores.map((s) => s.acc)),
    acc_norm: meanWithStderr(scores.map((s) => s.acc_norm)),
  };
}
