/**
 * Reading a TRL output folder (issue 16, "Import back"), without the
 * database: `trainer_state.json`'s log history under the studio's metric
 * names, the `checkpoint-N/` folders the engine can load (a full model in
 * safetensors, or a PEFT LoRA adapter), and the exported project's manifest
 * (the snapshot's content hash) and config.json. Everything it cannot use it
 * reports in `skipped` with the reason, and keeps the rest.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { StudioError } from '../../../shared/result';
import { fileError } from '../file-errors';
import type { TrlImportSkip } from '../../../shared/trl-import';
import { STEP_METRICS } from '../../../shared/training';

export const TRAINER_STATE = 'trainer_state.json';
const ADAPTER_CONFIG = 'adapter_config.json';
const ADAPTER_WEIGHTS = 'adapter_model.safetensors';
const CHECKPOINT_DIR = /^checkpoint-(\d+)$/;

/**
 * TRL's held-out names → the studio's (the inverse of runs/metrics-export.ts):
 * the five the studio's own evaluation logs get its names; any other
 * `eval_X` becomes `eval/X`, as the metrics export writes it back.
 */
export const TRL_EVAL_NAMES: Readonly<Record<string, string>> = {
  eval_loss: 'eval/loss',
  'eval_rewards/accuracies': 'eval/reward_accuracy',
  'eval_rewards/margins': 'eval/reward_margin',
  'eval_logps/accuracies': 'eval/logp_accuracy',
  'eval_logps/margins': 'eval/logp_margin',
};

/** Train names TRL's trainers log that the studio's runs log under the same name (STEP_METRICS), plus ORPO's, SFT's and DPO's own (TRL 1.13). */
const TRAIN_NAMES = new Set<string>([
  ...STEP_METRICS.filter((n) => n !== 'step' && n !== 'step_seconds' && n !== 'tokens_per_second'),
  'nll_loss',
  'log_odds_ratio',
  'log_odds_chosen',
  'entropy',
  'num_tokens',
  'mean_token_accuracy',
  'aux_loss',
]);
/** Families of names TRL logs per pair side (rewards/chosen, logps/rejected, …): kept as they are. */
const TRAIN_PREFIXES = ['rewards/', 'logps/', 'logits/', 'mmpo/'];

/** The HF Trainer's bookkeeping in log_history: timings and totals, not metrics of a step. */
const BOOKKEEPING = new Set([
  'step',
  'train_runtime',
  'train_samples_per_second',
  'train_steps_per_second',
  'train_loss',
  'total_flos',
  'eval_runtime',
  'eval_samples_per_second',
  'eval_steps_per_second',
]);

/** The keys the HF Trainer writes at the top of trainer_state.json (transformers 4.x–5.x). */
const STATE_KEYS = new Set([
  'best_global_step',
  'best_metric',
  'best_model_checkpoint',
  'epoch',
  'eval_steps',
  'global_step',
  'is_hyper_param_search',
  'is_local_process_zero',
  'is_world_process_zero',
  'log_history',
  'logging_steps',
  'max_steps',
  'num_input_tokens_seen',
  'num_train_epochs',
  'save_steps',
  'stateful_callbacks',
  'total_flos',
  'train_batch_size',
  'trial_name',
  'trial_params',
]);

const object = (v: unknown): Record<string, unknown> | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

const isTrainName = (name: string) => TRAIN_NAMES.has(name) || TRAIN_PREFIXES.some((p) => name.startsWith(p));

/** The studio's name for a TRL log key, or null when the studio does not know it. */
export function studioMetricName(key: string): string | null {
  if (TRL_EVAL_NAMES[key]) return TRL_EVAL_NAMES[key];
  if (key.startsWith('eval_')) {
    const rest = key.slice('eval_'.length);
    return isTrainName(rest) ? `eval/${rest}` : null;
  }
  return isTrainName(key) ? key : null;
}

/**
 * JSON as Python's json module writes it: bare NaN, Infinity and -Infinity
 * (a diverged loss) become strings, so the file parses and the values can be
 * reported instead of failing the whole file.
 */
export function parsePythonJson(text: string): unknown {
  return JSON.parse(text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (m) => (m.startsWith('"') ? m : `"${m}"`)));
}

const notTrl = (dir: string) =>
  new StudioError(
    'INVALID_ARGUMENT',
    `${dir} is not a TRL output folder: it has no ${TRAINER_STATE} (TRL writes one there when training ends, and one into each checkpoint-N/ folder while it runs).`,
  );

function checkpointDirs(dir: string): { step: number; path: string }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ match: CHECKPOINT_DIR.exec(name), path: join(dir, name) }))
    .filter(
      (c): c is { match: RegExpExecArray; path: string } =>
        c.match !== null && statSync(c.path, { throwIfNoEntry: false })?.isDirectory() === true,
    )
    .map((c) => ({ step: Number(c.match[1]), path: c.path }))
    .sort((a, b) => a.step - b.step);
}

const looksLikeOutput = (dir: string) =>
  existsSync(join(dir, TRAINER_STATE)) || checkpointDirs(dir).some((c) => existsSync(join(c.path, TRAINER_STATE)));

/**
 * The output folder to read, resolved through links (the run's identity):
 * `dir` itself, or the `output/` folder of an exported project. A folder that
 * is neither is refused in one sentence naming the file it lacks.
 */
export function locateOutput(dir: string): string {
  const abs = resolve(dir);
  try {
    const stat = statSync(abs, { throwIfNoEntry: false });
    if (!stat) throw new StudioError('NOT_FOUND', `${abs} does not exist.`);
    if (!stat.isDirectory()) throw new StudioError('INVALID_ARGUMENT', `${abs} is a file, not a TRL output folder.`);
    if (looksLikeOutput(abs)) return realpathSync(abs);
    if (looksLikeOutput(join(abs, 'output'))) return realpathSync(join(abs, 'output'));
  } catch (err) {
    // A folder this user may not read: said as such (file-errors.ts), not as a bug.
    throw err instanceof StudioError ? err : fileError(err, abs, 'read');
  }
  throw notTrl(abs);
}

export interface TrainerState {
  file: string;
  globalStep: number;
  maxSteps: number | null;
  logHistory: unknown[];
  bestModelCheckpoint: string | null;
}

/**
 * The most advanced trainer_state.json of the folder: the one TRL writes at
 * the end, or — while the run goes on — the newest checkpoint's (each holds
 * the whole log history up to its step).
 */
export function readTrainerState(dir: string, skipped: TrlImportSkip[]): TrainerState {
  const files = [join(dir, TRAINER_STATE), ...checkpointDirs(dir).map((c) => join(c.path, TRAINER_STATE))].filter((f) => existsSync(f));
  let best: TrainerState | null = null;
  let unknownKeys: string[] = [];
  for (const file of files) {
    let raw: unknown;
    try {
      raw = parsePythonJson(readFileSync(file, 'utf8'));
    } catch (e) {
      skipped.push({ what: file, reason: `not valid JSON (${(e as Error).message}); a checkpoint still being written?` });
      continue;
    }
    const state = object(raw);
    if (!state || !Array.isArray(state['log_history'])) {
      skipped.push({ what: file, reason: 'has no log_history list' });
      continue;
    }
    const globalStep = typeof state['global_step'] === 'number' ? state['global_step'] : 0;
    if (best === null || globalStep > best.globalStep) {
      best = {
        file,
        globalStep,
        maxSteps: typeof state['max_steps'] === 'number' && state['max_steps'] > 0 ? state['max_steps'] : null,
        logHistory: state['log_history'] as unknown[],
        bestModelCheckpoint: typeof state['best_model_checkpoint'] === 'string' ? state['best_model_checkpoint'] : null,
      };
      // Unknown top-level keys are reported for the file the log is read from only (each checkpoint's copy has the same).
      unknownKeys = Object.keys(state).filter((k) => !STATE_KEYS.has(k));
    }
  }
  if (!best) throw notTrl(dir);
  for (const key of unknownKeys)
    skipped.push({ what: `${basename(best.file)} key "${key}"`, reason: 'not a key the HF Trainer writes; ignored' });
  return best;
}

export interface LogValues {
  /** step → studio metric name → value. */
  byStep: Map<number, Record<string, number>>;
  entries: number;
}

/**
 * log_history as the studio's metrics: each entry's `step` with its values
 * under the studio's names (eval/… for held-out ones, `epoch` kept).
 * Non-finite values (a NaN loss), values that are not numbers, entries
 * without a step and keys the studio does not know are left out, each
 * reported (an unknown key once, with how many entries hold it).
 */
export function logValues(logHistory: unknown[], skipped: TrlImportSkip[]): LogValues {
  const byStep = new Map<number, Record<string, number>>();
  const unknown = new Map<string, number>();
  logHistory.forEach((entry, i) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      skipped.push({ what: `log_history[${i}]`, reason: 'not an object' });
      return;
    }
    const e = entry as Record<string, unknown>;
    const step = e['step'];
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) {
      skipped.push({ what: `log_history[${i}]`, reason: `no step (step is ${JSON.stringify(step)})` });
      return;
    }
    const values = byStep.get(step) ?? {};
    for (const [key, value] of Object.entries(e)) {
      if (BOOKKEEPING.has(key)) continue;
      const name = studioMetricName(key);
      if (name === null) {
        unknown.set(key, (unknown.get(key) ?? 0) + 1);
        continue;
      }
      if (typeof value !== 'number') {
        skipped.push({
          what: `step ${step}: ${key}`,
          reason:
            typeof value === 'string' && /^-?Infinity$|^NaN$/.test(value) ? `is ${value}` : `is not a number (${JSON.stringify(value)})`,
        });
        continue;
      }
      values[name] = value;
    }
    // TRL logs both sides' mean log-probs; their difference is the studio's mean log-prob margin.
    const [lw, ll] = [e['eval_logps/chosen'], e['eval_logps/rejected']];
    if (values['eval/logp_margin'] === undefined && typeof lw === 'number' && typeof ll === 'number' && Number.isFinite(lw - ll))
      values['eval/logp_margin'] = lw - ll;
    if (Object.keys(values).length > 0) byStep.set(step, values);
  });
  for (const [key, count] of unknown)
    skipped.push({
      what: `log_history key "${key}"`,
      reason: `not a metric the studio knows (in ${count} ${count === 1 ? 'entry' : 'entries'})`,
    });
  return { byStep, entries: logHistory.length };
}

export interface CheckpointOnDisk {
  step: number;
  path: string;
  kind: 'full' | 'adapter';
  /** The files its content hash covers (config and weights), sorted. */
  files: string[];
  bytes: number;
  /** The base model an adapter applies to (adapter_config.json's base_model_name_or_path). */
  baseModel: string | null;
}

/** Config and weight files of a full HF model folder, or null when it has none the engine reads. */
function modelFiles(dir: string): string[] | null {
  if (!existsSync(join(dir, 'config.json'))) return null;
  const names = readdirSync(dir);
  const weights = names.filter((n) => n.endsWith('.safetensors') || n === 'model.safetensors.index.json');
  return weights.length > 0 ? ['config.json', ...weights].sort() : null;
}

function describe(dir: string, step: number, skipped: TrlImportSkip[]): CheckpointOnDisk | null {
  const what = basename(dir) === `checkpoint-${step}` ? basename(dir) : `the final model in ${dir}`;
  let kind: CheckpointOnDisk['kind'];
  let files: string[];
  let baseModel: string | null = null;
  if (existsSync(join(dir, ADAPTER_CONFIG))) {
    if (!existsSync(join(dir, ADAPTER_WEIGHTS))) {
      skipped.push({ what, reason: `has ${ADAPTER_CONFIG} but no ${ADAPTER_WEIGHTS} (still being written, or saved as .bin?)` });
      return null;
    }
    kind = 'adapter';
    files = [ADAPTER_CONFIG, ADAPTER_WEIGHTS];
    try {
      const config = JSON.parse(readFileSync(join(dir, ADAPTER_CONFIG), 'utf8')) as Record<string, unknown>;
      baseModel = typeof config['base_model_name_or_path'] === 'string' ? config['base_model_name_or_path'] : null;
    } catch (e) {
      skipped.push({ what, reason: `${ADAPTER_CONFIG} is not valid JSON (${(e as Error).message})` });
      return null;
    }
  } else {
    const found = modelFiles(dir);
    if (!found) {
      const bin = existsSync(join(dir, 'pytorch_model.bin'));
      skipped.push({
        what,
        reason: bin
          ? 'holds pytorch_model.bin only; the studio reads safetensors (save with safe_serialization=True)'
          : `holds neither a model (config.json + model.safetensors) nor a PEFT adapter (${ADAPTER_CONFIG} + ${ADAPTER_WEIGHTS})`,
      });
      return null;
    }
    kind = 'full';
    files = found;
  }
  const bytes = files.reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  return { step, path: dir, kind, files, bytes, baseModel };
}

/**
 * The checkpoints the engine can load: every `checkpoint-N/` with a model or
 * an adapter, and the final model TRL saves into the folder itself when
 * training ends (at the last step, unless a checkpoint folder has that step).
 * Folders it cannot use are reported, as is a best_model_checkpoint that is gone.
 */
export function listCheckpoints(dir: string, state: TrainerState, skipped: TrlImportSkip[]): CheckpointOnDisk[] {
  const out: CheckpointOnDisk[] = [];
  for (const c of checkpointDirs(dir)) {
    const found = describe(c.path, c.step, skipped);
    if (found) out.push(found);
  }
  const finalStateHere = state.file === join(dir, TRAINER_STATE);
  if (finalStateHere && state.globalStep > 0 && !out.some((c) => c.step === state.globalStep)) {
    const hasWeights = existsSync(join(dir, ADAPTER_CONFIG)) || existsSync(join(dir, 'config.json'));
    if (hasWeights) {
      const final = describe(dir, state.globalStep, skipped);
      if (final) out.push(final);
    }
  }
  if (state.bestModelCheckpoint && !existsSync(join(dir, basename(state.bestModelCheckpoint))))
    skipped.push({
      what: basename(state.bestModelCheckpoint),
      reason: `named as best_model_checkpoint in ${TRAINER_STATE} but not in ${dir}`,
    });
  return out.sort((a, b) => a.step - b.step);
}

/** sha256 over a checkpoint's files (name and bytes, streamed: a 7B model is never held in memory). */
export async function hashCheckpoint(c: CheckpointOnDisk, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for (const name of c.files) {
    hash.update(`${name}\0`);
    for await (const chunk of createReadStream(join(c.path, name), { highWaterMark: 4 << 20 })) {
      signal?.throwIfAborted();
      hash.update(chunk as Buffer);
    }
  }
  return hash.digest('hex');
}

export interface ExportedProject {
  dir: string;
  /** data/manifest.json: the snapshot the export wrote, with its content hash, and the row counts. */
  manifest: { snapshotHash: string | null; snapshotName: string | null; trainRows: number; testRows: number } | null;
  /** config.json's studio block and model (the exported run's name, objective and model). */
  config: {
    runId: number | null;
    name: string | null;
    objective: unknown;
    modelNameOrPath: string | null;
    args: Record<string, unknown>;
    peft: Record<string, unknown> | null;
  } | null;
}

const readJsonObject = (file: string): Record<string, unknown> | null => {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

/**
 * The exported project around the output: `project` when given, else the
 * output folder's parent (train.py writes into the project's output/) or the
 * folder itself. Its config.json is told from a model's config.json by the
 * export's `trainer` and `studio` keys.
 */
export function readProject(outputDir: string, project: string | undefined, skipped: TrlImportSkip[]): ExportedProject | null {
  const candidates = project ? [resolve(project)] : [dirname(outputDir), outputDir];
  for (const dir of candidates) {
    const manifestRaw = readJsonObject(join(dir, 'data', 'manifest.json'));
    const configRaw = readJsonObject(join(dir, 'config.json'));
    const exportConfig = configRaw && 'trainer' in configRaw && 'args' in configRaw ? configRaw : null;
    if (!manifestRaw && !exportConfig) continue;
    const snapshot = object(manifestRaw?.['snapshot']);
    const studio = object(exportConfig?.['studio']);
    const rows = (part: unknown) => {
      const r = object(part)?.['rows'];
      return typeof r === 'number' ? r : 0;
    };
    return {
      dir,
      manifest: manifestRaw
        ? {
            snapshotHash: typeof snapshot?.['contentHash'] === 'string' ? snapshot['contentHash'] : null,
            snapshotName: typeof snapshot?.['name'] === 'string' ? snapshot['name'] : null,
            trainRows: rows(manifestRaw['train']),
            testRows: rows(manifestRaw['test']),
          }
        : null,
      config: exportConfig
        ? {
            runId: typeof studio?.['run'] === 'number' ? studio['run'] : null,
            name: typeof studio?.['name'] === 'string' ? studio['name'] : null,
            objective: studio?.['objective'] ?? null,
            modelNameOrPath: typeof exportConfig['model_name_or_path'] === 'string' ? exportConfig['model_name_or_path'] : null,
            args: object(exportConfig['args']) ?? {},
            peft: object(exportConfig['peft']),
          }
        : null,
    };
  }
  if (project) skipped.push({ what: project, reason: 'has neither data/manifest.json nor the export’s config.json' });
  return null;
}
