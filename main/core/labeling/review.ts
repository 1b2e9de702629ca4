import type { Message } from '../../../shared/datasets';
import {
  type Adjudication,
  type ConflictDetail,
  decidePair,
  type FoldedLabel,
  type FoldEvent,
  foldLabels,
  isRecheckPick,
  type LabelEvent,
  type PairLabel,
  pairLabelOf,
  type ScreenChoice,
  type Side,
} from '../../../shared/labeling';
import { StudioError } from '../../../shared/result';
import type { Db } from '../db/open';
import { LabelStore } from './label-store';
import { type AdjudicationRow, ReviewStore } from './review-store';
import { StatsStore } from './stats-store';

/**
 * How many of an annotator's own labels come between a label and its swapped
 * re-serve, so the re-serve is not the pair they just saw. When nothing else
 * is left for them, every pending re-serve comes, gap or not.
 */
export const RECHECK_GAP = 10;

export const DEFAULT_RECHECK_SHARE = 0.05;

const swapped = (side: Side): Side => (side === 'a' ? 'b' : 'a');

/** A re-serve waiting for an annotator: a pair they labeled, with the screen order swapped from that label's. */
export interface PendingRecheck {
  itemId: number;
  shownLeft: Side;
  /** At least RECHECK_GAP of their labels came after it. */
  due: boolean;
}

/**
 * The annotator's re-serves still to come, oldest label first: their standing
 * labels on pairs the queue's seed picks for a recheck (about `share` of
 * them) that they have not answered (or skipped) yet.
 */
export function pendingRechecks(
  queue: { seed: number; share: number },
  annotatorId: number,
  events: readonly FoldEvent[],
  folded: Map<string, FoldedLabel>,
  answered: ReadonlySet<number>,
  /** Labels about to be written (the labeler's prefetch passes over the pairs being saved): they count towards the gap. */
  pendingLabels = 0,
): PendingRecheck[] {
  if (queue.share <= 0) return [];
  const ownLabels = events.filter((e) => e.annotatorId === annotatorId && e.action === 'label').map((e) => e.id);
  const rank = new Map(ownLabels.map((id, i) => [id, i]));
  const out: (PendingRecheck & { eventId: number })[] = [];
  for (const f of folded.values()) {
    if (f.annotatorId !== annotatorId || f.label === null || answered.has(f.itemId)) continue;
    if (!isRecheckPick(queue.seed, f.itemId, annotatorId, queue.share)) continue;
    const later = ownLabels.length - 1 - (rank.get(f.eventId) ?? ownLabels.length - 1);
    out.push({ itemId: f.itemId, shownLeft: swapped(f.shownLeft), due: later + pendingLabels >= RECHECK_GAP, eventId: f.eventId });
  }
  return out.sort((x, y) => x.eventId - y.eventId).map(({ itemId, shownLeft, due }) => ({ itemId, shownLeft, due }));
}

const toAdjudication = (r: AdjudicationRow): Adjudication => ({
  id: r.id,
  itemId: r.item_id,
  annotatorId: r.annotator_id,
  annotator: r.annotator,
  label: r.label,
  note: r.note,
  createdAt: r.created_at,
});

/** The standing decision per item: the latest adjudication. */
export function latestAdjudications(rows: readonly AdjudicationRow[]): Map<number, AdjudicationRow> {
  const out = new Map<number, AdjudicationRow>();
  for (const r of rows) out.set(r.item_id, r);
  return out;
}

/** Whether the standing labels of a pair disagree (two or more labels, not all the same). */
export const isConflict = (labels: readonly PairLabel[]) => labels.length >= 2 && new Set(labels).size > 1;

/** Drafts, re-serves, conflicts and adjudication of label queues. */
export class LabelReview {
  readonly store: ReviewStore;
  private readonly labels: LabelStore;

  constructor(db: Db) {
    this.store = new ReviewStore(db);
    this.labels = new LabelStore(db);
  }

  /** Saves the rationale being typed for a pair (replacing the last one); an empty one removes the draft. */
  saveDraft(args: { queueId: number; annotatorId: number; itemId: number; rationale: string }): { saved: boolean } {
    const queue = this.labels.queueRow(args.queueId);
    this.labels.getAnnotator(args.annotatorId);
    const item = this.labels.item(args.itemId);
    if (item.queue_id !== queue.id)
      throw new StudioError('INVALID_ARGUMENT', `Pair #${item.id} is not in queue "${queue.name}".`, { itemId: item.id });
    if (args.rationale.trim()) this.store.saveDraft(item.id, args.annotatorId, args.rationale);
    else this.store.clearDraft(item.id, args.annotatorId);
    return { saved: true };
  }

  /**
   * Writes the answer to a swap re-serve (the caller's transaction): a label
   * in the pair's own order, mapped from the swapped screen, or a skip (null,
   * and the pair is not re-served again). The draft rationale goes with it.
   */
  recordRecheck(
    recheck: PendingRecheck,
    args: {
      annotatorId: number;
      action: 'label' | 'skip' | 'undo';
      choice?: ScreenChoice | undefined;
      rationale?: string | undefined;
      confidence?: number | undefined;
      msOnScreen?: number | undefined;
    },
  ): LabelEvent {
    const draft = this.store.draft(recheck.itemId, args.annotatorId);
    if (args.action === 'label') this.store.clearDraft(recheck.itemId, args.annotatorId);
    const id = this.store.insertRecheck({
      item_id: recheck.itemId,
      annotator_id: args.annotatorId,
      label: args.action === 'label' ? pairLabelOf(args.choice!, recheck.shownLeft) : null,
      shown_left: recheck.shownLeft,
      rationale: args.rationale?.trim() ? args.rationale : args.action === 'label' ? draft : null,
      confidence: args.confidence ?? null,
      ms_on_screen: args.msOnScreen ?? null,
    });
    const r = this.store.recheck(id);
    return {
      id: r.id,
      itemId: r.item_id,
      annotatorId: r.annotator_id,
      action: r.label === null ? 'skip' : 'label',
      label: r.label,
      shownLeft: r.shown_left,
      rationale: r.rationale,
      confidence: r.confidence,
      msOnScreen: r.ms_on_screen,
      createdAt: r.created_at,
      recheck: true,
    };
  }

  /**
   * The conflict queue: pairs whose standing labels disagree, in the queue's
   * order, with each label's rationale and confidence. The page is a range of
   * the conflict index (stats-store.ts), and only its pairs are read
   * whole.
   */
  conflicts(args: { queueId: number; status: 'open' | 'adjudicated' | 'all'; offset: number; limit: number }): {
    total: number;
    conflicts: ConflictDetail[];
  } {
    this.labels.queueRow(args.queueId);
    const stats = new StatsStore(this.store.db);
    let conflicting = 0;
    for (const s of stats.signatures(args.queueId))
      if ([s.a, s.b, s.tie, s.both_bad].filter((c) => c > 0).length > 1) conflicting += s.units;
    const adjudicated = args.status === 'all' ? 0 : stats.adjudicatedConflicts(args.queueId);
    const total = args.status === 'all' ? conflicting : args.status === 'adjudicated' ? adjudicated : conflicting - adjudicated;
    const page = stats.conflictItems(args.queueId, args.status, args.offset, args.limit);
    const standing = stats.standingOn(
      args.queueId,
      page.map((c) => c.item_id),
    );
    const decided = latestAdjudications(this.store.queueAdjudications(args.queueId));
    const names = new Map(this.labels.listAnnotators().map((a) => [a.id, a.name]));
    // Rationale and confidence are read for the page's labels only.
    const details = this.store.eventDetails(standing.map((r) => r.event_id));
    const conflicts = page.map((c): ConflictDetail => {
      const item = this.labels.item(c.item_id);
      const labels = standing.filter((r) => r.item_id === item.id);
      const adjudication = decided.get(item.id);
      return {
        itemId: item.id,
        position: item.position,
        contentHash: item.content_hash,
        prompt: JSON.parse(item.prompt) as Message[],
        system: item.system,
        a: JSON.parse(item.response_a) as Message[],
        b: JSON.parse(item.response_b) as Message[],
        labels: labels.map((r) => ({
          annotatorId: r.annotator_id,
          annotator: names.get(r.annotator_id) ?? `#${r.annotator_id}`,
          label: r.label,
          rationale: details.get(r.event_id)?.rationale ?? null,
          confidence: details.get(r.event_id)?.confidence ?? null,
        })),
        decisive: labels.some((r) => r.label === 'a') && labels.some((r) => r.label === 'b'),
        adjudication: adjudication ? toAdjudication(adjudication) : null,
      };
    });
    return { total, conflicts };
  }

  /**
   * Records a decision on a pair: it becomes the pair's label (building a
   * dataset takes it before any vote) while every annotator's label stays.
   * A later decision on the same pair supersedes this one.
   */
  adjudicate(args: { queueId: number; itemId: number; annotatorId: number; label: PairLabel; note?: string | undefined }): Adjudication {
    const queue = this.labels.queueRow(args.queueId);
    this.labels.getAnnotator(args.annotatorId);
    const item = this.labels.item(args.itemId);
    if (item.queue_id !== queue.id)
      throw new StudioError('INVALID_ARGUMENT', `Pair #${item.id} is not in queue "${queue.name}".`, { itemId: item.id });
    const id = this.store.transaction(
      () =>
        this.store.insertAdjudication({
          itemId: item.id,
          annotatorId: args.annotatorId,
          label: args.label,
          note: args.note?.trim() ? args.note.trim() : null,
        }),
      'immediate',
    );
    return toAdjudication(this.store.adjudication(id));
  }

  /** Each pair's decision (adjudication first, then the vote) with its standing labels. */
  decisions(queueId: number, minVotes: number) {
    const folded = foldLabels(this.labels.foldEvents(queueId));
    const byItem = standingByItem(folded);
    const decided = latestAdjudications(this.store.queueAdjudications(queueId));
    return this.labels.itemSummaries(queueId).map((it) => {
      const labels = byItem.get(it.id) ?? [];
      const adjudication = decided.get(it.id) ?? null;
      return {
        itemId: it.id,
        labels,
        adjudication,
        ...decidePair(
          labels.map((f) => f.label!),
          adjudication?.label ?? null,
          minVotes,
        ),
      };
    });
  }
}

/** Standing (non-null) labels per item. */
export function standingByItem(folded: Map<string, FoldedLabel>): Map<number, FoldedLabel[]> {
  const out = new Map<number, FoldedLabel[]>();
  for (const f of folded.values()) {
    if (f.label === null) continue;
    let list = out.get(f.itemId);
    if (!list) out.set(f.itemId, (list = []));
    list.push(f);
  }
  return out;
}
