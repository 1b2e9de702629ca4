/**
 * The `label-uncertainty` job (issue 18 item 9): orders a queue so people
 * label first what a model is least sure of. Every pair's per-token margin
 * |log π(a)/|a| − log π(b)/|b|| under the model is cached per (pair, scorer
 * key = model content hash + tokenizer + tokenization). The handler resolves
 * the model and its key; the worker (uncertainty-task.ts) scores only the
 * pairs missing from the cache, stores their margins a chunk at a time and
 * renumbers the queue's positions smallest margin first — its order becomes
 * `uncertain`. Asking again with the same model scores nothing and loads no
 * model.
 */
import { createHash } from 'node:crypto';
import { UncertaintyParams, UncertaintyResult } from '../../../shared/labeling';
import { modelHashOf, resolveModel, tokenizerHash } from '../evals/eval-model';
import { defineJobKind } from '../jobs/kind';
import { workerModel } from './candidates-job';
import { UncertaintyPayload, UncertaintyTaskResult } from './candidates-protocol';
import { LabelStore } from './label-store';

/** Bumped when the margin changes what it measures: old cached margins then no longer match. */
const MARGIN_VERSION = 1;

export const uncertaintyJob = defineJobKind({
  kind: 'label-uncertainty',
  lane: 'device',
  params: UncertaintyParams,
  result: UncertaintyResult,
  title: (p, services) => {
    const model = 'modelId' in p.model ? services.runs.getModel(p.model.modelId).name : `run #${p.model.runId} step ${p.model.step}`;
    return `Order label queue "${new LabelStore(services.runs.db).queueRow(p.queueId).name}" by ${model}'s uncertainty`;
  },
  // The worker loads the engine and TensorFlow.js only when it has pairs to score.
  worker: {
    payload: UncertaintyPayload,
    result: UncertaintyTaskResult,
    load: async () => (await import('./uncertainty-task')).uncertaintyTask,
  },
  async run(ctx) {
    const { runs } = ctx.services;
    const { queueId } = ctx.params;
    new LabelStore(runs.db).queueRow(queueId);
    const model = await resolveModel(runs, { model: ctx.params.model, settings: {} });
    ctx.progress(0, 'Hashing the model');
    const modelHash = await modelHashOf(model);
    const scorerKey = createHash('sha256')
      .update(JSON.stringify({ version: MARGIN_VERSION, modelHash, tokenizer: tokenizerHash(model.tokenizerDir), ...model.tokenization }))
      .digest('hex');
    const done = await ctx.runWorker({
      dbPath: ctx.services.dbPath,
      ...(ctx.services.nativeBinding ? { nativeBinding: ctx.services.nativeBinding } : {}),
      queueId,
      model: workerModel(model),
      scorerKey,
      modelHash,
      modelName: model.name,
    });
    return { modelName: model.name, modelHash, ...done };
  },
});
