/**
 * labeling.stats and labeling.conflicts aggregate each annotator's standing
 * label in SQL (label_standing, kept by a trigger as events are written;
 * migration 0011) instead of folding every event. These tests hold the SQL
 * path to the fold (foldLabels and the list-based statistics) on random
 * queues with labels, relabels, skips, undos, re-serves and adjudications,
 * and check that the migration builds the same standing labels from events
 * written before it.
 */
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../main/core/db/migrate';
import { MIGRATIONS } from '../../../main/core/db/migrations';
import type { Db } from '../../../main/core/db/open';
import { LabelStore } from '../../../main/core/labeling/label-store';
import { isConflict, LabelReview, latestAdjudications, standingByItem } from '../../../main/core/labeling/review';
import { LabelingService } from '../../../main/core/labeling/service';
import { agreementFromCells, STATS_CONFLICTS } from '../../../main/core/labeling/stats';
import { foldLabels, type LabelAction, type LabelStats, type PairLabel, type Side } from '../../../shared/labeling';
import { cohenKappa, krippendorffAlphaNominal, percentAgreement, positionBiasOf } from '../../../shared/stats/agreement';
import { freshDbEachTest } from '../../helpers/db';
import { shuffledPairsQueue } from '../../helpers/label-queue';

const freshDb = freshDbEachTest();

const LABELS: PairLabel[] = ['a', 'b', 'tie', 'both_bad'];

/** A queue of `pairs` pairs and four annotators' random key presses, re-serve answers and decisions on it. */
function randomQueue(d: Db, seed: number, pairs: number, presses: number): number {
  // Written through the stores, not the service, so the same code fills a workspace from before migration 0011.
  const store = new LabelStore(d);
  const { queueId, rand } = shuffledPairsQueue(store, seed, pairs, 3);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const annotators = ['ann', 'ben', 'cy', 'dee'].map((name) => store.findAnnotatorByName(name) ?? store.insertAnnotator(name));
  const items = store.itemSummaries(queueId).map((it) => it.id);
  const review = new LabelReview(d);
  store.transaction(() => {
    for (let i = 0; i < presses; i++) {
      const r = rand();
      const action: LabelAction = r < 0.7 ? 'label' : r < 0.85 ? 'skip' : 'undo';
      store.insertEvent({
        itemId: pick(items),
        annotatorId: pick(annotators),
        action,
        label: action === 'label' ? pick(LABELS) : null,
        shownLeft: pick<Side>(['a', 'b']),
        rationale: rand() < 0.3 ? `why ${i}` : null,
        confidence: rand() < 0.5 ? pick([1, 2, 3]) : null,
        msOnScreen: rand() < 0.9 ? Math.floor(rand() * 5000) : null,
      });
    }
    for (let i = 0; i < presses / 20; i++)
      review.store.insertRecheck({
        item_id: pick(items),
        annotator_id: pick(annotators),
        label: rand() < 0.8 ? pick(LABELS) : null,
        shown_left: pick<Side>(['a', 'b']),
        rationale: null,
        confidence: null,
        ms_on_screen: 100,
      });
    for (let i = 0; i < presses / 40; i++)
      review.store.insertAdjudication({ itemId: pick(items), annotatorId: pick(annotators), label: pick(LABELS), note: null });
  });
  return queueId;
}

/** The stats as the fold gives them (labeling.stats before migration 0011 computed exactly this from every event). */
function foldedStats(d: Db, queueId: number) {
  const store = new LabelStore(d);
  const review = new LabelReview(d);
  const events = store.queueEvents(queueId);
  const folded = foldLabels(events);
  const byItem = standingByItem(folded);
  const items = store.itemSummaries(queueId);
  const decided = latestAdjudications(review.store.queueAdjudications(queueId));
  const ids = [...new Set([...folded.values()].map((f) => f.annotatorId))].sort((x, y) => x - y);
  const names = new Map(ids.map((id) => [id, store.getAnnotator(id).name]));
  const annotators = ids.map((id) => {
    const own = [...folded.values()].filter((f) => f.annotatorId === id);
    const labeled = own.filter((f) => f.label !== null);
    const bias = positionBiasOf(labeled.map((f) => ({ label: f.label!, left: f.shownLeft })));
    const ms = events.filter((e) => e.annotatorId === id && e.action === 'label').reduce((s, e) => s + (e.msOnScreen ?? 0), 0);
    const swaps = review.store
      .queueRechecks(queueId)
      .filter((r) => r.annotator_id === id && r.label !== null && folded.get(`${r.item_id}:${id}`)?.label);
    const same = swaps.filter((r) => r.label === folded.get(`${r.item_id}:${id}`)!.label).length;
    return {
      annotatorId: id,
      name: names.get(id)!,
      labeled: labeled.length,
      skipped: own.filter((f) => f.label === null && f.lastAction === 'skip').length,
      events: events.filter((e) => e.annotatorId === id).length,
      labelsPerHour: ms > 0 ? labeled.length / (ms / 3_600_000) : null,
      positionBias: {
        n: bias.n,
        left: bias.left,
        share: bias.interval?.p ?? null,
        low: bias.interval?.low ?? null,
        high: bias.interval?.high ?? null,
        flagged: bias.flagged,
      },
      swapConsistency: { n: swaps.length, same, share: swaps.length ? same / swaps.length : null },
    };
  });
  const column = (id: number) => items.map((it) => byItem.get(it.id)?.find((f) => f.annotatorId === id)?.label ?? null);
  const pairs = [];
  for (let i = 0; i < ids.length; i++)
    for (let j = i + 1; j < ids.length; j++) {
      const pct = percentAgreement(column(ids[i]!), column(ids[j]!));
      const kappa = cohenKappa(column(ids[i]!), column(ids[j]!));
      const reason = kappa.reason ?? pct.reason;
      pairs.push({
        first: names.get(ids[i]!)!,
        second: names.get(ids[j]!)!,
        n: pct.n,
        percent: pct.agreement,
        kappa: kappa.kappa,
        ...(reason ? { reason } : {}),
      });
    }
  const alpha = krippendorffAlphaNominal(items.map((it) => (byItem.get(it.id) ?? []).map((f) => f.label)));
  const conflicts = items
    .filter((it) => isConflict((byItem.get(it.id) ?? []).map((f) => f.label!)))
    .map((it) => {
      const labels = (byItem.get(it.id) ?? []).sort((x, y) => x.annotatorId - y.annotatorId);
      return {
        itemId: it.id,
        position: it.position,
        contentHash: it.content_hash,
        labels: labels.map((f) => ({ annotator: names.get(f.annotatorId)!, label: f.label! })),
        decisive: labels.some((f) => f.label === 'a') && labels.some((f) => f.label === 'b'),
        adjudicated: decided.get(it.id)?.label ?? null,
        eventIds: labels.map((f) => f.eventId),
      };
    });
  let done = 0;
  let labels = 0;
  for (const list of byItem.values()) {
    labels += list.length;
    if (list.length >= 3) done += 1;
  }
  return { annotators, pairs, alpha, conflicts, done, labels, events };
}

/** The SQL path against the fold: every figure, the conflict list and every page of labeling.conflicts. */
function expectSameAsFold(d: Db, queueId: number): LabelStats {
  const stats = new LabelingService(d).stats(queueId);
  const fold = foldedStats(d, queueId);
  expect(stats.annotators).toEqual(fold.annotators);
  expect(stats.agreement.pairs).toEqual(fold.pairs);
  expect(stats.agreement.alphaUnits).toBe(fold.alpha.units);
  expect(stats.agreement.alphaReason).toBe(fold.alpha.reason);
  // Summed per group of pairs rather than pair by pair: equal up to the last bits of a double.
  if (fold.alpha.alpha === null) expect(stats.agreement.alpha).toBeNull();
  else expect(stats.agreement.alpha).toBeCloseTo(fold.alpha.alpha, 12);
  expect(stats.progress).toEqual({ total: stats.queue.total, done: fold.done, labels: fold.labels });
  expect(stats.queue.done).toBe(fold.done);
  const withoutEvents = fold.conflicts.map(({ eventIds: _, ...c }) => c);
  expect(stats.conflicts).toEqual(withoutEvents.slice(0, STATS_CONFLICTS));
  const adjudicated = fold.conflicts.filter((c) => c.adjudicated !== null);
  expect(stats.conflictCounts).toEqual({ open: fold.conflicts.length - adjudicated.length, adjudicated: adjudicated.length });
  expect(stats.decisiveConflicts).toBe(fold.conflicts.filter((c) => c.decisive).length);

  const review = new LabelReview(d);
  const details = new Map(fold.events.map((e) => [e.id, e]));
  for (const status of ['open', 'adjudicated', 'all'] as const) {
    const expected = fold.conflicts.filter((c) => status === 'all' || (status === 'adjudicated') === (c.adjudicated !== null));
    for (const [offset, limit] of [
      [0, 7],
      [7, 7],
      [expected.length - 3, 50],
      [0, 1000],
    ] as const) {
      const page = review.conflicts({ queueId, status, offset: Math.max(0, offset), limit });
      expect(page.total).toBe(expected.length);
      expect(
        page.conflicts.map((c) => ({
          itemId: c.itemId,
          position: c.position,
          decisive: c.decisive,
          adjudicated: c.adjudication?.label ?? null,
          labels: c.labels.map((l) => [l.annotator, l.label, l.rationale, l.confidence]),
        })),
      ).toEqual(
        expected.slice(Math.max(0, offset), Math.max(0, offset) + limit).map((c) => ({
          itemId: c.itemId,
          position: c.position,
          decisive: c.decisive,
          adjudicated: c.adjudicated,
          labels: c.labels.map((l, i) => [
            l.annotator,
            l.label,
            details.get(c.eventIds[i]!)!.rationale,
            details.get(c.eventIds[i]!)!.confidence,
          ]),
        })),
      );
    }
  }
  return stats;
}

describe('labeling stats in SQL against the fold', () => {
  it('gives the fold’s figures, conflict list and conflict pages on random queues', () => {
    const d = freshDb();
    migrate(d);
    for (const [seed, pairs, presses] of [
      [1, 40, 400],
      [2, 150, 1500],
      [3, 300, 1200],
      [4, 8, 60],
    ] as const) {
      const stats = expectSameAsFold(d, randomQueue(d, seed, pairs, presses));
      // The random queues hold what the comparison needs: skips, undone labels, pairs with 3 and 4 labels, re-serves, decisions.
      expect(stats.annotators.some((a) => a.skipped > 0)).toBe(true);
      expect(stats.annotators.some((a) => (a.swapConsistency?.n ?? 0) > 0)).toBe(true);
      if (seed === 2) {
        expect(stats.conflicts).toHaveLength(STATS_CONFLICTS);
        expect(stats.conflictCounts!.adjudicated).toBeGreaterThan(0);
      }
    }
  });

  it('a queue without events has no figures and says why', () => {
    const d = freshDb();
    migrate(d);
    const stats = expectSameAsFold(d, randomQueue(d, 5, 10, 0));
    expect(stats).toMatchObject({ annotators: [], conflicts: [], progress: { done: 0, labels: 0 }, agreement: { alpha: null, pairs: [] } });
  });

  it('migrations 0011 and 0012 build the standing labels and summaries of the events written before them', () => {
    const d = freshDb();
    migrate(
      d,
      MIGRATIONS.filter((m) => m.version < 11),
    );
    const queueId = randomQueue(d, 6, 120, 1200);
    migrate(d);
    expectSameAsFold(d, queueId);
    // And the trigger keeps them from then on.
    const store = new LabelStore(d);
    const [first] = store.itemSummaries(queueId);
    const annotatorId = store.listAnnotators()[0]!.id;
    for (const action of ['label', 'skip', 'undo', 'label'] as const)
      store.insertEvent({
        itemId: first!.id,
        annotatorId,
        action,
        label: action === 'label' ? 'b' : null,
        shownLeft: 'b',
        rationale: null,
        confidence: null,
        msOnScreen: 10,
      });
    expectSameAsFold(d, queueId);
  });
});

describe('agreement from a contingency table', () => {
  const lists = (cells: { x: PairLabel; y: PairLabel; n: number }[]) => [
    cells.flatMap((c) => Array<PairLabel>(c.n).fill(c.x)),
    cells.flatMap((c) => Array<PairLabel>(c.n).fill(c.y)),
  ];
  it('gives what percentAgreement and cohenKappa give on the lists, undefined cases with their reasons', () => {
    for (const cells of [
      [],
      [{ x: 'tie', y: 'tie', n: 7 }],
      [
        { x: 'a', y: 'a', n: 5 },
        { x: 'a', y: 'b', n: 2 },
        { x: 'both_bad', y: 'tie', n: 1 },
        { x: 'b', y: 'b', n: 3 },
      ],
    ] satisfies { x: PairLabel; y: PairLabel; n: number }[][]) {
      const [x, y] = lists(cells);
      const pct = percentAgreement(x!, y!);
      const kappa = cohenKappa(x!, y!);
      const reason = kappa.reason ?? pct.reason;
      expect(agreementFromCells(cells)).toEqual({ n: pct.n, percent: pct.agreement, kappa: kappa.kappa, ...(reason ? { reason } : {}) });
    }
  });
});
