/**
 * The model an evaluation (or a labeling candidates / uncertainty job) loads:
 * a registered model or a run checkpoint, LoRA adapters included, with the
 * content hashes its cached results are keyed by. Its own module so the eval
 * job, the win-rate item and the labeling jobs share it without import cycles.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import type { EvalParams } from '../../../shared/evals';
import { StudioError } from '../../../shared/result';
import { DEMO_RUN_DEFAULTS } from '../../../shared/demo';
import { DEFAULT_BETA } from '../../../shared/stats/preference';
import type { ModelSource } from '../../../shared/training';
import { defaultsFor } from '../runs/estimate';
import { modelSourceHash } from '../runs/model-hash';
import { readModelFolderConfig } from '../runs/models';
import type { RunStore } from '../runs/store';

export interface ModelToEvaluate {
  /** The weights: an HF folder, or (a LoRA checkpoint) the run's starting model … */
  source: ModelSource;
  /** … with this adapter folder attached. */
  adapter: string | null;
  /** Where the tokenizer files are. */
  tokenizerDir: string;
  name: string;
  modelId: number | null;
  runId: number | null;
  runStep: number | null;
  /** The run's starting model, for rewards/*; null for a plain model. */
  reference: ModelSource | null;
  tokenization: { chatTemplate: boolean; maxLength: number; maxPromptLength: number };
  beta: number;
}

/** A registered model or a run checkpoint (LoRA adapters included) as the worker loads it; the labeling candidates and uncertainty jobs use it too. */
export async function resolveModel(
  runs: RunStore,
  params: Pick<z.output<typeof EvalParams>, 'model' | 'settings'>,
): Promise<ModelToEvaluate> {
  const s = params.settings;
  const ref = params.model;
  if ('modelId' in ref) {
    const entry = runs.getModel(ref.modelId);
    const defaults = defaultsFor(entry, await readModelFolderConfig(entry.path), entry.origin === 'demo' ? DEMO_RUN_DEFAULTS : undefined);
    const maxLength = s.maxLength ?? defaults.maxLength;
    return {
      source: { kind: 'folder', path: entry.path },
      adapter: null,
      tokenizerDir: entry.path,
      name: entry.name,
      modelId: entry.id,
      runId: null,
      runStep: null,
      reference: null,
      tokenization: {
        chatTemplate: s.chatTemplate ?? defaults.chatTemplate,
        maxLength,
        maxPromptLength: s.maxPromptLength ?? Math.min(defaults.maxPromptLength, maxLength - 1),
      },
      beta: s.beta ?? DEFAULT_BETA,
    };
  }
  const run = runs.getRun(ref.runId);
  const base = run.config.model;
  const objective = run.config.objective as { beta?: number };
  const tokenization = {
    chatTemplate: s.chatTemplate ?? run.config.chatTemplate,
    maxLength: s.maxLength ?? run.config.maxLength,
    maxPromptLength: s.maxPromptLength ?? run.config.maxPromptLength,
  };
  const beta = s.beta ?? objective.beta ?? DEFAULT_BETA;
  if (ref.step === 0) {
    // Step 0 is the run's starting model, before any update. Against itself every implicit reward would be 0, so no
    // reference is loaded (no second copy in memory) and step 0 reports the reference-free metrics only.
    return {
      source: base,
      adapter: null,
      tokenizerDir: base.kind === 'folder' ? base.path : base.tokenizerDir,
      name: `${run.name} (run #${run.id}, step 0)`,
      modelId: null,
      runId: run.id,
      runStep: 0,
      reference: null,
      tokenization,
      beta,
    };
  }
  const checkpoint = runs.checkpoints(run.id).find((c) => c.step === ref.step);
  if (!checkpoint) {
    const steps = runs.checkpoints(run.id).map((c) => c.step);
    throw new StudioError(
      'NOT_FOUND',
      `Run #${run.id} has no checkpoint at step ${ref.step}${steps.length ? ` (it has ${steps.join(', ')})` : ''}.`,
    );
  }
  // A run imported from TRL (issue 16) keeps its checkpoints as TRL wrote them: the folder is the HF model or the PEFT adapter.
  const peft = existsSync(join(checkpoint.path, 'adapter_config.json'));
  const hfLayout = peft || existsSync(join(checkpoint.path, 'config.json'));
  const folder = hfLayout ? checkpoint.path : join(checkpoint.path, 'model');
  const adapter = hfLayout ? checkpoint.path : join(checkpoint.path, 'adapter');
  const full = !peft && existsSync(join(folder, 'config.json'));
  if (!full && !existsSync(adapter))
    throw new StudioError('INVALID_ARGUMENT', `Checkpoint ${checkpoint.path} holds neither a model/ folder nor a LoRA adapter/.`);
  if (!full && base.kind === 'folder' && !existsSync(join(base.path, 'config.json')))
    throw new StudioError(
      'INVALID_ARGUMENT',
      `Checkpoint ${checkpoint.path} is a LoRA adapter for ${base.path}, which is not a model folder on this machine; download the base model and import the run with it.`,
    );
  // A full checkpoint of an imported run whose starting model is not here is scored without a reference (no rewards/*).
  const reference = base.kind === 'folder' && !existsSync(join(base.path, 'config.json')) ? null : base;
  return {
    source: full ? { kind: 'folder', path: folder } : base,
    adapter: full ? null : adapter,
    tokenizerDir: full ? folder : base.kind === 'folder' ? base.path : base.tokenizerDir,
    name: `${run.name} (run #${run.id}, step ${ref.step})`,
    modelId: null,
    runId: run.id,
    runStep: ref.step,
    reference,
    tokenization,
    beta,
  };
}

/** The model's content hash: its folder's (or starting model's) as runs record it, combined with a LoRA adapter's files. */
export async function modelHashOf(model: ModelToEvaluate): Promise<string> {
  const base = await modelSourceHash(model.source);
  if (!model.adapter) return base;
  const hash = createHash('sha256').update(`${base}\0`);
  // The adapter's own files only: an imported TRL checkpoint folder also holds optimizer and trainer state.
  for (const name of readdirSync(model.adapter)
    .filter((n) => n === 'adapter_config.json' || n === 'adapter_model.safetensors')
    .sort())
    hash.update(`${name}\0`).update(readFileSync(join(model.adapter, name)));
  return hash.digest('hex');
}

/** sha256 of the tokenizer files: the model hash covers config and weights only. */
export function tokenizerHash(dir: string): string {
  const hash = createHash('sha256');
  for (const name of ['tokenizer.json', 'tokenizer_config.json']) {
    const file = join(dir, name);
    if (existsSync(file)) hash.update(`${name}\0`).update(readFileSync(file));
  }
  return hash.digest('hex');
}
