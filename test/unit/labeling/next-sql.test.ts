/**
 * labeling.next (and labeling.record's undo target and re-serve check) read
 * indexed standing labels and per-pair votes (migrations 0011, 0012) instead
 * of folding every event of the queue on each key press. These tests hold
 * the SQL path to the fold-based implementation it replaced — kept here, as
 * the reference — on seeded random queues: labels, relabels, skips, undos,
 * answered re-serves, overlap 1 to 3, re-serve shares from none to all,
 * several annotators and the prefetch's `exclude`, checked all along the way
 * from an empty queue to a mostly closed one.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../main/core/db/open';
import { CandidateStore } from '../../../main/core/labeling/candidate-store';
import { LabelStore } from '../../../main/core/labeling/label-store';
import { LabelReview, pendingRechecks } from '../../../main/core/labeling/review';
import { LabelingService } from '../../../main/core/labeling/service';
import type { Message } from '../../../shared/datasets';
import {
  type FoldedLabel,
  foldLabels,
  isRecheckPick,
  type LabelAction,
  type PairLabel,
  shownLeftFor,
  type Side,
  undoTarget,
} from '../../../shared/labeling';
import { freshDbEachTest, mulberry32 } from '../../helpers/db';
import { shuffledPairsQueue } from '../../helpers/label-queue';

const freshDb = freshDbEachTest();

const LABELS: PairLabel[] = ['a', 'b', 'tie', 'both_bad'];

/** What `next` answers, reduced to what decides the screen. */
interface Served {
  itemId: number;
  reopened: boolean;
  remaining: number;
  /** The side of the pair shown on the left (swapped for a re-serve). */
  left: Side;
  recheck: boolean;
}

/**
 * labeling.next as it was before the SQL path: every event of the queue read
 * and folded per call (service.ts at 0f25969), answering the pair, whether an
 * undo reopened it, `remaining` and the screen order.
 */
function foldedNext(d: Db, queueId: number, annotatorId: number, exclude: readonly number[]): Served | null {
  const store = new LabelStore(d);
  const review = new LabelReview(d);
  const queue = store.queueRow(queueId);
  const events = store.foldEvents(queueId);
  const folded = foldLabels(events);
  const byItem = new Map<number, FoldedLabel[]>();
  for (const f of folded.values()) {
    if (f.label === null) continue;
    byItem.set(f.itemId, [...(byItem.get(f.itemId) ?? []), f]);
  }
  const mine = new Map<number, FoldedLabel>();
  for (const f of folded.values()) if (f.annotatorId === annotatorId) mine.set(f.itemId, f);
  const closed = new Set<number>();
  for (const [itemId, labels] of byItem) if (labels.length >= queue.overlap) closed.add(itemId);
  for (const own of mine.values()) if (own.label) closed.add(own.itemId);
  for (const id of exclude) closed.add(id);
  const remaining = store.itemCount(queueId) - closed.size;
  const served = (itemId: number, remaining: number, reopened = false, recheckLeft?: Side): Served => ({
    itemId,
    reopened,
    remaining,
    left: recheckLeft ?? shownLeftFor(queue.seed, itemId, annotatorId),
    recheck: recheckLeft !== undefined,
  });
  let lastOwn: (typeof events)[number] | undefined;
  for (let i = events.length - 1; i >= 0; i--)
    if (events[i]!.annotatorId === annotatorId) {
      lastOwn = events[i];
      break;
    }
  if (lastOwn?.action === 'undo' && !mine.get(lastOwn.itemId)?.label && !exclude.includes(lastOwn.itemId))
    return served(lastOwn.itemId, closed.has(lastOwn.itemId) ? remaining + 1 : remaining, true);
  const saving = exclude.filter((id) => !mine.get(id)?.label).length;
  const answered = new Set(review.store.answeredRechecks(queueId, annotatorId));
  const rechecks = pendingRechecks({ seed: queue.seed, share: queue.recheck_share }, annotatorId, events, folded, answered, saving).filter(
    (r) => !exclude.includes(r.itemId),
  );
  const due = rechecks.find((r) => r.due);
  if (due) return served(due.itemId, remaining + 1, false, due.shownLeft);
  let firstSkipped: number | undefined;
  for (let after = -1; ;) {
    const page = store.itemsAfter(queueId, after, 7);
    for (const { id } of page) {
      if (closed.has(id)) continue;
      if (mine.get(id)?.lastAction === 'skip') firstSkipped ??= id;
      else return served(id, remaining);
    }
    if (page.length < 7) break;
    after = page[page.length - 1]!.position;
  }
  const recheck = rechecks[0];
  if (recheck) return served(recheck.itemId, remaining + 1, false, recheck.shownLeft);
  return firstSkipped === undefined ? null : served(firstSkipped, remaining);
}

/** What the service's `next` showed, in the same terms (the left response tells which side is on the left). */
function servedBy(service: LabelingService, queueId: number, annotatorId: number, exclude: readonly number[]): Served | null {
  const item = service.next(queueId, annotatorId, exclude);
  if (!item) return null;
  const a = JSON.parse(service.store.item(item.id).response_a) as Message[];
  return {
    itemId: item.id,
    reopened: item.reopened,
    remaining: item.remaining,
    left: JSON.stringify(item.left) === JSON.stringify(a) ? 'a' : 'b',
    recheck: item.recheck === true,
  };
}

/** A queue of `pairs` pairs in a shuffled order, with this overlap and re-serve share. */
function makeQueue(d: Db, seed: number, pairs: number, overlap: number, share: number) {
  const store = new LabelStore(d);
  const { queueId } = shuffledPairsQueue(store, seed, pairs, overlap);
  new LabelReview(d).store.setRecheckShare(queueId, share);
  return { queueId, items: store.itemSummaries(queueId).map((it) => it.id) };
}

describe('labeling.next from indexed reads', () => {
  it('serves what the fold served, at every step of random queues from empty to mostly closed', () => {
    const d = freshDb({ migrated: true });
    const store = new LabelStore(d);
    const review = new LabelReview(d);
    const annotators = ['ann', 'ben', 'cy'].map((name) => store.insertAnnotator(name));
    let compared = 0;
    const seen = { reopened: 0, recheck: 0, due: 0, none: 0, skippedBack: 0 };
    for (const [seed, overlap, share] of [
      [1, 1, 0.3],
      [2, 2, 1],
      [3, 3, 0.5],
      [4, 1, 0],
      [5, 2, 0.05],
      [6, 1, 1],
    ] as const) {
      const { queueId, items } = makeQueue(d, seed, 24, overlap, share);
      // A second queue takes events between this one's, so per-queue reads must ignore them.
      const other = makeQueue(d, seed + 100, 5, 1, 1);
      const service = new LabelingService(d);
      const rand = mulberry32(seed * 7919);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
      for (let step = 0; step < 160; step++) {
        const annotatorId = pick(annotators);
        const r = rand();
        // Mostly what the labeler does (label the pair served), sometimes any pair, a skip, an undo or a re-serve's answer.
        const served = service.next(queueId, annotatorId);
        const itemId = served && rand() < 0.8 ? served.id : pick(items);
        const action: LabelAction = r < 0.75 ? 'label' : r < 0.87 ? 'skip' : 'undo';
        if (served?.recheck && rand() < 0.7)
          review.store.insertRecheck({
            item_id: served.id,
            annotator_id: annotatorId,
            label: rand() < 0.8 ? pick(LABELS) : null,
            shown_left: pick<Side>(['a', 'b']),
            rationale: null,
            confidence: null,
            ms_on_screen: 100,
          });
        else
          store.insertEvent({
            itemId,
            annotatorId,
            action,
            label: action === 'label' ? pick(LABELS) : null,
            shownLeft: pick<Side>(['a', 'b']),
            rationale: null,
            confidence: null,
            msOnScreen: 100,
          });
        if (rand() < 0.2)
          store.insertEvent({
            itemId: pick(other.items),
            annotatorId: pick(annotators),
            action: 'label',
            label: pick(LABELS),
            shownLeft: 'a',
            rationale: null,
            confidence: null,
            msOnScreen: 100,
          });
        for (const who of annotators) {
          // The prefetch passes over pairs being saved: none, some (a duplicate, a pair of another queue), or the whole queue.
          const excludes = [[], [pick(items)], [pick(items), pick(items), pick(items), pick(other.items)], rand() < 0.1 ? items : []];
          for (const exclude of excludes) {
            const expected = foldedNext(d, queueId, who, exclude);
            expect({ step, who, exclude, served: servedBy(service, queueId, who, exclude) }).toEqual({
              step,
              who,
              exclude,
              served: expected,
            });
            compared++;
            if (!expected) seen.none++;
            else if (expected.reopened) seen.reopened++;
            else if (expected.recheck) seen.recheck++;
            else if (store.standingOf(queueId, expected.itemId, who)?.last_action === 'skip') seen.skippedBack++;
          }
          // labeling.record's undo target: the annotator's latest label that still stands.
          const ownEvents = store.foldEvents(queueId).filter((e) => e.annotatorId === who);
          expect(store.latestStandingLabel(queueId, who) ?? null).toBe(undoTarget(ownEvents, who));
        }
        if (step % 20 === 19) {
          // Every 20 steps, each pair picked for a re-serve: an answer to it goes to the re-serve exactly when the fold has one pending.
          const queue = store.queueRow(queueId);
          for (const who of annotators)
            for (const itemId of items) {
              if (!isRecheckPick(queue.seed, itemId, who, queue.recheck_share)) continue;
              const events = store.foldEvents(queueId);
              const answered = new Set(review.store.answeredRechecks(queueId, who));
              const expected = pendingRechecks(
                { seed: queue.seed, share: queue.recheck_share },
                who,
                events,
                foldLabels(events),
                answered,
              ).find((p) => p.itemId === itemId);
              const pending = (service as unknown as { pendingRecheck: (q: unknown, a: number, i: number) => unknown }).pendingRecheck(
                queue,
                who,
                itemId,
              );
              expect(pending).toEqual(expected);
              if (expected?.due) seen.due++;
            }
        }
      }
    }
    // The random walk reached every branch of next, so the comparison covers them all.
    expect(compared).toBeGreaterThan(5000);
    for (const [branch, n] of Object.entries(seen)) expect({ branch, n: n > 0 }).toEqual({ branch, n: true });
  });
  it('starts the walk over when another connection reorders the queue (the uncertainty job’s worker), as it does after an undo', () => {
    const d = freshDb({ migrated: true });
    const store = new LabelStore(d);
    const ann = store.insertAnnotator('ann');
    const { queueId, items } = makeQueue(d, 9, 12, 1, 0);
    const service = new LabelingService(d);
    // The first six pairs in the queue's order are labeled: the cursor stands at the seventh.
    const ordered = store.itemSummaries(queueId).map((it) => it.id);
    for (const itemId of ordered.slice(0, 6))
      store.insertEvent({
        itemId,
        annotatorId: ann,
        action: 'label',
        label: 'a',
        shownLeft: 'a',
        rationale: null,
        confidence: null,
        msOnScreen: 1,
      });
    expect(service.next(queueId, ann)?.id).toBe(ordered[6]);
    // A worker's connection puts the last pair first, as an uncertainty order does.
    const worker = openDatabase(join(d.name, '..', 'studio.db'));
    try {
      const candidates = new CandidateStore(worker);
      candidates.putMargins(
        'scorer',
        'model',
        items.map((itemId) => ({
          itemId,
          margin: itemId === ordered[11] ? -1 : 1,
          logpA: null,
          logpB: null,
          tokensA: null,
          tokensB: null,
        })),
      );
      candidates.transaction(
        () => candidates.applyUncertainOrder(queueId, { modelHash: 'model', modelName: 'm', scorerKey: 'scorer' }),
        'immediate',
      );
    } finally {
      worker.close();
    }
    expect(service.next(queueId, ann)?.id).toBe(ordered[11]);
    expect(foldedNext(d, queueId, ann, [])?.itemId).toBe(ordered[11]);
  });
});
