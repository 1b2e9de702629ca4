import { PRESETS, type ObjectiveName, type PresetName } from '../../../../shared/objectives';
import { OBJECTIVE_SETTINGS, objectiveSettings, type DescribedSetting } from '../../../../shared/run-settings';

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

/** The preset an objective config starts from (MMPO's two presets differ in λ_pair). */
export function presetOf(objective: unknown): PresetName {
  const o = (objective ?? {}) as { objective?: string; lambdaPair?: number };
  if (o.objective === 'mmpo') return o.lambdaPair === 0 ? 'mmpo-mml' : 'mmpo';
  return o.objective && o.objective in PRESETS ? (o.objective as PresetName) : 'mmpo';
}

export function presetConfig(name: PresetName): FormConfig {
  return { ...PRESETS[name] };
}

export function objectiveName(objective: unknown): ObjectiveName {
  const name = (objective as { objective?: string } | undefined)?.objective;
  return name && name in OBJECTIVE_SETTINGS ? (name as ObjectiveName) : 'mmpo';
}

/** The switches the form shows for an objective config: every one its objective has (run-settings.ts). */
export function objectiveFields(objective: unknown): DescribedSetting[] {
  return objectiveSettings(objectiveName(objective));
}

/** Where the form switches between a number of epochs and a number of steps (one of the two is shown). */
export const RUN_LENGTH = 'run-length';
/** Where the form shows the effective batch (computed, not a setting). */
export const EFFECTIVE_BATCH = 'effective-batch';

/**
 * The launcher's sections and the settings each shows, in order; labels,
 * help, bounds and kinds come from run-settings.ts. Check boxes gather below
 * each section's grid.
 */
export const FORM_SECTIONS = {
  training: [
    'optimizer.lr',
    'schedule.kind',
    'schedule.warmupRatio',
    'optimizer.weightDecay',
    'microBatchSize',
    'gradAccumulation',
    EFFECTIVE_BATCH,
    'maxGradNorm',
    'maxLength',
    'maxPromptLength',
    RUN_LENGTH,
    'seed',
    'chatTemplate',
  ],
  evaluation: ['evalEvery', 'checkpointEvery', 'keepCheckpoints', 'evalSuite', 'checkpointEachEpoch'],
  lora: ['lora.rank', 'lora.alpha', 'lora.dropout', 'lora.targetModules'],
} as const;

/** The settings behind RUN_LENGTH: epochs, or max steps when it is set. */
export const RUN_LENGTH_SETTINGS = ['epochs', 'maxSteps'] as const;

/** Every setting path the launcher can show. */
export function formSettingPaths(): string[] {
  return Object.values(FORM_SECTIONS)
    .flat()
    .flatMap((item): string[] => (item === RUN_LENGTH ? [...RUN_LENGTH_SETTINGS] : item === EFFECTIVE_BATCH ? [] : [item]));
}
