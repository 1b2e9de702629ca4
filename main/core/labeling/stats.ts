import type { LabelQueue, LabelStats, PairLabel } from '../../../shared/labeling';
import { cohenKappa, type KrippendorffAlpha, positionBias } from '../../../shared/stats/agreement';
import { latestAdjudications } from './review';
import { ReviewStore } from './review-store';
import { type SignatureRow, type StandingRow, StatsStore } from './stats-store';
import type { Db } from '../db/open';

/** `LabelStats.conflicts` lists this many conflicts at most, in the queue's order; `labeling.conflicts` pages them all. */
export const STATS_CONFLICTS = 100;

const LABELS = ['a', 'b', 'tie', 'both_bad'] as const satisfies readonly PairLabel[];

const countsOf = (s: SignatureRow) => LABELS.map((l) => s[l]).filter((c) => c > 0);

/** Whether pairs with this signature are conflicts: two or more standing labels, not all the same. */
const isConflictSignature = (s: SignatureRow) => countsOf(s).length > 1;

/**
 * Krippendorff's nominal α from pairs grouped by their label counts: the
 * same sums as `krippendorffAlphaNominal` (shared/stats/agreement.ts) over
 * one unit per pair, each group weighted by its pairs (a unit test holds the
 * two equal on random queues).
 */
export function alphaFromSignatures(signatures: readonly SignatureRow[]): KrippendorffAlpha {
  const nc = new Map<PairLabel, number>();
  let disagreement = 0;
  let pairable = 0;
  for (const s of signatures) {
    const counts = LABELS.map((l) => [l, s[l]] as const).filter(([, c]) => c > 0);
    const m = counts.reduce((sum, [, c]) => sum + c, 0);
    if (m < 2) continue;
    pairable += s.units;
    for (const [l, c] of counts) nc.set(l, (nc.get(l) ?? 0) + c * s.units);
    let sameOrdered = 0;
    for (const [, c] of counts) sameOrdered += c * c;
    disagreement += (s.units * (m * m - sameOrdered)) / (m - 1);
  }
  let n = 0;
  let sumSquares = 0;
  for (const count of nc.values()) {
    n += count;
    sumSquares += count * count;
  }
  if (n === 0)
    return {
      alpha: null,
      n: 0,
      units: 0,
      observedDisagreement: null,
      expectedDisagreement: null,
      reason: 'no unit has two or more labels',
    };
  const expectedPairs = n * n - sumSquares;
  const observedDisagreement = disagreement / n;
  if (expectedPairs === 0)
    return {
      alpha: null,
      n,
      units: pairable,
      observedDisagreement,
      expectedDisagreement: 0,
      reason: 'α is undefined: every label is the same category, so no disagreement is expected by chance',
    };
  return {
    alpha: 1 - ((n - 1) * disagreement) / expectedPairs,
    n,
    units: pairable,
    observedDisagreement,
    expectedDisagreement: expectedPairs / (n * (n - 1)),
  };
}

/**
 * Percent agreement and Cohen's κ of two annotators from their contingency
 * table: the same arithmetic as `percentAgreement` and `cohenKappa`
 * (shared/stats/agreement.ts) on the integer counts, so the figures are the
 * same to the bit. Where they are undefined, those functions give the reason
 * (called on a single unit of the same case).
 */
export function agreementFromCells(cells: readonly { x: PairLabel; y: PairLabel; n: number }[]): {
  n: number;
  percent: number | null;
  kappa: number | null;
  reason?: string;
} {
  let n = 0;
  let same = 0;
  const first = new Map<PairLabel, number>();
  const second = new Map<PairLabel, number>();
  for (const c of cells) {
    n += c.n;
    if (c.x === c.y) same += c.n;
    first.set(c.x, (first.get(c.x) ?? 0) + c.n);
    second.set(c.y, (second.get(c.y) ?? 0) + c.n);
  }
  if (n === 0) return { n: 0, percent: null, kappa: null, reason: cohenKappa([], []).reason! };
  let chance = 0;
  for (const [k, count] of first) chance += count * (second.get(k) ?? 0);
  const percent = same / n;
  // Both used one and the same label throughout (p_e = 1): κ is 0/0.
  if (chance === n * n) return { n, percent, kappa: null, reason: cohenKappa([cells[0]!.x], [cells[0]!.y]).reason! };
  const expected = chance / (n * n);
  return { n, percent, kappa: (percent - expected) / (1 - expected) };
}

/**
 * A queue's stats from the summaries triggers keep (migrations 0011, 0012):
 * counts per annotator, a contingency table per annotator pair, the pairs
 * grouped by their votes, and the first conflicts from the conflict index. No
 * event is read or folded here, and no read grows with the queue's pairs.
 */
export function queueStats(db: Db, queue: LabelQueue): LabelStats {
  const store = new StatsStore(db);
  const review = new ReviewStore(db);
  const counts = store.annotatorCounts(queue.id);
  const consistency = new Map(store.swapConsistency(queue.id).map((r) => [r.annotator_id, r]));
  const annotators = counts.map((r) => {
    const bias = positionBias(r.left, r.decisive);
    const swap = consistency.get(r.annotator_id);
    return {
      annotatorId: r.annotator_id,
      name: r.name,
      labeled: r.labeled,
      skipped: r.skipped,
      events: r.events,
      labelsPerHour: r.label_ms > 0 ? r.labeled / (r.label_ms / 3_600_000) : null,
      positionBias: {
        n: bias.n,
        left: bias.left,
        share: bias.interval?.p ?? null,
        low: bias.interval?.low ?? null,
        high: bias.interval?.high ?? null,
        flagged: bias.flagged,
      },
      swapConsistency: swap ? { n: swap.n, same: swap.same, share: swap.same / swap.n } : { n: 0, same: 0, share: null },
    };
  });

  const cells = store.pairCells(queue.id);
  const pairs = [];
  for (let i = 0; i < counts.length; i++)
    for (let j = i + 1; j < counts.length; j++) {
      const first = counts[i]!;
      const second = counts[j]!;
      const agreement = agreementFromCells(cells.filter((c) => c.first === first.annotator_id && c.second === second.annotator_id));
      pairs.push({ first: first.name, second: second.name, ...agreement });
    }

  const signatures = store.signatures(queue.id);
  const alpha = alphaFromSignatures(signatures);
  let labels = 0;
  let conflicting = 0;
  let decisive = 0;
  for (const s of signatures) {
    labels += (s.a + s.b + s.tie + s.both_bad) * s.units;
    if (isConflictSignature(s)) conflicting += s.units;
    if (s.a > 0 && s.b > 0) decisive += s.units;
  }
  const adjudicated = store.adjudicatedConflicts(queue.id);

  // The first conflicts in the queue's order, with each annotator's label and the decision if any.
  const firstConflicts = store.conflictItems(queue.id, 'all', 0, STATS_CONFLICTS);
  const names = new Map(counts.map((r) => [r.annotator_id, r.name]));
  const decided = latestAdjudications(review.queueAdjudications(queue.id));
  const standing = new Map<number, StandingRow[]>();
  for (const r of store.standingOn(
    queue.id,
    firstConflicts.map((c) => c.item_id),
  ))
    standing.set(r.item_id, [...(standing.get(r.item_id) ?? []), r]);
  const conflicts = firstConflicts.map((c) => {
    const own = standing.get(c.item_id) ?? [];
    return {
      itemId: c.item_id,
      position: c.position,
      contentHash: c.content_hash,
      labels: own.map((r) => ({ annotator: names.get(r.annotator_id)!, label: r.label })),
      decisive: own.some((r) => r.label === 'a') && own.some((r) => r.label === 'b'),
      adjudicated: decided.get(c.item_id)?.label ?? null,
    };
  });

  return {
    queue,
    progress: { total: queue.total, done: queue.done, labels },
    annotators,
    agreement: { pairs, alpha: alpha.alpha, alphaUnits: alpha.units, ...(alpha.reason ? { alphaReason: alpha.reason } : {}) },
    conflicts,
    conflictCounts: { open: conflicting - adjudicated, adjudicated },
    decisiveConflicts: decisive,
  };
}
