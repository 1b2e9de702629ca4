import { z } from 'zod';

/**
 * Training objectives and their settings, as ../shared/mmpo-spec.md defines
 * them (equation labels M1–M10). Shared so the run form, the CLI's run.json
 * and the trainer validate the same thing.
 */

export const MmpoConfig = z.object({
  objective: z.literal('mmpo'),
  /** (M9) weight of the pairwise term; 1 = the paper's runs, 0 = pure (M3). */
  lambdaPair: z.number().min(0).default(1),
  /** (M6) min–max normalise the log P* terms within each micro-batch. */
  inBatchNorm: z.boolean().default(true),
  /** Divide summed log-probs by the response length (min 1). */
  lengthNorm: z.boolean().default(false),
  /** (M10) the entropy objective, "+EntropyOptim". */
  entropy: z.boolean().default(false),
  /** (M5) offsets and scale of the reference-based log P* terms. */
  epsilon: z.number().default(0.9),
  epsilonRejected: z.number().default(0.1),
  beta: z.number().positive().default(0.05),
});

export const DpoConfig = z.object({ objective: z.literal('dpo'), beta: z.number().positive().default(0.1) });
export const IpoConfig = z.object({ objective: z.literal('ipo'), beta: z.number().positive().default(0.1) });
export const SimpoConfig = z.object({
  objective: z.literal('simpo'),
  beta: z.number().positive().default(2),
  /** Target margin γ (the paper used γ/β = 1.6 for SmolLM). */
  gamma: z.number().default(1.6),
  /** Length-averaged log-probs (default) or sums, as the paper's SimPO runs used. */
  averageLogps: z.boolean().default(true),
});
export const OrpoConfig = z.object({ objective: z.literal('orpo'), lambda: z.number().positive().default(0.1) });
export const SftConfig = z.object({ objective: z.literal('sft'), lengthNorm: z.boolean().default(false) });

export const ObjectiveConfig = z.discriminatedUnion('objective', [MmpoConfig, DpoConfig, IpoConfig, SimpoConfig, OrpoConfig, SftConfig]);
export type ObjectiveConfig = z.infer<typeof ObjectiveConfig>;
export type ObjectiveName = ObjectiveConfig['objective'];
export type MmpoConfig = z.infer<typeof MmpoConfig>;

/** Named starting points; every component stays switchable. */
export const PRESETS = {
  /** The paper's reported MMPO runs: λ_pair = 1, in-batch normalisation on. */
  mmpo: { objective: 'mmpo', lambdaPair: 1, inBatchNorm: true, lengthNorm: false, entropy: false, epsilon: 0.9, epsilonRejected: 0.1, beta: 0.05 },
  /** The "− DPO loss" ablation: the pure marginal-likelihood objective (M3). */
  'mmpo-mml': { objective: 'mmpo', lambdaPair: 0, inBatchNorm: true, lengthNorm: false, entropy: false, epsilon: 0.9, epsilonRejected: 0.1, beta: 0.05 },
  dpo: { objective: 'dpo', beta: 0.1 },
  ipo: { objective: 'ipo', beta: 0.1 },
  simpo: { objective: 'simpo', beta: 2, gamma: 1.6, averageLogps: true },
  orpo: { objective: 'orpo', lambda: 0.1 },
  sft: { objective: 'sft', lengthNorm: false },
} as const satisfies Record<string, ObjectiveConfig>;
export type PresetName = keyof typeof PRESETS;

/** Whether an objective needs the frozen reference model's log-probs. */
export function needsReference(config: ObjectiveConfig): boolean {
  return config.objective === 'mmpo' || config.objective === 'dpo' || config.objective === 'ipo';
}
