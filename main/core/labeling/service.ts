import type { Message, RecordContent, RecordFilter } from '../../../shared/datasets';
import {
  type Annotator,
  isRecheckPick,
  type LabelEvent,
  type LabelItem,
  type LabelQueue,
  type LabelStats,
  type PairLabel,
  pairLabelOf,
  type QueueKind,
  type ScreenChoice,
  shownLeftFor,
  type Side,
} from '../../../shared/labeling';
import { StudioError } from '../../../shared/result';
import type { Db } from '../db/open';
import type { Handlers } from '../handlers';
import { type ItemRow, LabelStore, type NewItem, type QueueRow, type SourceRecord } from './label-store';
import { CandidateStore } from './candidate-store';
import { pairHash } from './pair-hash';
import { buildPrompts, seededPositions } from './candidates';
import { candidateQueueFields, type CandidateMethods, queueRecords } from './candidates-service';
import { DatasetStore } from '../datasets/store';
import { getSnapshot } from '../datasets/snapshots';
import { type JobParams, resultOf } from '../jobs/registry';
import type { JobSupervisor } from '../jobs/supervisor';
import { exportTarget } from './label-files';
import { DEFAULT_RECHECK_SHARE, LabelReview, type PendingRecheck, RECHECK_GAP } from './review';
import { queueStats } from './stats';
import { StatsStore } from './stats-store';

const swapped = (side: Side): Side => (side === 'a' ? 'b' : 'a');

/** Reviewing labels (drafts, conflicts, adjudication, label files, datasets from labels): labelReviewHandlers. */
type ReviewMethods =
  | 'labeling.saveDraft'
  | 'labeling.conflicts'
  | 'labeling.adjudicate'
  | 'labeling.exportLabels'
  | 'labeling.importLabels'
  | 'labeling.startImport'
  | 'labeling.build'
  | 'labeling.startBuild';
type LabelingMethods = Exclude<Extract<keyof Handlers, `labeling.${string}`>, ReviewMethods | CandidateMethods>;

// The pair's content hash lives in its own module so job kinds can use it without importing this service.
export { pairHash };

const textOf = (messages: Message[]) => messages.map((m) => `${m.role}\u0000${m.content.trim()}`).join('\u0001');

/** The pair of a record in its own order (a = chosen for a preference record), or why it has none. */
function pairOf(content: RecordContent): { a: Message[]; b: Message[] } | { none: 'prompt-only' | 'not-two' } {
  if (content.kind === 'preference' && content.chosen && content.rejected) return { a: content.chosen, b: content.rejected };
  if (content.kind === 'unlabeled-pair' && content.responses?.length === 2) return { a: content.responses[0]!, b: content.responses[1]! };
  if (content.kind === 'prompt-only') return { none: 'prompt-only' };
  return { none: 'not-two' };
}

const listIds = (ids: number[]) =>
  ids.length > 5
    ? `${ids
        .slice(0, 5)
        .map((i) => `#${i}`)
        .join(', ')}, …`
    : ids.map((i) => `#${i}`).join(', ');

/** The items of a 'pairs' queue from source records, with what was left out and why. */
export function buildPairItems(
  records: readonly SourceRecord[],
  order: 'stored' | 'random',
  seed: number,
): { items: NewItem[]; notes: string[]; skipped: number } {
  const items: NewItem[] = [];
  const identical: number[] = [];
  const promptOnly: number[] = [];
  const notTwo: number[] = [];
  records.forEach((r, index) => {
    const ref = r.recordId ?? index + 1;
    const pair = pairOf(r.content);
    if ('none' in pair) {
      (pair.none === 'prompt-only' ? promptOnly : notTwo).push(ref);
      return;
    }
    if (textOf(pair.a) === textOf(pair.b)) {
      identical.push(ref);
      return;
    }
    items.push({
      recordId: r.recordId,
      prompt: JSON.stringify(r.content.prompt),
      system: r.content.system,
      a: JSON.stringify(pair.a),
      b: JSON.stringify(pair.b),
      contentHash: pairHash(r.content.prompt, pair.a, pair.b),
      position: items.length,
    });
  });
  if (order === 'random') {
    const positions = seededPositions(items.length, seed);
    items.forEach((it, i) => (it.position = positions[i]!));
  }
  const notes: string[] = [];
  if (identical.length)
    notes.push(`${identical.length} pair(s) skipped: their two responses are identical (records ${listIds(identical)}).`);
  if (promptOnly.length)
    notes.push(
      `${promptOnly.length} prompt-only record(s) left out: they need candidates generated first (records ${listIds(promptOnly)}).`,
    );
  if (notTwo.length) notes.push(`${notTwo.length} record(s) left out: not exactly two responses (records ${listIds(notTwo)}).`);
  return { items, notes, skipped: identical.length + promptOnly.length + notTwo.length };
}

/**
 * The labeling core: queues from datasets or snapshots, the next pair for an
 * annotator, events (each written in its own transaction before the call
 * answers), and progress and agreement folded from the events.
 */
export class LabelingService {
  readonly store: LabelStore;
  /** Seeded re-serve picks per queue and annotator (recheckPicks). */
  private readonly picks = new Map<string, { version: string; ids: number[] }>();
  /** Per queue and annotator with overlap above 1, their labeled pairs still short of it (ownShortPairs). */
  private readonly shortPairs = new Map<string, { eventId: number; dataVersion: number; shape: string; ids: Set<number> }>();
  /** Per queue and annotator, where the walk for the first open pair starts (firstOpen). */
  private readonly cursors = new Map<string, { position: number; eventId: number; dataVersion: number; shape: string }>();
  /** Drafts, swap re-serves, conflicts and adjudication (review.ts). */
  readonly review: LabelReview;

  constructor(db: Db) {
    this.store = new LabelStore(db);
    this.review = new LabelReview(db);
  }

  annotators(): Annotator[] {
    return this.store.listAnnotators();
  }

  createAnnotator(name: string): Annotator {
    const trimmed = name.trim();
    if (!trimmed) throw new StudioError('INVALID_ARGUMENT', 'An annotator needs a name.');
    if (this.store.findAnnotatorByName(trimmed) !== undefined)
      throw new StudioError('CONFLICT', `An annotator named "${trimmed}" already exists.`, { name: trimmed });
    return this.store.getAnnotator(this.store.insertAnnotator(trimmed));
  }

  private toQueue(row: QueueRow): LabelQueue {
    const total = this.store.itemCount(row.id);
    // Pairs k annotators have labeled, counted in SQL over the standing labels (migration 0011), not folded from events.
    const done = new StatsStore(this.store.db).doneCount(row.id, row.overlap);
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      datasetId: row.dataset_id,
      snapshotId: row.snapshot_id,
      guidelines: row.guidelines,
      order: row.item_order,
      seed: row.seed,
      overlap: row.overlap,
      recheckShare: row.recheck_share,
      total,
      done,
      skipped: row.skipped,
      notes: JSON.parse(row.notes) as string[],
      createdAt: row.created_at,
      ...candidateQueueFields(this.store.db, row.id, row.kind),
    };
  }

  queues(): LabelQueue[] {
    return this.store.queueIds().map((id) => this.toQueue(this.store.queueRow(id)));
  }

  queue(id: number): LabelQueue {
    return this.toQueue(this.store.queueRow(id));
  }

  createQueue(args: {
    name: string;
    kind: QueueKind;
    datasetId?: number | undefined;
    snapshotId?: number | undefined;
    guidelines: string;
    order: 'stored' | 'random';
    seed: number;
    overlap: number;
    recheckShare?: number | undefined;
    recordIds?: number[] | undefined;
    filter?: RecordFilter | undefined;
  }): LabelQueue {
    const name = args.name.trim();
    if (!name) throw new StudioError('INVALID_ARGUMENT', 'A label queue needs a name.');
    if ((args.datasetId === undefined) === (args.snapshotId === undefined))
      throw new StudioError('INVALID_ARGUMENT', 'Make a queue from either a dataset or a snapshot (one of datasetId, snapshotId).');
    if (this.store.findQueueByName(name) !== undefined)
      throw new StudioError('CONFLICT', `A label queue named "${name}" already exists.`, { name });
    return this.store.transaction(() => {
      let records: SourceRecord[];
      let datasetId: number | null = args.datasetId ?? null;
      if (args.snapshotId !== undefined) {
        datasetId = this.store.snapshotDataset(args.snapshotId);
        records = this.store.snapshotRecords(args.snapshotId);
      } else {
        this.store.assertDataset(args.datasetId!);
        records = this.store.datasetRecords(args.datasetId!);
      }
      records = queueRecords(this.store.db, records, datasetId!, args);
      // Prompts and arena queues hold prompts until labeling.generateCandidates fills them with pairs.
      const prompts = args.kind === 'prompts' || args.kind === 'arena' ? buildPrompts(records, args.order, args.seed) : null;
      const built = prompts
        ? { items: [], notes: prompts.notes, skipped: prompts.skipped }
        : buildPairItems(records, args.order, args.seed);
      if (prompts ? prompts.prompts.length === 0 : built.items.length === 0)
        throw new StudioError(
          'INVALID_ARGUMENT',
          `There is no ${prompts ? 'prompt' : 'pair'} to label in that source. ${built.notes.join(' ')}`.trim(),
          { notes: built.notes },
        );
      const id = this.store.insertQueue({
        name,
        kind: args.kind,
        datasetId,
        snapshotId: args.snapshotId ?? null,
        guidelines: args.guidelines,
        order: args.order,
        seed: args.seed,
        overlap: args.overlap,
        skipped: built.skipped,
        notes: built.notes,
      });
      this.store.insertItems(id, built.items);
      if (prompts) new CandidateStore(this.store.db).insertPrompts(id, prompts.prompts);
      this.review.store.setRecheckShare(id, args.recheckShare ?? DEFAULT_RECHECK_SHARE);
      return this.queue(id);
    }, 'immediate');
  }

  private shownLeft(queue: QueueRow, itemId: number, annotatorId: number): Side {
    return shownLeftFor(queue.seed, itemId, annotatorId);
  }

  /** The item as shown; `recheckLeft` is the swapped screen order of a re-serve. */
  private toItem(queue: QueueRow, item: ItemRow, annotatorId: number, reopened: boolean, remaining: number, recheckLeft?: Side): LabelItem {
    const a = JSON.parse(item.response_a) as Message[];
    const b = JSON.parse(item.response_b) as Message[];
    const left = recheckLeft ?? this.shownLeft(queue, item.id, annotatorId);
    return {
      id: item.id,
      queueId: item.queue_id,
      recordId: item.record_id,
      position: item.position,
      prompt: JSON.parse(item.prompt) as Message[],
      system: item.system,
      left: left === 'a' ? a : b,
      right: left === 'a' ? b : a,
      contentHash: item.content_hash,
      reopened,
      remaining,
      draft: this.review.store.draft(item.id, annotatorId),
      recheck: recheckLeft !== undefined,
    };
  }

  /**
   * The seeded re-serve picks among the queue's pairs for this annotator
   * (about recheck_share of them) not answered yet: hashing every pair id is
   * done once per queue and annotator, again only when pairs are added (the
   * queue's row, with its creation time, and the newest pair id name the
   * list). An answered re-serve stays answered, so answered picks leave the list.
   */
  private recheckPicks(queue: QueueRow, annotatorId: number, answered: ReadonlySet<number>): number[] {
    const key = `${queue.id}:${annotatorId}`;
    const version = `${JSON.stringify(queue)}:${this.store.lastItemId()}`;
    let cached = this.picks.get(key);
    if (cached?.version !== version) {
      const ids = this.store.itemIds(queue.id).filter((id) => isRecheckPick(queue.seed, id, annotatorId, queue.recheck_share));
      this.picks.set(key, (cached = { version, ids }));
    }
    cached.ids = cached.ids.filter((id) => !answered.has(id));
    return cached.ids;
  }

  /**
   * The annotator's swap re-serves still to come, oldest label first — what
   * pendingRechecks (review.ts) makes of the fold, from indexed reads: their
   * standing labels on the seeded picks, less the answered ones; a re-serve is
   * due once RECHECK_GAP of their labels (counting `pendingLabels`) came after
   * its label, i.e. its label is older than their RECHECK_GAP-th latest.
   */
  private rechecksOf(queue: QueueRow, annotatorId: number, pendingLabels = 0): PendingRecheck[] {
    if (queue.recheck_share <= 0) return [];
    const answered = new Set(this.review.store.answeredRechecks(queue.id, annotatorId));
    const labels = this.store.standingLabelsOn(queue.id, annotatorId, this.recheckPicks(queue, annotatorId, answered));
    if (labels.length === 0) return [];
    const gap = RECHECK_GAP - pendingLabels;
    const threshold = gap <= 0 ? Infinity : (this.store.ownLabelEventFromEnd(queue.id, annotatorId, gap) ?? -Infinity);
    return labels.map((s) => ({ itemId: s.item_id, shownLeft: swapped(s.shown_left), due: s.event_id < threshold }));
  }

  /**
   * How many pairs this annotator labeled still hold fewer than k standing
   * labels (they are closed to them but not done). Read over the queue once,
   * then kept: a pair's membership changes only with an event on it, so only
   * the pairs of events since are read again (everything is read again after
   * another connection's commit or a change to the queue's row or pairs).
   */
  private ownShortPairs(queue: QueueRow, annotatorId: number): number {
    const key = `${queue.id}:${annotatorId}`;
    const shape = `${JSON.stringify(queue)}:${this.store.lastItemId()}`;
    const stamp = { eventId: this.store.lastEventId(), dataVersion: this.store.dataVersion() };
    const kept = this.shortPairs.get(key);
    if (kept && kept.shape === shape && kept.dataVersion === stamp.dataVersion) {
      const touched = this.store.itemsWithEventsSince(queue.id, kept.eventId);
      if (touched.length > 0) {
        for (const id of touched) kept.ids.delete(id);
        for (const id of this.store.ownLabelsUnderOverlap(queue.id, annotatorId, queue.overlap, touched)) kept.ids.add(id);
      }
      kept.eventId = stamp.eventId;
      return kept.ids.size;
    }
    const ids = new Set(this.store.ownLabelsUnderOverlap(queue.id, annotatorId, queue.overlap));
    this.shortPairs.set(key, { ...stamp, shape, ids });
    return ids.size;
  }

  /**
   * The next pair for this annotator: the pair their last undo reopened, else
   * the first pair in the queue's order they have neither labeled nor skipped
   * and fewer than k annotators have labeled; skipped pairs come back once
   * nothing else is left. Null when the queue is done for them.
   *
   * Every read is indexed (standing labels and per-pair votes kept by triggers,
   * migrations 0011 and 0012): no event log is read or folded, so a key press
   * costs about the same at the start of a 100k queue as near its end.
   */
  next(queueId: number, annotatorId: number, exclude: readonly number[] = []): LabelItem | null {
    const queue = this.store.queueRow(queueId);
    this.store.getAnnotator(annotatorId);
    const ownLabel = (itemId: number) => this.store.standingOf(queueId, itemId, annotatorId)?.label ?? null;
    const closedByVotes = (itemId: number) => this.store.votesOn(queueId, itemId) >= queue.overlap;
    // Closed to this annotator: pairs with k standing labels, pairs they labeled, and passed-over pairs (counted as labeled,
    // so `remaining` is what it will be once they are).
    const excluded = new Set(exclude);
    let closed = new StatsStore(this.store.db).doneCount(queueId, queue.overlap);
    if (queue.overlap > 1) closed += this.ownShortPairs(queue, annotatorId);
    for (const id of excluded) if (!closedByVotes(id) && ownLabel(id) === null) closed++;
    const remaining = this.store.itemCount(queueId) - closed;
    const lastOwn = this.store.lastOwnEvent(queueId, annotatorId);
    if (lastOwn?.action === 'undo' && ownLabel(lastOwn.item_id) === null && !excluded.has(lastOwn.item_id)) {
      const reopened = this.store.item(lastOwn.item_id);
      return this.toItem(queue, reopened, annotatorId, true, closedByVotes(reopened.id) ? remaining + 1 : remaining);
    }
    // Swap re-serves come once enough of the annotator's labels lie between (any left come when nothing else is).
    // A prefetch passes over the pairs being saved: their labels count towards a re-serve's gap, as they will once written.
    const saving = exclude.filter((id) => ownLabel(id) === null).length;
    const rechecks = this.rechecksOf(queue, annotatorId, saving).filter((r) => !excluded.has(r.itemId));
    const due = rechecks.find((r) => r.due);
    // `remaining` counts pairs still to label; a re-serve on screen counts itself on top.
    if (due) return this.toItem(queue, this.store.item(due.itemId), annotatorId, false, remaining + 1, due.shownLeft);
    const open = this.firstOpen(queue, annotatorId, exclude);
    if (open !== undefined) return this.toItem(queue, this.store.item(open), annotatorId, false, remaining);
    const recheck = rechecks[0];
    if (recheck) return this.toItem(queue, this.store.item(recheck.itemId), annotatorId, false, remaining + 1, recheck.shownLeft);
    const skipped = this.store.firstOpenItem(queueId, annotatorId, queue.overlap, exclude, true);
    return skipped === undefined ? null : this.toItem(queue, this.store.item(skipped.id), annotatorId, false, remaining);
  }

  /**
   * The first open pair (neither closed nor skipped by them) at or after the
   * annotator's cursor: the position of the first one found last time. Pairs
   * before it stay closed until an undo on the queue, or a commit by another
   * connection (a worker's label import, candidates, a reorder), which send
   * the walk back to the start; without the cursor, a mostly labeled 100k
   * queue costs a walk over every labeled pair on each key press.
   */
  private firstOpen(queue: QueueRow, annotatorId: number, exclude: readonly number[]): number | undefined {
    const key = `${queue.id}:${annotatorId}`;
    // The queue's row holds its overlap and order (a reorder by uncertainty names its model there); pairs are only added.
    const shape = `${JSON.stringify(queue)}:${this.store.lastItemId()}`;
    const stamp = { eventId: this.store.lastEventId(), dataVersion: this.store.dataVersion() };
    const cursor = this.cursors.get(key);
    const valid =
      cursor !== undefined &&
      cursor.shape === shape &&
      cursor.dataVersion === stamp.dataVersion &&
      !this.store.undoSince(queue.id, cursor.eventId);
    const first = this.store.firstOpenItem(queue.id, annotatorId, queue.overlap, [], false, valid ? cursor.position : -1);
    this.cursors.set(key, { ...stamp, shape, position: first?.position ?? Number.MAX_SAFE_INTEGER });
    if (!first || exclude.length === 0) return first?.id;
    return this.store.firstOpenItem(queue.id, annotatorId, queue.overlap, exclude, false, first.position)?.id;
  }

  /** The re-serve of this pair waiting for the annotator, if there is one (due or not). */
  private pendingRecheck(queue: QueueRow, annotatorId: number, itemId: number): PendingRecheck | undefined {
    // The seed picks about recheck_share of the pairs; only those can be re-served, and only while their label stands unanswered.
    if (!isRecheckPick(queue.seed, itemId, annotatorId, queue.recheck_share)) return undefined;
    const own = this.store.standingOf(queue.id, itemId, annotatorId);
    if (!own?.label || this.review.store.answeredRechecks(queue.id, annotatorId).includes(itemId)) return undefined;
    const threshold = this.store.ownLabelEventFromEnd(queue.id, annotatorId, RECHECK_GAP) ?? -Infinity;
    return { itemId, shownLeft: swapped(own.shown_left), due: own.event_id < threshold };
  }

  /**
   * Writes one event in its own transaction (durable once this returns) and
   * answers the pair to show next. A label is given in screen terms and stored
   * in the pair's own order with the screen order beside it; an undo reopens
   * the annotator's latest label that still stands.
   */
  record(args: {
    queueId: number;
    annotatorId: number;
    action: 'label' | 'skip' | 'undo';
    itemId?: number | undefined;
    choice?: ScreenChoice | undefined;
    rationale?: string | undefined;
    confidence?: number | undefined;
    msOnScreen?: number | undefined;
  }): { event: LabelEvent; next: LabelItem | null } {
    const queue = this.store.queueRow(args.queueId);
    this.store.getAnnotator(args.annotatorId);
    const event = this.store.transaction(() => {
      let itemId: number;
      let label: PairLabel | null = null;
      if (args.action === 'undo') {
        const target = this.store.latestStandingLabel(args.queueId, args.annotatorId) ?? null;
        if (target === null) throw new StudioError('CONFLICT', 'There is no label of yours in this queue left to undo.');
        itemId = target;
      } else {
        if (args.itemId === undefined) throw new StudioError('INVALID_ARGUMENT', `A ${args.action} names the pair (itemId).`);
        const item = this.store.item(args.itemId);
        if (item.queue_id !== queue.id)
          throw new StudioError('INVALID_ARGUMENT', `Pair #${item.id} is not in queue "${queue.name}".`, { itemId: item.id });
        itemId = item.id;
        if (args.action === 'label' && !args.choice)
          throw new StudioError('INVALID_ARGUMENT', 'A label needs a choice: left, right, tie or both_bad.');
        // An answer to a swap re-serve is a recheck, kept apart: it never replaces the pair's label.
        const recheck = this.pendingRecheck(queue, args.annotatorId, itemId);
        if (recheck) return this.review.recordRecheck(recheck, args);
        if (args.action === 'label') label = pairLabelOf(args.choice!, this.shownLeft(queue, itemId, args.annotatorId));
      }
      // The label takes the rationale typed so far (saved as a draft) unless one comes with it; the draft then goes.
      const draft = args.action === 'label' ? this.review.store.draft(itemId, args.annotatorId) : null;
      if (args.action === 'label') this.review.store.clearDraft(itemId, args.annotatorId);
      const rationale = args.rationale?.trim() ? args.rationale : draft;
      return this.store.insertEvent({
        itemId,
        annotatorId: args.annotatorId,
        action: args.action,
        label,
        shownLeft: this.shownLeft(queue, itemId, args.annotatorId),
        rationale,
        confidence: args.confidence ?? null,
        msOnScreen: args.msOnScreen ?? null,
      });
    }, 'immediate');
    return { event, next: this.next(args.queueId, args.annotatorId) };
  }

  /**
   * Progress, agreement (percent and κ per annotator pair, α overall), position
   * bias, swap consistency and conflicts of a queue, from the per-queue
   * summaries triggers keep (stats.ts): no event is read or folded on this thread.
   */
  stats(queueId: number): LabelStats {
    return queueStats(this.store.db, this.queue(queueId));
  }
}

/** The contract's labeling.* methods. */
export function labelingHandlers(db: Db): Pick<Handlers, LabelingMethods> {
  const service = new LabelingService(db);
  return {
    'labeling.annotators': () => service.annotators(),
    'labeling.createAnnotator': ({ name }) => service.createAnnotator(name),
    'labeling.queues': () => service.queues(),
    'labeling.createQueue': (args) => service.createQueue(args),
    'labeling.next': ({ queueId, annotatorId, exclude }) => service.next(queueId, annotatorId, exclude),
    'labeling.record': (args) => service.record(args),
    'labeling.stats': ({ queueId }) => service.stats(queueId),
  };
}

/** The contract's methods for reviewing labels: drafts, the conflict queue and adjudication, label files, and datasets built from labels. */
export function labelReviewHandlers(db: Db, deps: { exportsDir: string; jobs: JobSupervisor }): Pick<Handlers, ReviewMethods> {
  const review = new LabelReview(db);
  const { jobs } = deps;
  const labels = new LabelStore(db);
  const datasets = new DatasetStore(db);
  const startImport = (args: { queueId: number; path: string }) => {
    labels.queueRow(args.queueId);
    return jobs.start('label-import', args);
  };
  const startBuild = (args: JobParams<'label-build'>) => {
    labels.queueRow(args.queueId);
    const name = args.datasetName.trim();
    if (!name) throw new StudioError('INVALID_ARGUMENT', 'The new dataset needs a name.');
    if (datasets.findDatasetByName(name)) throw new StudioError('CONFLICT', `A dataset named "${name}" already exists.`, { name });
    return jobs.start('label-build', { ...args, datasetName: name });
  };
  return {
    'labeling.saveDraft': (args) => review.saveDraft(args),
    'labeling.conflicts': (args) => review.conflicts(args),
    'labeling.adjudicate': (args) => review.adjudicate(args),
    // Export, import and build read or write a row per label: jobs in a worker (these waiting forms keep scripts simple).
    'labeling.exportLabels': async ({ queueId, path }) => {
      const target = exportTarget(labels.queueRow(queueId).name, path, deps.exportsDir);
      const { count } = resultOf(await jobs.outcome(jobs.start('label-export', { queueId, path: target.path }).id), 'label-export');
      return { ...target, count };
    },
    'labeling.startImport': (args) => startImport(args),
    'labeling.importLabels': async (args) => resultOf(await jobs.outcome(startImport(args).id), 'label-import'),
    'labeling.startBuild': (args) => startBuild(args),
    'labeling.build': async (args) => {
      const built = resultOf(await jobs.outcome(startBuild(args).id), 'label-build');
      return { ...built, dataset: datasets.getDataset(built.datasetId), snapshot: getSnapshot(db, built.snapshotId) };
    },
  };
}
