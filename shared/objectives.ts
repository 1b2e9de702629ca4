import { z } from 'zod';
import { OBJECTIVE_SETTINGS, PRESET_SETTINGS, presetObjective, settingsShape, type ObjectiveName, type PresetName } from './run-settings';

/**
 * Training objectives and their settings, as ../shared/mmpo-spec.md defines
 * them (equation labels M1–M10). Shared so the run form, the CLI's run.json
 * and the trainer validate the same thing; each switch's label, help, bounds
 * and default are described once in run-settings.ts and derived here.
 */

const objectiveShape = <N extends ObjectiveName>(objective: N) => ({
  objective: z.literal(objective),
  ...settingsShape(OBJECTIVE_SETTINGS[objective]),
});

/**
 * MMPO. λ_pair (M9): the spec uses λ_pair ∈ {0, 1}: 1 = the paper's runs (the
 * update is then exactly SFT on the chosen response), 0 = pure (M3); any other
 * value ≥ 0 is accepted as a free weight, outside the spec. In-batch
 * normalisation (M6), length normalisation, the entropy objective (M10), and
 * the offsets and scale of the reference-based log P* terms (M5).
 */
export const MmpoConfig = z.object(objectiveShape('mmpo'));
export const DpoConfig = z.object(objectiveShape('dpo'));
export const IpoConfig = z.object(objectiveShape('ipo'));
/** γ/β of the MMPO paper's SimPO runs on SmolLM (mmpo-spec.md, "Baselines"; 1.0 for Llama). */
export const SIMPO_GAMMA_BETA_RATIO = OBJECTIVE_SETTINGS.simpo.gammaBetaRatio.default;

const simpo = objectiveShape('simpo');
/**
 * SimPO's target margin is set as the ratio γ/β, as the spec and the SimPO
 * authors' code (`gamma_beta_ratio`) give it; the loss uses γ = β · ratio.
 * Configs stored before the ratio existed carry an absolute `gamma`: it is
 * read as ratio = gamma / β, so an old run keeps the margin it trained with.
 */
export const SimpoConfig = z
  .object({
    objective: simpo.objective,
    beta: simpo.beta,
    /** Target margin over β: γ = β · gammaBetaRatio (its default depends on a legacy `gamma`, so it is applied below). */
    gammaBetaRatio: simpo.gammaBetaRatio.removeDefault().optional(),
    /** Legacy (configs stored before gammaBetaRatio): the absolute margin γ. */
    gamma: z.number().optional(),
    averageLogps: simpo.averageLogps,
  })
  .transform(({ gamma, gammaBetaRatio, ...rest }) => ({
    ...rest,
    gammaBetaRatio: gammaBetaRatio ?? (gamma !== undefined ? gamma / rest.beta : SIMPO_GAMMA_BETA_RATIO),
  }));

/** SimPO's target margin γ = β · (γ/β). */
export function simpoGamma(config: { beta: number; gammaBetaRatio: number }): number {
  return config.beta * config.gammaBetaRatio;
}
export const OrpoConfig = z.object(objectiveShape('orpo'));
export const SftConfig = z.object(objectiveShape('sft'));

export const ObjectiveConfig = z.discriminatedUnion('objective', [MmpoConfig, DpoConfig, IpoConfig, SimpoConfig, OrpoConfig, SftConfig]);
export type ObjectiveConfig = z.infer<typeof ObjectiveConfig>;
export type MmpoConfig = z.infer<typeof MmpoConfig>;
export type { ObjectiveName, PresetName };

/** Named starting points (run-settings.ts PRESET_SETTINGS); every component stays switchable. */
export const PRESETS = Object.fromEntries(
  Object.keys(PRESET_SETTINGS).map((name) => [name, ObjectiveConfig.parse(presetObjective(name as PresetName))]),
) as {
  [P in PresetName]: Extract<ObjectiveConfig, { objective: (typeof PRESET_SETTINGS)[P]['objective'] }>;
};

/** Whether an objective needs the frozen reference model's log-probs. */
export function needsReference(config: ObjectiveConfig): boolean {
  return config.objective === 'mmpo' || config.objective === 'dpo' || config.objective === 'ipo';
}
