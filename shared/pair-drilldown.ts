import { z } from 'zod';

/**
 * Per-pair drill-down (issue 15 item 7): two checkpoints' preference
 * accuracy results on the same split, pair by pair. A pair is right for a
 * checkpoint when log π(chosen) > log π(rejected) (`logps/accuracies`).
 */
export const PAIR_CATEGORIES = ['right-both', 'wrong-to-right', 'right-to-wrong', 'never-learned', 'wrong-both', 'missing'] as const;
export const PairCategory = z.enum(PAIR_CATEGORIES);
export type PairCategory = z.infer<typeof PairCategory>;

export const PAIR_CATEGORY_LABELS: Record<PairCategory, string> = {
  'right-both': 'right in both',
  'wrong-to-right': 'flipped: wrong → right',
  'right-to-wrong': 'flipped: right → wrong',
  'never-learned': 'never learned',
  'wrong-both': 'wrong in both (the base had it right)',
  missing: 'not scored by one of them',
};

/**
 * Where a pair falls: flipped either way between A and B, right in both,
 * or wrong in both — "never learned" when the base got it wrong too (or no
 * base is compared), "wrong-both" when the base had it right. `null` is a
 * pair a checkpoint did not score (too long for its tokenization).
 */
export function classifyPair(a: boolean | null, b: boolean | null, base?: boolean | null): PairCategory {
  if (a === null || b === null) return 'missing';
  if (a && b) return 'right-both';
  if (!a && b) return 'wrong-to-right';
  if (a && !b) return 'right-to-wrong';
  return base === true ? 'wrong-both' : 'never-learned';
}

const Side = z.object({
  correct: z.boolean().nullable(),
  chosenLogp: z.number().nullable(),
  rejectedLogp: z.number().nullable(),
  /** log π(chosen) − log π(rejected), summed over tokens. */
  logpMargin: z.number().nullable(),
  /** The same with per-token means. */
  logpPerTokenMargin: z.number().nullable(),
});
export type PairSide = z.infer<typeof Side>;

export const DrilldownPair = z.object({
  itemId: z.string(),
  /** The dataset record the pair was frozen from (null when it was removed since). */
  recordId: z.number().int().nullable(),
  category: PairCategory,
  prompt: z.string(),
  chosen: z.string(),
  rejected: z.string(),
  a: Side,
  b: Side,
  base: Side.nullable(),
});
export type DrilldownPair = z.infer<typeof DrilldownPair>;

export const PairDrilldown = z.object({
  snapshotId: z.number().int(),
  split: z.enum(['test', 'train']),
  counts: z.record(PairCategory, z.number().int()),
  pairs: z.array(DrilldownPair),
  /** Pairs in the category asked for (all pairs when none). */
  total: z.number().int(),
});
export type PairDrilldown = z.infer<typeof PairDrilldown>;
