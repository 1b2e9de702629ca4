import { z } from 'zod';
import { Message } from './datasets';

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
  conflicts: z.array(Conflict),
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
