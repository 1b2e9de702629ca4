import { PRESETS, type ObjectiveName, type PresetName } from '../../../../shared/objectives';

/**
 * The launcher's form state is the config object `runs.create` takes (every
 * RunConfig field but `model`), edited in place by dotted paths — the same
 * paths `runs.estimate` reports issues under ("optimizer.lr").
 */
export type FormConfig = Record<string, unknown>;

export function getAt(config: FormConfig, path: string): unknown {
  let value: unknown = config;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A copy of `config` with `value` at `path`, creating objects along the way. */
export function setAt(config: FormConfig, path: string, value: unknown): FormConfig {
  const [head, ...rest] = path.split('.');
  if (head === undefined) return config;
  if (rest.length === 0) return { ...config, [head]: value };
  const child = config[head];
  const inner = child !== null && typeof child === 'object' ? (child as FormConfig) : {};
  return { ...config, [head]: setAt(inner, rest.join('.'), value) };
}

export const PRESET_LABELS: Record<PresetName, string> = {
  mmpo: 'MMPO (paper setup, λ_pair = 1)',
  'mmpo-mml': 'MMPO, marginal likelihood only (λ_pair = 0)',
  dpo: 'DPO',
  ipo: 'IPO',
  simpo: 'SimPO',
  orpo: 'ORPO',
  sft: 'SFT (chosen responses only)',
};

/** The preset an objective config starts from (MMPO's two presets differ in λ_pair). */
export function presetOf(objective: unknown): PresetName {
  const o = (objective ?? {}) as { objective?: string; lambdaPair?: number };
  if (o.objective === 'mmpo') return o.lambdaPair === 0 ? 'mmpo-mml' : 'mmpo';
  return o.objective && o.objective in PRESETS ? (o.objective as PresetName) : 'mmpo';
}

export function presetConfig(name: PresetName): FormConfig {
  return { ...PRESETS[name] };
}

export interface ObjectiveField {
  key: string;
  label: string;
  kind: 'number' | 'boolean';
  hint: string;
}

/** The switches of each objective (mmpo-spec.md); the form shows only the chosen objective's. */
export const OBJECTIVE_FIELDS: Record<ObjectiveName, ObjectiveField[]> = {
  mmpo: [
    {
      key: 'lambdaPair',
      label: 'λ_pair (free weight ≥ 0)',
      kind: 'number',
      hint: 'Weight of the pairwise term (M9). The spec uses only 0 or 1: 1 = the paper’s runs, where the update is exactly SFT on the chosen response; 0 = pure marginal likelihood (M3). Other values are a free weight between the two, outside the spec.',
    },
    { key: 'inBatchNorm', label: 'In-batch normalisation', kind: 'boolean', hint: 'Min–max normalise log P* within each micro-batch (M6).' },
    { key: 'lengthNorm', label: 'Length normalisation', kind: 'boolean', hint: 'Divide summed log-probs by the response length.' },
    { key: 'entropy', label: 'Entropy term', kind: 'boolean', hint: 'Add the entropy objective (M10), “+EntropyOptim”.' },
    { key: 'epsilon', label: 'ε', kind: 'number', hint: 'Offset of the chosen side’s log P* (M5).' },
    { key: 'epsilonRejected', label: 'ε_l', kind: 'number', hint: 'Offset of the rejected side’s log P* (M5).' },
    { key: 'beta', label: 'β', kind: 'number', hint: 'Scale of the reference log-probs in log P* (M5).' },
  ],
  dpo: [{ key: 'beta', label: 'β', kind: 'number', hint: 'Strength of the KL constraint to the reference model.' }],
  ipo: [{ key: 'beta', label: 'β', kind: 'number', hint: 'Target margin is 1 / (2β).' }],
  simpo: [
    { key: 'beta', label: 'β', kind: 'number', hint: 'Scale of the length-averaged log-prob difference.' },
    { key: 'gammaBetaRatio', label: 'γ/β', kind: 'number', hint: 'Target reward margin as a ratio to β (γ = β · γ/β), as the SimPO authors set it; the paper used 1.6 for SmolLM, 1.0 for Llama.' },
    { key: 'averageLogps', label: 'Length-averaged log-probs', kind: 'boolean', hint: 'Off = summed log-probs, as the paper’s SimPO runs used.' },
  ],
  orpo: [{ key: 'lambda', label: 'λ', kind: 'number', hint: 'Weight of the odds-ratio term.' }],
  sft: [{ key: 'lengthNorm', label: 'Length normalisation', kind: 'boolean', hint: 'Average the loss over response tokens.' }],
};

export function objectiveName(objective: unknown): ObjectiveName {
  const name = (objective as { objective?: string } | undefined)?.objective;
  return name && name in OBJECTIVE_FIELDS ? (name as ObjectiveName) : 'mmpo';
}

export const DEFAULT_LORA = { rank: 8, alpha: 16, dropout: 0, targetModules: null };
