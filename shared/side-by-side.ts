import { z } from 'zod';
import { EvalModelRef, GenerationSampling, WinRateJudge, WinRatePrompts } from './evals';

/**
 * Side-by-side generations (issue 15 item 6): one prompt set through the
 * base and N checkpoints, a column each. The generating is the `eval` job's
 * win-rate item (each checkpoint against the first column as its baseline),
 * so every answer lands in the generations table and is served from there
 * the next time the same model meets the same prompt with the same settings.
 */

/** A prompt set: a snapshot's split or a suite's prompts file (as a win-rate item names them), or prompts typed in. */
export const SideBySidePrompts = z.union([WinRatePrompts, z.object({ texts: z.array(z.string().trim().min(1)).min(1).max(200) }).strict()]);
export type SideBySidePrompts = z.infer<typeof SideBySidePrompts>;

/** The most prompts a side-by-side set may hold: it is read whole to lay the columns out. */
export const SIDE_BY_SIDE_MAX_PROMPTS = 500;

/** The demo suite's win-rate sampling (demo answers are a few words), so cells it generated are reused. */
export const SIDE_BY_SIDE_SAMPLING = { ...GenerationSampling.parse({}), maxTokens: 24 };

export const SideBySideSet = z.object({
  /** The first column is the base every other column's verdict is against. */
  columns: z.array(EvalModelRef).min(2).max(8),
  prompts: SideBySidePrompts,
  judge: WinRateJudge.default({ kind: 'rules' }),
  sampling: GenerationSampling.default(SIDE_BY_SIDE_SAMPLING),
});
export type SideBySideSet = z.input<typeof SideBySideSet>;

export const CellVerdict = z.object({
  /** The rules judge: does this answer follow its prompt's rule, and why. */
  pass: z.boolean().nullable(),
  reason: z.string().nullable(),
  /** This column's answer against the first column's (win, tie, loss); null in the first column. */
  vsBase: z.enum(['win', 'tie', 'loss']).nullable(),
});
export type CellVerdict = z.infer<typeof CellVerdict>;

export const SideBySideCell = z.object({
  /** Null while the column's answer is not generated yet. */
  text: z.string().nullable(),
  tokens: z.number().int().nullable(),
  finishReason: z.string().nullable(),
  verdict: CellVerdict.nullable(),
});
export type SideBySideCell = z.infer<typeof SideBySideCell>;

export const SideBySideRow = z.object({
  promptHash: z.string(),
  prompt: z.string(),
  cells: z.array(SideBySideCell),
});
export type SideBySideRow = z.infer<typeof SideBySideRow>;

export const SideBySide = z.object({
  columns: z.array(
    z.object({
      name: z.string(),
      modelHash: z.string(),
      /** Answers of this column already stored for the set's prompts. */
      generated: z.number().int(),
    }),
  ),
  judge: z.enum(['rules', 'model']),
  rows: z.array(SideBySideRow),
});
export type SideBySide = z.infer<typeof SideBySide>;
