/**
 * A win-rate suite item, resolved by the `eval` job for the model it
 * evaluates: the baseline (given, or the evaluated checkpoint's starting
 * model), the judge (the rule checker, or a model with its template), the
 * hashes that key each side's generations, and the item's data hash — which
 * pins the prompts' content, the baseline's model hash, the judge (its model
 * hash and template) and the sampling settings, so a cached result is reused
 * only when all of them are the same.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename, resolve } from 'node:path';
import {
  DEFAULT_JUDGE_TEMPLATE,
  judgeTemplateProblem,
  WIN_RATE_BOOTSTRAP,
  type GenerationSampling,
  type SuiteItem,
} from '../../../shared/evals';
import { StudioError } from '../../../shared/result';
import { getSnapshot } from '../datasets/snapshots';
import type { DatasetStore } from '../datasets/store';
import { modelSourceHash } from '../runs/model-hash';
import type { RunStore } from '../runs/store';
import { modelHashOf, resolveModel, tokenizerHash, type ModelToEvaluate } from './eval-model';
import type { WinRateWorkItem } from './eval-protocol';
import { sha256Json } from './hash';

/** Bumped when generation changes what it produces for the same settings: stored generations then no longer match. */
const GENERATOR_VERSION = 1;
/** Bumped when a judge or the report changes what it computes. */
const JUDGE_VERSION = 1;

type WinRateSuiteItem = Extract<SuiteItem, { kind: 'win-rate' }>;

/** One side's generation settings as stored with each generation (their hash is part of the generations' key). */
export interface SideGenerations {
  modelHash: string;
  modelName: string;
  settings: Record<string, unknown>;
  settingsHash: string;
}

export interface ResolvedWinRate {
  kind: 'win-rate';
  label: string;
  dataHash: string;
  problems: [];
  /** The eval_results settings (the candidate's tokenizer and prompt wrapping, the report's bootstrap). */
  settings: Record<string, unknown>;
  work: Omit<WinRateWorkItem, 'label'>;
  sides: { candidate: SideGenerations; baseline: SideGenerations };
}

export type WinRateResolution = ResolvedWinRate | { kind: 'win-rate'; label: string; skipped: string };

async function fileHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (err) {
    throw new StudioError('INVALID_ARGUMENT', `Cannot read the win-rate prompts file ${path}: ${(err as Error).message}`);
  }
  return hash.digest('hex');
}

function generationSettings(sampling: GenerationSampling, chat: boolean, tokenizer: string): Record<string, unknown> {
  return { generator: GENERATOR_VERSION, sampling, chat, tokenizer, seedPerPrompt: 'sha256(seed, prompt hash)' };
}

/** The model a side or the judge runs, as the worker loads it, and what identifies it. */
interface SideModel {
  source: ModelToEvaluate['source'];
  adapter: string | null;
  name: string;
  chat: boolean;
  modelHash: string;
  tokenizer: string;
}

async function sideModel(m: ModelToEvaluate): Promise<SideModel> {
  return {
    source: m.source,
    adapter: m.adapter,
    name: m.name,
    chat: m.tokenization.chatTemplate,
    modelHash: await modelHashOf(m),
    tokenizer: tokenizerHash(m.tokenizerDir),
  };
}

/** The baseline: the item's, else a run checkpoint's starting model, else none (null). */
async function baselineOf(item: WinRateSuiteItem, runs: RunStore, model: ModelToEvaluate): Promise<SideModel | null> {
  if (item.baseline) return sideModel(await resolveModel(runs, { model: item.baseline, settings: {} }));
  if (model.runId === null) return null;
  const run = runs.getRun(model.runId);
  const base = run.config.model;
  return {
    source: base,
    adapter: null,
    name: `${run.modelName} (run #${run.id}'s starting model)`,
    // The run's prompt wrapping, so both sides are asked the same way.
    chat: run.config.chatTemplate,
    modelHash: await modelSourceHash(base),
    tokenizer: tokenizerHash(base.kind === 'folder' ? base.path : base.tokenizerDir),
  };
}

export async function resolveWinRate(
  item: WinRateSuiteItem,
  ctx: { runs: RunStore; datasets: DatasetStore; model: ModelToEvaluate; modelHash: string; tokenizer: string },
): Promise<WinRateResolution> {
  const { runs, datasets, model } = ctx;
  let promptsLabel: string;
  let promptsHash: string;
  let prompts: WinRateWorkItem['prompts'];
  if ('path' in item.prompts) {
    const path = resolve(item.prompts.path);
    promptsHash = await fileHash(path);
    promptsLabel = basename(path);
    prompts = { path };
  } else {
    const snapshot = getSnapshot(datasets.db, item.prompts.snapshotId);
    const split = item.prompts.split;
    if ((split === 'test' ? snapshot.testCount : snapshot.trainCount) === 0)
      throw new StudioError('INVALID_ARGUMENT', `Snapshot "${snapshot.name}" has no ${split} records to take win-rate prompts from.`);
    promptsLabel = `${datasets.getDataset(snapshot.datasetId).name} / ${snapshot.name} (${split})`;
    promptsHash = sha256Json({ snapshot: snapshot.contentHash, split });
    prompts = { snapshotId: snapshot.id, split };
  }

  const baseline = await baselineOf(item, runs, model);
  if (!baseline)
    return {
      kind: 'win-rate',
      label: `win rate on ${promptsLabel}`,
      skipped: `${model.name} has no base model to compare with: give the win-rate item a baseline (a model id or a run checkpoint).`,
    };
  const label = `win rate vs ${baseline.name} on ${promptsLabel}`;

  let judge: WinRateWorkItem['judge'];
  let judgeKey: unknown;
  if (item.judge.kind === 'rules') {
    judge = { kind: 'rules' };
    judgeKey = { kind: 'rules', v: JUDGE_VERSION };
  } else {
    const template = item.judge.template ?? DEFAULT_JUDGE_TEMPLATE;
    const problem = judgeTemplateProblem(template);
    if (problem) throw new StudioError('INVALID_ARGUMENT', `${label}: ${problem}`);
    const j = await sideModel(await resolveModel(runs, { model: item.judge.model, settings: {} }));
    judge = { kind: 'model', source: j.source, adapter: j.adapter, name: j.name, template };
    judgeKey = { kind: 'model', v: JUDGE_VERSION, model: j.modelHash, tokenizer: j.tokenizer, template };
  }

  const candidateChat = model.tokenization.chatTemplate;
  const candidateSettings = generationSettings(item.sampling, candidateChat, ctx.tokenizer);
  const baselineSettings = generationSettings(item.sampling, baseline.chat, baseline.tokenizer);
  const sides = {
    candidate: {
      modelHash: ctx.modelHash,
      modelName: model.name,
      settings: candidateSettings,
      settingsHash: sha256Json(candidateSettings),
    },
    baseline: {
      modelHash: baseline.modelHash,
      modelName: baseline.name,
      settings: baselineSettings,
      settingsHash: sha256Json(baselineSettings),
    },
  };
  return {
    kind: 'win-rate',
    label,
    dataHash: sha256Json({
      kind: 'win-rate',
      v: 1,
      prompts: promptsHash,
      baseline: { model: baseline.modelHash, settings: sides.baseline.settingsHash },
      judge: judgeKey,
      sampling: item.sampling,
    }),
    problems: [],
    settings: { judge: JUDGE_VERSION, generation: sides.candidate.settingsHash, report: WIN_RATE_BOOTSTRAP },
    work: {
      kind: 'win-rate',
      prompts,
      sampling: item.sampling,
      candidate: { modelHash: sides.candidate.modelHash, settingsHash: sides.candidate.settingsHash, chat: candidateChat },
      baseline: {
        modelHash: baseline.modelHash,
        settingsHash: sides.baseline.settingsHash,
        chat: baseline.chat,
        source: baseline.source,
        adapter: baseline.adapter,
        name: baseline.name,
      },
      judge,
    },
    sides,
  };
}
