/**
 * Agreement between annotators and position bias, as labeling.md defines them
 * (issue 18). Labels are nominal (`a`, `b`, `tie`, `both_bad` in the pair's own
 * order; any string or number works). A missing label is `null` or
 * `undefined`; skips are not labels. A statistic that is undefined for the
 * data is `null` with a `reason`, never NaN.
 */

export type Label = string | number;
export type MaybeLabel = Label | null | undefined;

/** Two annotators' labels on the same units (index i = unit i). */
function bothLabeled(first: readonly MaybeLabel[], second: readonly MaybeLabel[]): [Label, Label][] {
  if (first.length !== second.length)
    throw new Error(`agreement: ${first.length} labels against ${second.length}; both lists must cover the same units`);
  const pairs: [Label, Label][] = [];
  for (let i = 0; i < first.length; i++) {
    const x = first[i];
    const y = second[i];
    if (x !== null && x !== undefined && y !== null && y !== undefined) pairs.push([x, y]);
  }
  return pairs;
}

export interface PercentAgreement {
  /** Share of units both labeled on which the labels are equal; null when no unit has both. */
  agreement: number | null;
  /** Units labeled by both. */
  n: number;
  reason?: string;
}

/** Percent agreement of two annotators over the units both labeled (as a share in [0, 1]). */
export function percentAgreement(first: readonly MaybeLabel[], second: readonly MaybeLabel[]): PercentAgreement {
  const pairs = bothLabeled(first, second);
  if (pairs.length === 0) return { agreement: null, n: 0, reason: 'no unit was labeled by both annotators' };
  const same = pairs.filter(([x, y]) => x === y).length;
  return { agreement: same / pairs.length, n: pairs.length };
}

export interface CohenKappa {
  /** κ = (p_o − p_e) / (1 − p_e); null when undefined (no shared units, or p_e = 1). */
  kappa: number | null;
  /** Observed agreement p_o (null with no shared units). */
  observed: number | null;
  /** Chance agreement p_e = Σ_k p_1k · p_2k (null with no shared units). */
  expected: number | null;
  n: number;
  reason?: string;
}

/**
 * Cohen's κ of two annotators over the units both labeled. When p_e = 1 (both
 * gave one and the same category to every unit) κ is 0/0: the answer is
 * `kappa: null` with the reason. p_e = 1 is decided on integer counts
 * (Σ_k c_1k·c_2k = n²), so rounding cannot hide it.
 */
export function cohenKappa(first: readonly MaybeLabel[], second: readonly MaybeLabel[]): CohenKappa {
  const pairs = bothLabeled(first, second);
  const n = pairs.length;
  if (n === 0) return { kappa: null, observed: null, expected: null, n: 0, reason: 'no unit was labeled by both annotators' };
  const c1 = new Map<Label, number>();
  const c2 = new Map<Label, number>();
  let same = 0;
  for (const [x, y] of pairs) {
    c1.set(x, (c1.get(x) ?? 0) + 1);
    c2.set(y, (c2.get(y) ?? 0) + 1);
    if (x === y) same += 1;
  }
  let chanceCount = 0; // Σ_k c_1k · c_2k (an integer)
  for (const [k, count] of c1) chanceCount += count * (c2.get(k) ?? 0);
  const observed = same / n;
  const expected = chanceCount / (n * n);
  if (chanceCount === n * n) {
    return {
      kappa: null,
      observed,
      expected,
      n,
      reason: 'κ is undefined: chance agreement p_e = 1 (both annotators used one and the same label for every unit)',
    };
  }
  return { kappa: (observed - expected) / (1 - expected), observed, expected, n };
}

export interface KrippendorffAlpha {
  /** Nominal α; null when undefined (no pairable labels, or a single category so that expected disagreement is 0). */
  alpha: number | null;
  /** Pairable labels n (labels in units with at least two). */
  n: number;
  /** Units that had at least two labels. */
  units: number;
  /** Observed disagreement D_o = Σ_{c≠k} o_ck / n. */
  observedDisagreement: number | null;
  /** Expected disagreement D_e = Σ_{c≠k} n_c·n_k / (n·(n − 1)). */
  expectedDisagreement: number | null;
  reason?: string;
}

/**
 * Krippendorff's α for nominal data, from units given as the list of labels
 * each received (one per annotator who labeled it; missing labels simply
 * absent). Units with fewer than two labels are ignored. Coincidences:
 * `o_ck = Σ_u (ordered pairs (c,k) from different annotators in u) / (m_u − 1)`,
 * `n_c = Σ_k o_ck`, `n = Σ_c n_c`,
 * `α = 1 − (n − 1)·Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k` (labeling.md).
 */
export function krippendorffAlphaNominal(units: readonly (readonly MaybeLabel[])[]): KrippendorffAlpha {
  const nc = new Map<Label, number>();
  let disagreement = 0; // Σ_{c≠k} o_ck
  let pairable = 0;
  for (const unit of units) {
    const labels = unit.filter((l): l is Label => l !== null && l !== undefined);
    const m = labels.length;
    if (m < 2) continue;
    pairable += 1;
    const counts = new Map<Label, number>();
    for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    // Each label contributes (m − 1) ordered pairs, weighted 1/(m − 1): n_c grows by the count of c.
    for (const [c, count] of counts) nc.set(c, (nc.get(c) ?? 0) + count);
    // Ordered pairs from different annotators with different labels: m(m−1) − Σ_c count_c(count_c − 1) = m² − Σ_c count_c².
    let sameOrdered = 0;
    for (const count of counts.values()) sameOrdered += count * count;
    disagreement += (m * m - sameOrdered) / (m - 1);
  }
  let n = 0;
  let sumSquares = 0;
  for (const count of nc.values()) {
    n += count;
    sumSquares += count * count;
  }
  if (n === 0) {
    return {
      alpha: null,
      n: 0,
      units: 0,
      observedDisagreement: null,
      expectedDisagreement: null,
      reason: 'no unit has two or more labels',
    };
  }
  const expectedPairs = n * n - sumSquares; // Σ_{c≠k} n_c·n_k
  const observedDisagreement = disagreement / n;
  const expectedDisagreement = expectedPairs / (n * (n - 1));
  if (expectedPairs === 0) {
    return {
      alpha: null,
      n,
      units: pairable,
      observedDisagreement,
      expectedDisagreement: 0,
      reason: 'α is undefined: every label is the same category, so no disagreement is expected by chance',
    };
  }
  return { alpha: 1 - ((n - 1) * disagreement) / expectedPairs, n, units: pairable, observedDisagreement, expectedDisagreement };
}

/**
 * Krippendorff's α (nominal) from a reliability matrix: one row per annotator,
 * one column per unit, `null`/`undefined` where the annotator gave no label.
 */
export function krippendorffAlphaFromMatrix(rows: readonly (readonly MaybeLabel[])[]): KrippendorffAlpha {
  const width = Math.max(0, ...rows.map((r) => r.length));
  const units: MaybeLabel[][] = [];
  for (let u = 0; u < width; u++) units.push(rows.map((r) => r[u]));
  return krippendorffAlphaNominal(units);
}

/** z for a two-sided 95% interval (Φ⁻¹(0.975)). */
export const Z95 = 1.959963984540054;

export interface ProportionInterval {
  /** successes / n */
  p: number;
  low: number;
  high: number;
  n: number;
}

/**
 * Wilson score interval for a proportion (default 95%):
 * `(p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n)`. Null for n = 0
 * (no trials, no proportion). 8/10 gives [0.490, 0.943].
 */
export function wilsonInterval(successes: number, n: number, z = Z95): ProportionInterval | null {
  if (!(n > 0)) return null;
  if (successes < 0 || successes > n) throw new Error(`wilsonInterval: ${successes} successes out of ${n}`);
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { p, low: Math.max(0, center - half), high: Math.min(1, center + half), n };
}

export interface PositionBias {
  /** Decisive labels (a or b). */
  n: number;
  /** Of those, how many picked the response shown on the left. */
  left: number;
  /** left / n with its 95% Wilson interval; null when n = 0. */
  interval: ProportionInterval | null;
  /** The interval excludes 0.5 and n ≥ minN (default 30). */
  flagged: boolean;
}

/** Position bias from counts: `left` of `n` decisive labels picked the left side (labeling.md). */
export function positionBias(left: number, n: number, minN = 30): PositionBias {
  const interval = wilsonInterval(left, n);
  const flagged = interval !== null && n >= minN && (interval.low > 0.5 || interval.high < 0.5);
  return { n, left, interval, flagged };
}

/** A label in the pair's own order, with the response that was shown on the left. */
export interface ShownLabel {
  label: Label;
  /** Which of the pair's responses was on the left: 'a' or 'b'. */
  left: 'a' | 'b';
}

/** Position bias of one annotator's labels; only decisive labels (`a`, `b`) count. */
export function positionBiasOf(labels: readonly ShownLabel[], minN = 30): PositionBias {
  let n = 0;
  let left = 0;
  for (const { label, left: shownLeft } of labels) {
    if (label !== 'a' && label !== 'b') continue;
    n += 1;
    if (label === shownLeft) left += 1;
  }
  return positionBias(left, n, minN);
}

export interface SwapConsistency {
  /** Share of re-served pairs given the same label (pair's own order); null when none. */
  consistency: number | null;
  n: number;
}

/** Swap consistency: labels of pairs served again with the sides swapped, against their first label (both in the pair's own order). */
export function swapConsistency(pairs: readonly { first: Label; again: Label }[]): SwapConsistency {
  if (pairs.length === 0) return { consistency: null, n: 0 };
  return { consistency: pairs.filter((p) => p.first === p.again).length / pairs.length, n: pairs.length };
}
