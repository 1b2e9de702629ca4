import { z } from 'zod';

/**
 * Every run setting described once: its label, help, unit, bounds and
 * default. The zod validation (objectives.ts, training.ts), the launcher's
 * form fields and `studio train --help` are all derived from these tables, so
 * a new setting (or a changed default or help text) is written here only.
 */

interface Described {
  /** What the launcher shows next to the field (its unit is appended in brackets). */
  label: string;
  /** One or two sentences: the launcher's tooltip and the CLI help. */
  help: string;
  unit?: string;
  /** false: only run.json sets it (the launcher leaves it at its default). */
  launcher?: false;
}

export interface NumberSetting extends Described {
  kind: 'number' | 'integer';
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound (`above: 0` = positive). */
  above?: number;
  max?: number;
  /** null is a valid value (and then the default may be null). */
  nullable?: true;
  default: number | null;
  /** What an empty nullable field means. */
  placeholder?: string;
}
export interface BooleanSetting extends Described {
  kind: 'boolean';
  default: boolean;
}
export interface ChoiceSetting<O extends string = string> extends Described {
  kind: 'choice';
  options: readonly [O, ...O[]];
  default: O;
}
/** A list of names, or null for "all". */
export interface NamesSetting extends Described {
  kind: 'names';
  nullable: true;
  default: null;
  placeholder?: string;
}
/** A name (of a suite, …), or null for "none". */
export interface TextSetting extends Described {
  kind: 'text';
  nullable: true;
  default: string | null;
  placeholder?: string;
}
export type Setting = NumberSetting | BooleanSetting | ChoiceSetting | NamesSetting | TextSetting;
export type SettingKind = Setting['kind'];

/** The zod type a setting validates with, for type inference of the derived schemas. */
export type SchemaOf<S extends Setting> = S extends BooleanSetting
  ? z.ZodDefault<z.ZodBoolean>
  : S extends ChoiceSetting<infer O>
    ? z.ZodDefault<z.ZodEnum<{ [K in O]: K }>>
    : S extends NamesSetting
      ? z.ZodDefault<z.ZodNullable<z.ZodArray<z.ZodString>>>
      : S extends TextSetting
        ? z.ZodDefault<z.ZodNullable<z.ZodString>>
        : S extends { nullable: true }
          ? z.ZodDefault<z.ZodNullable<z.ZodNumber>>
          : z.ZodDefault<z.ZodNumber>;

/** The zod validation of one setting: its kind, bounds, nullability and default. */
export function settingSchema<S extends Setting>(setting: S): SchemaOf<S> {
  let schema: z.ZodType;
  switch (setting.kind) {
    case 'boolean':
      schema = z.boolean();
      break;
    case 'choice':
      schema = z.enum(setting.options);
      break;
    case 'names':
      schema = z.array(z.string().min(1)).nullable();
      break;
    case 'text':
      schema = z.string().min(1).nullable();
      break;
    default: {
      let n = z.number();
      if (setting.kind === 'integer') n = n.int();
      if (setting.above !== undefined) n = n.gt(setting.above);
      if (setting.min !== undefined) n = n.min(setting.min);
      if (setting.max !== undefined) n = n.max(setting.max);
      schema = setting.nullable ? n.nullable() : n;
    }
  }
  return schema.default(setting.default as never) as unknown as SchemaOf<S>;
}

/** A zod object shape with one field per setting of a table. */
export function settingsShape<T extends Record<string, Setting>>(settings: T): { [K in keyof T]: SchemaOf<T[K]> } {
  return Object.fromEntries(Object.entries(settings).map(([key, setting]) => [key, settingSchema(setting)])) as {
    [K in keyof T]: SchemaOf<T[K]>;
  };
}

/** A table's defaults, in its order. */
export function settingDefaults<T extends Record<string, Setting>>(settings: T): { [K in keyof T]: T[K]['default'] } {
  return Object.fromEntries(Object.entries(settings).map(([key, setting]) => [key, setting.default])) as {
    [K in keyof T]: T[K]['default'];
  };
}

// ---------------------------------------------------------------------------
// Objectives (mmpo-spec.md; equation labels M1–M10)

const beta = (value: number, help: string) => ({ kind: 'number', label: 'β', help, above: 0, default: value }) as const;
const lengthNorm = (help: string) => ({ kind: 'boolean', label: 'Length normalisation', help, default: false }) as const;

/** The switches of each objective; the launcher shows only the chosen objective's. */
export const OBJECTIVE_SETTINGS = {
  mmpo: {
    lambdaPair: {
      kind: 'number',
      label: 'λ_pair (free weight ≥ 0)',
      help: 'Weight of the pairwise term (M9). The spec uses only 0 or 1: 1 = the paper’s runs, where the update is exactly SFT on the chosen response; 0 = pure marginal likelihood (M3). Other values are a free weight between the two, outside the spec.',
      min: 0,
      default: 1,
    },
    inBatchNorm: {
      kind: 'boolean',
      label: 'In-batch normalisation',
      help: 'Min–max normalise log P* within each micro-batch (M6).',
      default: true,
    },
    lengthNorm: lengthNorm('Divide summed log-probs by the response length.'),
    entropy: { kind: 'boolean', label: 'Entropy term', help: 'Add the entropy objective (M10), “+EntropyOptim”.', default: false },
    epsilon: { kind: 'number', label: 'ε', help: 'Offset of the chosen side’s log P* (M5).', default: 0.9 },
    epsilonRejected: { kind: 'number', label: 'ε_l', help: 'Offset of the rejected side’s log P* (M5).', default: 0.1 },
    beta: beta(0.05, 'Scale of the reference log-probs in log P* (M5).'),
  },
  dpo: { beta: beta(0.1, 'Strength of the KL constraint to the reference model.') },
  ipo: { beta: beta(0.1, 'Target margin is 1 / (2β).') },
  simpo: {
    beta: beta(2, 'Scale of the length-averaged log-prob difference.'),
    gammaBetaRatio: {
      kind: 'number',
      label: 'γ/β',
      help: 'Target reward margin as a ratio to β (γ = β · γ/β), as the SimPO authors set it; the paper used 1.6 for SmolLM, 1.0 for Llama.',
      min: 0,
      default: 1.6,
    },
    averageLogps: {
      kind: 'boolean',
      label: 'Length-averaged log-probs',
      help: 'Off = summed log-probs, as the paper’s SimPO runs used.',
      default: true,
    },
  },
  orpo: { lambda: { kind: 'number', label: 'λ', help: 'Weight of the odds-ratio term.', above: 0, default: 0.1 } },
  sft: { lengthNorm: lengthNorm('Average the loss over response tokens.') },
} as const satisfies Record<string, Record<string, Setting>>;
export type ObjectiveName = keyof typeof OBJECTIVE_SETTINGS;
export const OBJECTIVE_NAMES = Object.keys(OBJECTIVE_SETTINGS) as ObjectiveName[];

/** Named starting points: an objective's defaults with a few switches set; every switch stays editable. */
export const PRESET_SETTINGS = {
  /** The paper's reported MMPO runs: λ_pair = 1, in-batch normalisation on. */
  mmpo: { label: 'MMPO (paper setup, λ_pair = 1)', objective: 'mmpo', set: {} },
  /** The "− DPO loss" ablation: the pure marginal-likelihood objective (M3). */
  'mmpo-mml': { label: 'MMPO, marginal likelihood only (λ_pair = 0)', objective: 'mmpo', set: { lambdaPair: 0 } },
  dpo: { label: 'DPO', objective: 'dpo', set: {} },
  ipo: { label: 'IPO', objective: 'ipo', set: {} },
  simpo: { label: 'SimPO', objective: 'simpo', set: {} },
  orpo: { label: 'ORPO', objective: 'orpo', set: {} },
  sft: { label: 'SFT (chosen responses only)', objective: 'sft', set: {} },
} as const satisfies Record<string, { label: string; objective: ObjectiveName; set: Record<string, unknown> }>;
export type PresetName = keyof typeof PRESET_SETTINGS;

/** A preset's objective config: the objective's defaults, then the preset's own switches. */
export function presetObjective(name: PresetName): Record<string, unknown> & { objective: ObjectiveName } {
  const preset = PRESET_SETTINGS[name];
  return { objective: preset.objective, ...settingDefaults(OBJECTIVE_SETTINGS[preset.objective]), ...preset.set };
}

// ---------------------------------------------------------------------------
// Everything else a RunConfig holds (training.ts)

export const OPTIMIZER_SETTINGS = {
  lr: {
    kind: 'number',
    label: 'Learning rate',
    help: 'Peak learning rate (AdamW; the paper used 5e-4 for MMPO).',
    above: 0,
    default: 5e-4,
  },
  beta1: {
    kind: 'number',
    label: 'Adam β1',
    help: 'Decay rate of AdamW’s running mean of gradients.',
    min: 0,
    max: 1,
    default: 0.9,
    launcher: false,
  },
  beta2: {
    kind: 'number',
    label: 'Adam β2',
    help: 'Decay rate of AdamW’s running mean of squared gradients.',
    min: 0,
    max: 1,
    default: 0.999,
    launcher: false,
  },
  eps: {
    kind: 'number',
    label: 'Adam ε',
    help: 'Added to AdamW’s denominator for numerical stability.',
    above: 0,
    default: 1e-8,
    launcher: false,
  },
  weightDecay: {
    kind: 'number',
    label: 'Weight decay',
    help: 'Decoupled (AdamW) weight decay; biases and norm weights are never decayed. TRL’s default is 0.',
    min: 0,
    default: 0,
  },
} as const satisfies Record<string, Setting>;

export const SCHEDULE_SETTINGS = {
  kind: {
    kind: 'choice',
    label: 'Schedule',
    help: 'Shape after warmup: cosine or linear decay to 0, or constant.',
    options: ['cosine', 'linear', 'constant'],
    default: 'cosine',
  },
  warmupRatio: {
    kind: 'number',
    label: 'Warmup ratio',
    help: 'Share of all steps spent ramping up linearly from 0 to the peak learning rate.',
    min: 0,
    max: 1,
    default: 0.1,
  },
} as const satisfies Record<string, Setting>;

export const LORA_SETTINGS = {
  rank: { kind: 'integer', label: 'Rank', help: 'Rank of the adapter matrices.', above: 0, default: 8 },
  alpha: { kind: 'number', label: 'Alpha', help: 'Scale is alpha / rank.', above: 0, default: 16 },
  dropout: {
    kind: 'number',
    label: 'Dropout',
    help: 'Dropout on the adapter inputs during training steps (PEFT lora_dropout), seeded so resume is exact. Default 0, as TRL’s DPOTrainer disables dropout.',
    min: 0,
    max: 1,
    default: 0,
  },
  targetModules: {
    kind: 'names',
    label: 'Target modules (empty = every linear layer)',
    help: 'Module name suffixes (PEFT target_modules); null = every linear layer.',
    nullable: true,
    default: null,
    placeholder: 'q_proj, k_proj, v_proj, o_proj',
  },
} as const satisfies Record<string, Setting>;

/** The top-level fields of RunConfig besides model, objective, optimizer, schedule and lora, in the config's order. */
export const RUN_SETTINGS = {
  microBatchSize: {
    kind: 'integer',
    label: 'Micro-batch',
    unit: 'pairs',
    help: 'Pairs per forward/backward pass; MMPO’s in-batch normalisation depends on it.',
    above: 0,
    default: 4,
  },
  gradAccumulation: {
    kind: 'integer',
    label: 'Grad accumulation',
    help: 'Micro-batches per optimizer step; effective batch = micro-batch × grad accumulation.',
    above: 0,
    default: 4,
  },
  maxGradNorm: {
    kind: 'number',
    label: 'Max grad norm',
    help: 'Clip the global gradient norm to this; empty (null) = no clipping (grad_norm is still logged).',
    above: 0,
    nullable: true,
    default: 1,
    placeholder: 'no clipping',
  },
  maxLength: {
    kind: 'integer',
    label: 'Max length',
    unit: 'tokens',
    help: 'Prompt + response per sequence; responses lose tokens from the right.',
    min: 2,
    default: 512,
  },
  maxPromptLength: {
    kind: 'integer',
    label: 'Max prompt length',
    unit: 'tokens',
    help: 'Prompts lose tokens from the left; must be below the max length.',
    min: 1,
    default: 384,
  },
  epochs: {
    kind: 'integer',
    label: 'Epochs',
    help: 'Passes over the training pairs (the paper: 5). Ignored when max steps is set.',
    above: 0,
    default: 5,
  },
  maxSteps: {
    kind: 'integer',
    label: 'Max steps',
    help: 'Stop after this many optimizer steps instead of a number of epochs; null = run by epochs.',
    above: 0,
    nullable: true,
    default: null,
  },
  seed: { kind: 'integer', label: 'Seed', help: 'Seeds the data order of every epoch and the LoRA initialisation.', default: 42 },
  evalEvery: {
    kind: 'integer',
    label: 'Eval every',
    unit: 'steps',
    help: 'Evaluate on the test split every N steps; 0 = only at the end.',
    min: 0,
    default: 50,
  },
  checkpointEvery: {
    kind: 'integer',
    label: 'Checkpoint every',
    unit: 'steps',
    help: 'Checkpoint every N steps; 0 = only at epoch ends.',
    min: 0,
    default: 0,
  },
  checkpointEachEpoch: {
    kind: 'boolean',
    label: 'Also checkpoint at the end of each epoch',
    help: 'Checkpoint at every epoch end too (the paper’s setup).',
    default: true,
  },
  keepCheckpoints: {
    kind: 'integer',
    label: 'Keep checkpoints',
    help: 'How many checkpoints to keep; the oldest are deleted first.',
    above: 0,
    default: 5,
  },
  chatTemplate: {
    kind: 'boolean',
    label: "Apply the tokenizer's chat template",
    help: 'Render prompts and responses through the tokenizer’s chat template.',
    default: true,
  },
  evalSuite: {
    kind: 'text',
    label: 'Evaluate on suite',
    help: 'An evaluation suite (evals.suites, e.g. "demo") to run on the starting model (step 0) and on each scheduled checkpoint, as eval jobs queued behind the run on the device; null = none.',
    nullable: true,
    default: null,
    placeholder: 'none',
  },
} as const satisfies Record<string, Setting>;

/** The groups of RunConfig whose fields are described above, by their key in the config. */
export const SETTING_GROUPS = { optimizer: OPTIMIZER_SETTINGS, schedule: SCHEDULE_SETTINGS, lora: LORA_SETTINGS } as const;

/** What `lora` itself means (it is null or an object of LORA_SETTINGS). */
export const LORA_HELP = 'null = full fine-tuning (every weight trains); an object = only LoRA adapters train, saved in PEFT format.';

export const DEFAULT_LORA = settingDefaults(LORA_SETTINGS);

/** A setting with the dotted path RunConfig holds it at ("optimizer.lr", "objective.beta"). */
export type DescribedSetting = Setting & { path: string };

/** Every setting of RunConfig outside the objective, by dotted path, in the config's order. */
export function runSettings(): DescribedSetting[] {
  const all: DescribedSetting[] = [];
  for (const [group, table] of Object.entries(SETTING_GROUPS)) {
    for (const [key, setting] of Object.entries<Setting>(table)) all.push({ ...setting, path: `${group}.${key}` });
  }
  for (const [key, setting] of Object.entries(RUN_SETTINGS)) all.push({ ...setting, path: key });
  return all;
}

/** The switches of one objective, by dotted path ("objective.beta"). */
export function objectiveSettings(objective: ObjectiveName): DescribedSetting[] {
  return Object.entries<Setting>(OBJECTIVE_SETTINGS[objective]).map(([key, setting]) => ({ ...setting, path: `objective.${key}` }));
}

/** The description of the setting at a dotted path; objective switches depend on the objective. */
export function settingAt(path: string, objective: ObjectiveName = 'mmpo'): DescribedSetting | undefined {
  return (path.startsWith('objective.') ? objectiveSettings(objective) : runSettings()).find((s) => s.path === path);
}

/** "Micro-batch (pairs)": the label with its unit. */
export function settingLabel(setting: Setting): string {
  return setting.unit ? `${setting.label} (${setting.unit})` : setting.label;
}

/** "integer > 0 or null, default 1": a setting's type, bounds and default in words, for the CLI help. */
export function describeBounds(setting: Setting): string {
  const parts: string[] = [];
  if (setting.kind === 'choice') parts.push(setting.options.join(' | '));
  else if (setting.kind === 'names') parts.push('list of names');
  else if (setting.kind === 'text') parts.push('name');
  else parts.push(setting.kind);
  if (setting.kind === 'number' || setting.kind === 'integer') {
    if (setting.above !== undefined) parts.push(`> ${setting.above}`);
    if (setting.min !== undefined) parts.push(setting.max !== undefined ? `in [${setting.min}, ${setting.max}]` : `≥ ${setting.min}`);
    else if (setting.max !== undefined) parts.push(`≤ ${setting.max}`);
  }
  const nullable =
    setting.kind === 'names' ||
    setting.kind === 'text' ||
    ((setting.kind === 'number' || setting.kind === 'integer') && setting.nullable === true);
  return `${parts.join(' ')}${nullable ? ' or null' : ''}, default ${JSON.stringify(setting.default)}`;
}

/** The config fields of run.json with their help: the text `studio train --help` prints. */
export function runSettingsHelp(): string {
  const line = (path: string, setting: Setting) =>
    `  ${path}  (${describeBounds(setting)})\n      ${setting.unit ? `${setting.label}, in ${setting.unit}` : setting.label}: ${setting.help}`;
  const lines = ['run.json "config" fields (any RunConfig field but the model; unset ones take the launcher\'s defaults for the model):'];
  for (const setting of runSettings()) {
    if (setting.path === 'lora.rank') lines.push(`  lora  (object or null, default null)\n      ${LORA_HELP}`);
    lines.push(line(setting.path, setting));
  }
  lines.push(
    '',
    `  objective  a preset name (${Object.keys(PRESET_SETTINGS).join(', ')}) or {"objective": NAME, ...its switches}; default mmpo`,
  );
  for (const [name, preset] of Object.entries(PRESET_SETTINGS)) {
    const set = Object.entries(preset.set).map(([key, value]) => `${key} = ${JSON.stringify(value)}`);
    lines.push(`      ${name}: ${preset.label}${set.length ? ` (${preset.objective} with ${set.join(', ')})` : ''}`);
  }
  for (const name of OBJECTIVE_NAMES) {
    lines.push(`  objective "${name}":`);
    for (const setting of objectiveSettings(name)) lines.push(`  ${line(setting.path, setting)}`);
  }
  return lines.join('\n');
}
