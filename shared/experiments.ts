import { z } from 'zod';
import { DEMO_EXPERIMENT } from './demo';
import { JobStatus } from './jobs';
import { PRESETS, type PresetName } from './objectives';
import { StudioError } from './result';
import { RunConfig } from './training';

/**
 * Experiments (issue 19, the paper in miniature): a grid of training runs on
 * one snapshot and one base model. Every run shares `config` (laid over the
 * model's launcher defaults, as a run.json's config is) and differs only in
 * the settings `vary` lists — by default the MMPO paper's objectives × β ×
 * seeds, but any RunConfig path may vary ("optimizer.lr", "lora.rank", …).
 * `expandGrid` turns a spec into the runs' configs and says which settings
 * vary among them and which are shared; the core (main/core/experiments/)
 * creates one ordinary run per cell.
 */

const Id = z.number().int().positive();

/** What every experiments.* method on one experiment takes (get, results, pause, resume, cancel). */
export const ExperimentRef = z.object({ id: Id });

/** Path → the values it takes, outermost first: `{"objective": ["mmpo", "dpo"], "objective.beta": [0.01, 0.1], "seed": [1, 2]}`. */
export const GridAxes = z.record(z.string(), z.array(z.unknown()));
export type GridAxes = z.infer<typeof GridAxes>;

/** What `experiments.create` takes: the snapshot and model by id, the shared settings and the axes. */
export const ExperimentSpec = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  snapshotId: Id,
  modelId: Id,
  /** RunConfig fields every run shares, over the model's launcher defaults; `objective` may be a preset name. */
  config: z.record(z.string(), z.unknown()).default({}),
  vary: GridAxes,
});
export type ExperimentSpec = z.input<typeof ExperimentSpec>;

/** Most runs one experiment may hold (a typo such as 100 seeds should not queue a week of training). */
export const MAX_GRID_RUNS = 256;

/** The MMPO paper's grid (mmpo-spec.md, "Headline results"), the default on the demo workspace: 4 × 4 × 2 = 32 runs. */
export const DEMO_GRID = {
  objective: ['mmpo', 'mmpo-mml', 'dpo', 'simpo'],
  'objective.beta': [0.01, 0.05, 0.1, 0.5],
  seed: [1, 2],
} satisfies GridAxes;

/** `--quick`: MMPO against DPO at both ends of the β range, one seed (4 runs), for CI-like checks. */
export const QUICK_GRID = {
  objective: ['mmpo', 'dpo'],
  'objective.beta': [0.01, 0.5],
  seed: [1],
} satisfies GridAxes;

/** The default demo experiment as a sweep file holds it (the CLI resolves the dataset and model names). */
export const DEMO_SWEEP = {
  name: 'The paper in miniature',
  dataset: 'Demo: rule following',
  model: 'demo',
  config: DEMO_EXPERIMENT as Record<string, unknown>,
  vary: DEMO_GRID as GridAxes,
  quick: QUICK_GRID as GridAxes,
};

/**
 * `--quick` for a spec without its own quick grid: at most the first two
 * values of every axis and one seed.
 */
export function quickAxes(vary: GridAxes): GridAxes {
  return Object.fromEntries(Object.entries(vary).map(([path, values]) => [path, values.slice(0, path === 'seed' ? 1 : 2)]));
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function invalid(message: string, path: string): never {
  throw new StudioError('INVALID_ARGUMENT', message, { issues: [{ path, message }] });
}

/** A preset name ("dpo") as its objective config; an object passes through. */
function objectiveValue(value: unknown, where: string): unknown {
  if (typeof value !== 'string') return value;
  if (!(value in PRESETS)) invalid(`${where}: "${value}" is not an objective preset (${Object.keys(PRESETS).join(', ')}).`, where);
  return structuredClone(PRESETS[value as PresetName]);
}

/**
 * `config` over a model's launcher defaults, as a run.json's config is laid
 * over them: optimizer and schedule merge field by field; an objective
 * replaces the default whole and may be a preset name.
 */
export function overDefaults(defaults: Json, config: Json): Json {
  const merged: Json = structuredClone({ ...defaults, ...config });
  for (const key of ['optimizer', 'schedule']) {
    if (isObject(defaults[key]) && isObject(config[key])) merged[key] = structuredClone({ ...defaults[key], ...config[key] });
  }
  if ('objective' in config) merged['objective'] = objectiveValue(config['objective'], 'config.objective');
  return merged;
}

/** RunConfig's top-level fields a grid may vary (the model is the experiment's, not a setting). */
const SETTING_ROOTS = Object.keys(RunConfig.shape).filter((key) => key !== 'model');

function getPath(obj: unknown, path: string): unknown {
  let at: unknown = obj;
  for (const key of path.split('.')) {
    if (!isObject(at)) return undefined;
    at = at[key];
  }
  return at;
}

function setPath(obj: Json, path: string, value: unknown, where: string): void {
  const keys = path.split('.');
  let at: Json = obj;
  for (const key of keys.slice(0, -1)) {
    const next = at[key];
    if (!isObject(next)) invalid(`${where}: "${keys.slice(0, keys.indexOf(key) + 1).join('.')}" is not a group of settings.`, where);
    at = next;
  }
  at[keys[keys.length - 1]!] = structuredClone(value);
}

/** Every leaf of a config by dotted path (arrays are values). */
export function flattenSettings(obj: unknown, prefix = ''): Json {
  if (!isObject(obj)) return prefix ? { [prefix]: obj } : {};
  const out: Json = {};
  for (const [key, value] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isObject(value)) Object.assign(out, flattenSettings(value, path));
    else out[path] = value;
  }
  return out;
}

/** "mmpo-mml β=0.05 seed=2": a cell's settings in words (run names, table rows). */
export function describeCell(settings: Json): string {
  return Object.entries(settings)
    .map(([path, value]) => {
      if (path === 'objective') return typeof value === 'string' ? value : isObject(value) ? String(value['objective']) : String(value);
      const name = path === 'objective.beta' ? 'β' : path;
      return `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
    })
    .join(' ');
}

export interface GridCell {
  /** Index in the expanded grid (the first axis outermost). */
  cell: number;
  /** The value of every axis in this cell, by path, as the spec gave it (a preset stays its name). */
  settings: Json;
  /** The run's settings: every RunConfig field but the model. */
  config: Json;
  label: string;
}

export interface ExpandedGrid {
  cells: GridCell[];
  /** The spec's axes, in order. */
  axes: { path: string; values: unknown[] }[];
  /** Flattened settings ("objective.beta", "optimizer.lr") whose value differs between cells. */
  varying: string[];
  /** Flattened settings every cell has the same value of. */
  shared: Json;
}

/** Placeholder model for checking a cell's settings before a real model is known (RunConfig requires one). */
const CHECK_MODEL = { kind: 'folder', path: '(the experiment’s model)' } as const;

/**
 * The runs of a grid: the cartesian product of `vary` (first axis outermost)
 * laid over `config`, each checked as a RunConfig. An axis that sets a whole
 * group ("objective", a preset name or an object) is applied before the
 * settings inside it ("objective.beta"), so `objective × objective.beta`
 * means each objective at each β. Throws INVALID_ARGUMENT naming the axis
 * (`vary.objective.beta`) or the cell and setting that is wrong.
 */
export function expandGrid(spec: { config?: Json; vary: GridAxes }, defaults: Json = {}): ExpandedGrid {
  for (const key of Object.keys(spec.config ?? {})) {
    // RunConfig drops keys it does not know; a misspelt shared setting would silently train with the default.
    if (!SETTING_ROOTS.includes(key))
      invalid(`config.${key}: "${key}" is not a run setting (${SETTING_ROOTS.join(', ')}).`, `config.${key}`);
  }
  // Every setting filled in (RunConfig's defaults under the model's), so an axis inside a group always has the group.
  const given = RunConfig.safeParse({ ...overDefaults(defaults, spec.config ?? {}), model: CHECK_MODEL });
  if (!given.success) {
    const issue = given.error.issues[0]!;
    invalid(`config.${issue.path.join('.')}: ${issue.message}`, `config.${issue.path.join('.')}`);
  }
  const { model: _base, ...base } = given.data as Json;
  const axes = Object.entries(spec.vary).map(([path, values]) => ({ path, values }));
  if (axes.length === 0) invalid('vary: name at least one setting to vary, e.g. {"objective.beta": [0.01, 0.1]}.', 'vary');
  for (const { path, values } of axes) {
    const where = `vary.${path}`;
    if (!/^[A-Za-z]\w*(\.[A-Za-z]\w*)*$/.test(path))
      invalid(`${where}: "${path}" is not a setting path (such as "objective.beta").`, where);
    const root = path.split('.')[0]!;
    if (root === 'model') invalid(`${where}: an experiment has one base model; run another experiment to vary it.`, where);
    if (!SETTING_ROOTS.includes(root)) invalid(`${where}: "${root}" is not a run setting (${SETTING_ROOTS.join(', ')}).`, where);
    if (!Array.isArray(values) || values.length === 0) invalid(`${where}: give at least one value.`, where);
    const seen = new Set<string>();
    values.forEach((value, i) => {
      if (value === undefined || value === null) invalid(`${where}[${i}]: a value is missing.`, `${where}[${i}]`);
      const key = JSON.stringify(value);
      if (seen.has(key)) invalid(`${where}[${i}]: ${key} is listed twice.`, `${where}[${i}]`);
      seen.add(key);
      if (path === 'objective') objectiveValue(value, `${where}[${i}]`);
    });
  }
  const count = axes.reduce((n, a) => n * a.values.length, 1);
  if (count > MAX_GRID_RUNS) invalid(`vary: the grid has ${count} runs; at most ${MAX_GRID_RUNS} fit one experiment.`, 'vary');

  // Whole groups first, then the settings inside them.
  const applyOrder = [...axes].sort((a, b) => a.path.split('.').length - b.path.split('.').length);
  const cells: GridCell[] = [];
  for (let cell = 0; cell < count; cell++) {
    const settings: Json = {};
    let rest = cell;
    for (let a = axes.length - 1; a >= 0; a--) {
      const axis = axes[a]!;
      settings[axis.path] = axis.values[rest % axis.values.length];
      rest = Math.floor(rest / axis.values.length);
    }
    const ordered = Object.fromEntries(axes.map((a) => [a.path, settings[a.path]]));
    const label = describeCell(ordered);
    const config = structuredClone(base);
    for (const axis of applyOrder) {
      const where = `vary.${axis.path}`;
      const value = axis.path === 'objective' ? objectiveValue(ordered[axis.path], where) : ordered[axis.path];
      setPath(config, axis.path, value, where);
    }
    const parsed = RunConfig.safeParse({ ...config, model: CHECK_MODEL });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = issue.path.join('.') || '(config)';
      invalid(`Run ${cell + 1} of the grid (${label}): ${path}: ${issue.message}`, path);
    }
    for (const axis of axes) {
      // A setting the run's config has no place for would be dropped silently (SFT has no β).
      if (getPath(parsed.data, axis.path) === undefined) {
        const group = axis.path.split('.').slice(0, -1).join('.');
        const owner = group === 'objective' ? `objective "${parsed.data.objective.objective}"` : `"${group || 'the run config'}"`;
        invalid(
          `vary.${axis.path}: ${owner} has no setting "${axis.path.split('.').pop()}" (run ${cell + 1} of the grid: ${label}).`,
          `vary.${axis.path}`,
        );
      }
    }
    const { model: _model, ...runConfig } = parsed.data;
    cells.push({ cell, settings: ordered, config: runConfig, label });
  }

  const flat = cells.map((c) => flattenSettings(c.config));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))];
  const varying = keys.filter((k) => flat.some((f) => JSON.stringify(f[k]) !== JSON.stringify(flat[0]![k])));
  const shared = Object.fromEntries(keys.filter((k) => !varying.includes(k)).map((k) => [k, flat[0]![k]]));
  return { cells, axes, varying, shared };
}

/** What the whole experiment is doing, from its runs' and evaluations' jobs. */
export const ExperimentStatus = z.enum(['queued', 'running', 'pausing', 'paused', 'cancelled', 'succeeded', 'incomplete']);
export type ExperimentStatus = z.infer<typeof ExperimentStatus>;

export const ExperimentRun = z.object({
  cell: z.number().int(),
  settings: z.record(z.string(), z.unknown()),
  label: z.string(),
  runId: Id,
  name: z.string(),
  /** The run's own status: `queued` while it waits its turn (one cell at a time, in grid order), as everywhere else. */
  status: JobStatus,
  /** Why a queued run waits, in words (its turn in the experiment, or the device lane). */
  queueReason: z.string().nullable(),
  step: z.number().int(),
  totalSteps: z.number().int(),
  /**
   * The experiment's evaluations of this run — its suite at step 0 and each
   * scheduled checkpoint — done (succeeded, failed or cancelled), of those
   * planned. A run that stopped for good plans only what it had queued.
   */
  evalsDone: z.number().int(),
  evalsPlanned: z.number().int(),
  /**
   * Evaluations started by hand on the run (another suite, a step the grid
   * does not plan, a repeat): not in the counts above, and in the report only
   * when the experiment planned none (no evaluation suite).
   */
  evalsByHand: z.number().int(),
  error: z.string().nullable(),
});
export type ExperimentRun = z.infer<typeof ExperimentRun>;

/** Time left, priced from what this experiment (or, before it measured anything, this workspace) measured. */
export const ExperimentEstimate = z.object({
  seconds: z.number(),
  low: z.number(),
  high: z.number(),
  /** How it was priced, in words. */
  basis: z.string(),
});
export type ExperimentEstimate = z.infer<typeof ExperimentEstimate>;

export const ExperimentSummary = z.object({
  id: Id,
  name: z.string(),
  /** What was asked of the whole: a paused experiment's runs wait until it is resumed. */
  state: z.enum(['active', 'paused', 'cancelled']),
  status: ExperimentStatus,
  snapshotId: Id,
  modelId: Id,
  runs: z.number().int(),
  /** Share of the work done: training steps and evaluations, each priced by its measured time when known. */
  progress: z.number().min(0).max(1),
  createdAt: z.number(),
});
export type ExperimentSummary = z.infer<typeof ExperimentSummary>;

export const Experiment = ExperimentSummary.extend({
  spec: ExperimentSpec,
  axes: z.array(z.object({ path: z.string(), values: z.array(z.unknown()) })),
  varying: z.array(z.string()),
  shared: z.record(z.string(), z.unknown()),
  cells: z.array(ExperimentRun),
  stepsDone: z.number().int(),
  stepsTotal: z.number().int(),
  evalsDone: z.number().int(),
  evalsPlanned: z.number().int(),
  /** Evaluations started by hand on its runs, apart from the planned ones (ExperimentRun.evalsByHand). */
  evalsByHand: z.number().int(),
  /** Null until there is something measured to price the rest with (the reason is in `estimateNote`). */
  estimate: ExperimentEstimate.nullable(),
  estimateNote: z.string(),
});
export type Experiment = z.infer<typeof Experiment>;
