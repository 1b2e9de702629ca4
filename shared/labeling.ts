import { z } from 'zod';
import { Message } from './datasets';
import { EvalModelRef } from './evals';

/**
 * Pair labeling (issue 18): the contract's schemas and the pure functions both
 * sides use. A label is always in the PAIR's own order (`a` = the pair's first
 * response, for a preference record the chosen one); the screen order (which
 * response was on the left) is stored beside it, and `pairLabelOf` maps a key
 * press on the screen back to the pair's order.
 */

export const PairLabel = z.enum(['a', 'b', 'tie', 'both_bad']);
export type PairLabel = z.infer<typeof PairLabel>;
/** What the annotator pressed, in screen terms. */
export const ScreenChoice = z.enum(['left', 'right', 'tie', 'both_bad']);
export type ScreenChoice = z.infer<typeof ScreenChoice>;
export const Side = z.enum(['a', 'b']);
export type Side = z.infer<typeof Side>;
export const LabelAction = z.enum(['label', 'skip', 'undo']);
export type LabelAction = z.infer<typeof LabelAction>;
export const QueueKind = z.enum(['pairs', 'prompts', 'relabel', 'arena']);
export type QueueKind = z.infer<typeof QueueKind>;
export const QueueOrder = z.enum(['stored', 'random', 'uncertain']);
export type QueueOrder = z.infer<typeof QueueOrder>;

// ---- Candidates, queue kinds and the uncertainty order (issue 18 items 1, 7, 9) ----

/** A model that generates candidates or orders a queue: a registered model or a run checkpoint, as evaluation takes it. */
export const ModelRef = EvalModelRef;
export type ModelRef = EvalModelRef;

/** Sampling settings of a candidates job (the engine's generate.ts). */
export const CandidateSampling = z.object({
  /** 0 = greedy (every sample of a prompt is then the same). */
  temperature: z.number().min(0).max(5).default(0.7),
  /** Nucleus sampling; 1 = off. */
  topP: z.number().gt(0).max(1).default(0.95),
  /** Keep the k most likely tokens; 0 = off. */
  topK: z.number().int().min(0).max(1_000_000).default(0),
  /** New tokens per response at most. */
  maxTokens: z.number().int().min(1).max(4096).default(64),
  /** The same seed, models and prompts give the same responses. */
  seed: z.number().int().default(1),
});
export type CandidateSampling = z.output<typeof CandidateSampling>;

/** Where a response of a pair came from: the dataset, or a model with the settings that produced it. */
export const ResponseSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dataset') }),
  z.object({
    kind: z.literal('model'),
    /** Which of the job's models: A (the first) or B. */
    slot: z.enum(['A', 'B']),
    modelHash: z.string(),
    modelName: z.string(),
    modelId: z.number().int().nullable(),
    runId: z.number().int().nullable(),
    step: z.number().int().nullable(),
    sampling: CandidateSampling,
    /** Which of the prompt's samples from this model (0-based). */
    sample: z.number().int(),
    tokens: z.number().int(),
    finishReason: z.enum(['stop_token', 'stop_sequence', 'length']),
  }),
]);
export type ResponseSource = z.infer<typeof ResponseSource>;

/** How a queue's candidates are generated, fixed by its first generation (a resumed one must match). */
export const CandidateSettings = z.object({
  /** Each model's content hash is filled in by the first job that loads it (null until then). */
  models: z.array(z.object({ slot: z.enum(['A', 'B']), ref: ModelRef, name: z.string(), modelHash: z.string().nullable() })),
  sampling: CandidateSampling,
  n: z.number().int(),
});
export type CandidateSettings = z.infer<typeof CandidateSettings>;

/**
 * `labeling.generateCandidates`: one model gives n (≥ 2) responses per
 * prompt, paired neighbour with neighbour; two models give n (default 1)
 * each, the i-th of A against the i-th of B.
 */
export const GenerateCandidatesParams = z.object({
  queueId: z.number().int().positive(),
  models: z.array(ModelRef).min(1).max(2),
  sampling: CandidateSampling.prefault({}),
  n: z.number().int().min(1).max(16).optional(),
});
export type GenerateCandidatesParams = z.input<typeof GenerateCandidatesParams>;

export const GenerateCandidatesResult = z.object({
  /** Prompts whose candidates this job stored. */
  prompts: z.number().int(),
  /** Pairs it added to the queue. */
  pairs: z.number().int(),
  /** Prompts already filled (by an earlier, cancelled or failed attempt) and skipped. */
  alreadyFilled: z.number().int(),
  /** Responses left out because another response to the same prompt was identical. */
  identical: z.number().int(),
});
export type GenerateCandidatesResult = z.infer<typeof GenerateCandidatesResult>;

export const UncertaintyParams = z.object({ queueId: z.number().int().positive(), model: ModelRef });
export const UncertaintyResult = z.object({
  modelName: z.string(),
  modelHash: z.string(),
  /** Pairs scored by this job, and those whose margin came from the cache. */
  scored: z.number().int(),
  cached: z.number().int(),
  /** Pairs the scorer could not score (they are served last). */
  unscored: z.number().int(),
});
export type UncertaintyResult = z.infer<typeof UncertaintyResult>;

/** Where each response of a queue's pairs came from (never part of what the labeler gets: arena queues are blind). */
export const ItemSources = z.object({
  itemId: z.number().int(),
  recordId: z.number().int().nullable(),
  position: z.number().int(),
  contentHash: z.string(),
  a: ResponseSource,
  b: ResponseSource,
  /** The per-token margin under the model that ordered the queue (order `uncertain`). */
  margin: z.number().nullable(),
});
export type ItemSources = z.infer<typeof ItemSources>;

const Rate = z.number().nullable();
/** `labeling.arenaResults`: every standing label of an arena queue as a vote between its two models. */
export const ArenaResults = z.object({
  queueId: z.number().int(),
  models: z.array(
    z.object({
      slot: z.enum(['A', 'B']),
      name: z.string(),
      modelHash: z.string(),
      wins: z.number().int(),
      losses: z.number().int(),
      /** Ties, both-bad included (Chatbot Arena's "tie (bothbad)"). */
      ties: z.number().int(),
      bothBad: z.number().int(),
      /** Bradley–Terry rating (400·s + 1000) with its bootstrap median and 95% percentiles; null without votes. */
      rating: Rate,
      ratingLow: Rate,
      ratingHigh: Rate,
    }),
  ),
  votes: z.number().int(),
  /** A's win rate against B in percent (a tie is half a win), with a seeded bootstrap 95% interval over votes. */
  winRateA: Rate,
  low: Rate,
  high: Rate,
  /** Why the figures are null, when they are. */
  reason: z.string().optional(),
});
export type ArenaResults = z.infer<typeof ArenaResults>;

export const Annotator = z.object({ id: z.number().int(), name: z.string(), createdAt: z.number() });
export type Annotator = z.infer<typeof Annotator>;

export const LabelQueue = z.object({
  id: z.number().int(),
  name: z.string(),
  kind: QueueKind,
  datasetId: z.number().int().nullable(),
  snapshotId: z.number().int().nullable(),
  guidelines: z.string(),
  order: QueueOrder,
  seed: z.number().int(),
  overlap: z.number().int(),
  /** Share of each annotator's labeled pairs served again later with the sides swapped (swap consistency). */
  recheckShare: z.number().optional(),
  /** Prompts and arena queues: their prompts, and how many have their candidates. */
  prompts: z.object({ total: z.number().int(), filled: z.number().int() }).nullable().optional(),
  /** How the candidates are generated, once a generation has started. */
  candidates: CandidateSettings.nullable().optional(),
  /** Order `uncertain`: the model whose margins set it. */
  orderedBy: z.object({ modelHash: z.string(), modelName: z.string() }).nullable().optional(),
  /** Items in the queue. */
  total: z.number().int(),
  /** Items that k annotators have labeled. */
  done: z.number().int(),
  /** Records left out when the queue was made (identical responses, no pair), with why. */
  skipped: z.number().int(),
  notes: z.array(z.string()),
  createdAt: z.number(),
});
export type LabelQueue = z.infer<typeof LabelQueue>;

/** A pair as the labeler shows it: responses in screen order; which is `a` is not said (the labeler is blind to it). */
export const LabelItem = z.object({
  id: z.number().int(),
  queueId: z.number().int(),
  recordId: z.number().int().nullable(),
  position: z.number().int(),
  prompt: z.array(Message),
  system: z.string().nullable(),
  left: z.array(Message),
  right: z.array(Message),
  contentHash: z.string(),
  /** True when this is the annotator's pair reopened by an undo. */
  reopened: z.boolean(),
  /** Items still open for this annotator, this one included. */
  remaining: z.number().int(),
  /** The rationale this annotator was typing for this pair (`labeling.saveDraft`), if any. */
  draft: z.string().nullable().optional(),
  /** A swap-consistency re-serve: a pair this annotator labeled, shown again with the sides swapped; its label is a recheck, never a relabel. */
  recheck: z.boolean().optional(),
});
export type LabelItem = z.infer<typeof LabelItem>;

export const LabelEvent = z.object({
  id: z.number().int(),
  itemId: z.number().int(),
  annotatorId: z.number().int(),
  action: LabelAction,
  label: PairLabel.nullable(),
  shownLeft: Side,
  rationale: z.string().nullable(),
  confidence: z.number().int().nullable(),
  msOnScreen: z.number().int().nullable(),
  createdAt: z.number(),
  /** The answer to a swap re-serve (its id counts among rechecks, not label events); it never replaces the pair's label. */
  recheck: z.boolean().optional(),
});
export type LabelEvent = z.infer<typeof LabelEvent>;

const Stat = z.number().nullable();
export const AnnotatorProgress = z.object({
  annotatorId: z.number().int(),
  name: z.string(),
  /** Items this annotator currently has a label on. */
  labeled: z.number().int(),
  skipped: z.number().int(),
  events: z.number().int(),
  /** Current labels per hour of time on screen; null before any. */
  labelsPerHour: Stat,
  positionBias: z.object({
    n: z.number().int(),
    left: z.number().int(),
    share: Stat,
    low: Stat,
    high: Stat,
    flagged: z.boolean(),
  }),
  /** Swap consistency: of this annotator's answered re-serves, how many gave their standing label again (in the pair's own order). */
  swapConsistency: z.object({ n: z.number().int(), same: z.number().int(), share: Stat }).optional(),
});
export const PairAgreement = z.object({
  first: z.string(),
  second: z.string(),
  /** Items both labeled. */
  n: z.number().int(),
  percent: Stat,
  kappa: Stat,
  /** Why κ (or the percentage) is undefined, when it is. */
  reason: z.string().optional(),
});
export const Conflict = z.object({
  itemId: z.number().int(),
  position: z.number().int(),
  contentHash: z.string(),
  labels: z.array(z.object({ annotator: z.string(), label: PairLabel })),
  /** The standing labels include both `a` and `b` (opposite decisive labels), not only a tie against a decision. */
  decisive: z.boolean(),
  /** The adjudicated label, once someone has decided the pair (labeling.adjudicate). */
  adjudicated: PairLabel.nullable().optional(),
});
export const LabelStats = z.object({
  queue: LabelQueue,
  progress: z.object({ total: z.number().int(), done: z.number().int(), labels: z.number().int() }),
  annotators: z.array(AnnotatorProgress),
  agreement: z.object({
    pairs: z.array(PairAgreement),
    alpha: Stat,
    alphaUnits: z.number().int(),
    alphaReason: z.string().optional(),
  }),
  /** The first 100 conflicts in the queue's order (labeling.conflicts pages them all; conflictCounts counts them). */
  conflicts: z.array(Conflict),
  /** Conflicts still waiting for a decision, and those adjudicated. */
  conflictCounts: z.object({ open: z.number().int(), adjudicated: z.number().int() }).optional(),
  /** Conflicts whose standing labels include both `a` and `b`. */
  decisiveConflicts: z.number().int().optional(),
});
export type LabelStats = z.infer<typeof LabelStats>;

/** The label in the pair's own order for what was pressed, given which response was on the left. */
export function pairLabelOf(choice: ScreenChoice, shownLeft: Side): PairLabel {
  if (choice === 'tie' || choice === 'both_bad') return choice;
  const other: Side = shownLeft === 'a' ? 'b' : 'a';
  return choice === 'left' ? shownLeft : other;
}

/** The screen side a pair label points at (the inverse of pairLabelOf for decisive labels). */
export function screenChoiceOf(label: PairLabel, shownLeft: Side): ScreenChoice {
  if (label === 'tie' || label === 'both_bad') return label;
  return label === shownLeft ? 'left' : 'right';
}

/** 32-bit FNV-1a with a final mix, for deterministic side randomization (not security). */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // murmur3's finalizer: every input bit reaches the top bit.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Which response this annotator sees on the left for this item: random per
 * item and annotator, yet the same every time it is asked (seeded by the
 * queue), so a reload shows the same screen.
 */
export function shownLeftFor(seed: number, itemKey: string | number, annotatorId: number): Side {
  return fnv1a(`${seed}\u0000${itemKey}\u0000${annotatorId}`) >>> 31 ? 'b' : 'a';
}

/** The part of an event folding needs. */
export interface FoldEvent {
  id: number;
  itemId: number;
  annotatorId: number;
  action: LabelAction;
  label: PairLabel | null;
  shownLeft: Side;
}

export interface FoldedLabel {
  itemId: number;
  annotatorId: number;
  /** The current label in the pair's order; null when undone or never given (skipped). */
  label: PairLabel | null;
  /** Screen order of the event that gave the current label (or of the latest event). */
  shownLeft: Side;
  /** The latest action on the item by this annotator. */
  lastAction: LabelAction;
  /** Id of the event the current state comes from. */
  eventId: number;
}

const foldKey = (itemId: number, annotatorId: number) => `${itemId}:${annotatorId}`;

/**
 * A pair's current label per annotator, from its events in id order: a label
 * sets it (a relabel replaces it), an undo clears it (the pair is open again),
 * a skip is not a label and leaves whatever was there. Keyed `item:annotator`.
 */
export function foldLabels(events: readonly FoldEvent[]): Map<string, FoldedLabel> {
  const out = new Map<string, FoldedLabel>();
  const sorted = [...events].sort((x, y) => x.id - y.id);
  for (const e of sorted) {
    const key = foldKey(e.itemId, e.annotatorId);
    const prev = out.get(key);
    if (e.action === 'label') {
      out.set(key, {
        itemId: e.itemId,
        annotatorId: e.annotatorId,
        label: e.label,
        shownLeft: e.shownLeft,
        lastAction: 'label',
        eventId: e.id,
      });
    } else if (e.action === 'undo') {
      out.set(key, {
        itemId: e.itemId,
        annotatorId: e.annotatorId,
        label: null,
        shownLeft: e.shownLeft,
        lastAction: 'undo',
        eventId: e.id,
      });
    } else if (prev) {
      out.set(key, { ...prev, lastAction: 'skip' });
    } else {
      out.set(key, {
        itemId: e.itemId,
        annotatorId: e.annotatorId,
        label: null,
        shownLeft: e.shownLeft,
        lastAction: 'skip',
        eventId: e.id,
      });
    }
  }
  return out;
}

/** An annotator's current label on an item, from the fold (null if none). */
export function currentLabel(folded: Map<string, FoldedLabel>, itemId: number, annotatorId: number): PairLabel | null {
  return folded.get(foldKey(itemId, annotatorId))?.label ?? null;
}

/**
 * The item the annotator's next undo reopens: the item of their latest label
 * event that still stands (its label is the current one). Successive undos
 * walk back through their labels; null when nothing is left to undo.
 */
export function undoTarget(events: readonly FoldEvent[], annotatorId: number): number | null {
  const folded = foldLabels(events);
  let best: FoldedLabel | null = null;
  for (const f of folded.values()) {
    if (f.annotatorId !== annotatorId || f.label === null) continue;
    if (!best || f.eventId > best.eventId) best = f;
  }
  return best ? best.itemId : null;
}

// ---- Review (issue 18 items 10, 11, 13, 14): adjudication, swap rechecks, label files, decisions ----

export const Adjudication = z.object({
  id: z.number().int(),
  itemId: z.number().int(),
  annotatorId: z.number().int(),
  /** Who decided. */
  annotator: z.string(),
  label: PairLabel,
  note: z.string().nullable(),
  createdAt: z.number(),
});
export type Adjudication = z.infer<typeof Adjudication>;

/** A pair whose standing labels disagree, with everything an adjudicator needs (the pair in its own order: a, b). */
export const ConflictDetail = z.object({
  itemId: z.number().int(),
  position: z.number().int(),
  contentHash: z.string(),
  prompt: z.array(Message),
  system: z.string().nullable(),
  a: z.array(Message),
  b: z.array(Message),
  labels: z.array(
    z.object({
      annotatorId: z.number().int(),
      annotator: z.string(),
      label: PairLabel,
      rationale: z.string().nullable(),
      confidence: z.number().int().nullable(),
    }),
  ),
  decisive: z.boolean(),
  /** The decision that stands (the latest), or null while the conflict is open. */
  adjudication: Adjudication.nullable(),
});
export type ConflictDetail = z.infer<typeof ConflictDetail>;

/**
 * One line of a labels file (`labeling.exportLabels`, `studio label export`):
 * an event in the pair's own order, identified across machines by the pair's
 * content hash and the annotator's name. `action` says what it is: a label,
 * skip or undo key press, a swap re-serve's answer (`recheck`), or an
 * adjudicator's decision (`adjudicate`).
 */
export const LabelFileLine = z.object({
  pair_hash: z.string().regex(/^[0-9a-f]{64}$/, 'a pair hash is 64 hex digits'),
  annotator: z.string().trim().min(1).max(100),
  action: z.enum(['label', 'skip', 'undo', 'recheck', 'adjudicate']).default('label'),
  label: PairLabel.nullable().default(null),
  /** Which response was on the left (a or b); missing in a file from elsewhere, taken as a. */
  shown_left: Side.default('a'),
  rationale: z.string().nullable().default(null),
  confidence: z.number().int().min(1).max(3).nullable().default(null),
  ms_on_screen: z.number().int().min(0).nullable().default(null),
  /** An adjudication's note. */
  note: z.string().nullable().default(null),
  /** Milliseconds since 1970 (UTC). */
  created_at: z.number().int().min(0),
});
export type LabelFileLine = z.infer<typeof LabelFileLine>;

export const LabelImportReport = z.object({
  imported: z.number().int(),
  /** Lines whose event this queue already holds (the same file imported again, or the queue's own events). */
  duplicates: z.number().int(),
  /** Annotators created by name for the file's people. */
  annotatorsCreated: z.array(z.string()),
  errors: z.array(z.object({ line: z.number().int(), reason: z.string() })),
  /** Lines with errors beyond the first ones listed. */
  moreErrors: z.number().int(),
});
export type LabelImportReport = z.infer<typeof LabelImportReport>;

/** `labeling.build`: which pairs make the new dataset, and its split. */
export const BuildFromLabelsParams = z.object({
  queueId: z.number().int().positive(),
  datasetName: z.string().trim().min(1).max(200),
  /** Keep tied pairs (as unlabeled pairs, their label in meta); left out by default. */
  includeTies: z.boolean().default(false),
  /** Keep pairs both annotators found bad (likewise); left out by default. */
  includeBothBad: z.boolean().default(false),
  /** Standing labels a pair needs to count (an adjudicated pair always counts). */
  minVotes: z.number().int().min(1).max(50).default(1),
  /** Share of prompts held out, split by prompt hash (as the Split dialog does). */
  testFraction: z.number().min(0).max(0.9).default(0.1),
  /** The split's seed; the queue's seed when not given. */
  seed: z.number().int().optional(),
});

/** Why a pair was or was not decided, for building a dataset and the conflict counts. */
export type DecisionStatus = 'adjudicated' | 'agreed' | 'majority' | 'conflict' | 'unlabeled';

/**
 * A pair's label from its standing labels: an adjudication wins; else the
 * label with strictly more votes than any other (all agreeing, or a majority);
 * a pair whose top labels are level is a conflict; fewer than `minVotes`
 * labels (and no adjudication) leave it unlabeled.
 */
export function decidePair(
  labels: readonly PairLabel[],
  adjudication: PairLabel | null,
  minVotes = 1,
): { label: PairLabel | null; status: DecisionStatus; votes: Record<PairLabel, number> } {
  const votes: Record<PairLabel, number> = { a: 0, b: 0, tie: 0, both_bad: 0 };
  for (const l of labels) votes[l] += 1;
  if (adjudication !== null) return { label: adjudication, status: 'adjudicated', votes };
  if (labels.length === 0 || labels.length < minVotes) return { label: null, status: 'unlabeled', votes };
  const ranked = (Object.entries(votes) as [PairLabel, number][]).sort((x, y) => y[1] - x[1]);
  if (ranked[0]![1] === ranked[1]![1]) return { label: null, status: 'conflict', votes };
  return { label: ranked[0]![0], status: ranked[0]![1] === labels.length ? 'agreed' : 'majority', votes };
}

/**
 * Whether this annotator's label on this item is re-served with the sides
 * swapped: a deterministic draw from the queue's seed, so the same pairs are
 * chosen on every machine and every reload, about `share` of them.
 */
export function isRecheckPick(seed: number, itemKey: string | number, annotatorId: number, share: number): boolean {
  if (share <= 0) return false;
  return fnv1a(`recheck\u0000${seed}\u0000${itemKey}\u0000${annotatorId}`) / 2 ** 32 < share;
}
