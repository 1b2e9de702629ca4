import { z } from 'zod';

/**
 * Training objectives and their settings, as ../shared/mmpo-spec.md defines
 * them (equation labels M1–M10). Shared so the run form, the CLI's run.json
 * and the trainer validate the same thing.
 */

export const MmpoConfig = z.object({
  objective: z.literal('mmpo'),
  /**
   * (M9) weight of the pairwise term. The spec uses λ_pair ∈ {0, 1}: 1 = the
   * paper's runs (the update is then exactly SFT on the chosen response), 0 =
   * pure (M3). Any other value ≥ 0 is accepted as a free weight, outside the spec.
   */
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
/** γ/β of the MMPO paper's SimPO runs on SmolLM (mmpo-spec.md, "Baselines"; 1.0 for Llama). */
export const SIMPO_GAMMA_BETA_RATIO = 1.6;

/**
 * SimPO's target margin is set as the ratio γ/β, as the spec and the SimPO
 * authors' code (`gamma_beta_ratio`) give it; the loss uses γ = β · ratio.
 * Configs stored before the ratio existed carry an absolute `gamma`: it is
 * read as ratio = gamma / β, so an old run keeps the margin it trained with.
 */
export const SimpoConfig = z
  .object({
    objective: z.literal('simpo'),
    beta: z.number().positive().default(2),
    /** Target margin over β: γ = β · gammaBetaRatio. */
    gammaBetaRatio: z.number().min(0).optional(),
    /** Legacy (configs stored before gammaBetaRatio): the absolute margin γ. */
    gamma: z.number().optional(),
    /** Length-averaged log-probs (default) or sums, as the paper's SimPO runs used. */
    averageLogps: z.boolean().default(true),
  })
  .transform(({ gamma, gammaBetaRatio, ...rest }) => ({
    ...rest,
    gammaBetaRatio: gammaBetaRatio ?? (gamma !== undefined ? gamma / rest.beta : SIMPO_GAMMA_BETA_RATIO),
  }));

/** SimPO's target margin γ = β · (γ/β). */
export function simpoGamma(config: { beta: number; gammaBetaRatio: number }): number {
  return config.beta * config.gammaBetaRatio;
}
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
  simpo: { objective: 'simpo', beta: 2, gammaBetaRatio: SIMPO_GAMMA_BETA_RATIO, averageLogps: true },
  orpo: { objective: 'orpo', lambda: 0.1 },
  sft: { objective: 'sft', lengthNorm: false },
} as const satisfies Record<string, ObjectiveConfig>;
export type PresetName = keyof typeof PRESETS;

/** Whether an objective needs the frozen reference model's log-probs. */
export function needsReference(config: ObjectiveConfig): boolean {
  return config.objective === 'mmpo' || config.objective === 'dpo' || config.objective === 'ipo';
}
