/**
 * The `label-uncertainty` job (issue 18 item 9): orders a queue so people
 * label first what a model is least sure of. Every pair's per-token margin
 * |log π(a)/|a| − log π(b)/|b|| under the model is cached per (pair, scorer
 * key = model content hash + tokenizer + tokenization); only pairs missing
 * from the cache go to the worker (uncertainty-task.ts), and their margins are
 * stored a chunk at a time. When all are there, the queue's positions are
 * renumbered smallest margin first and its order becomes `uncertain`.
 */
import { createHash } from 'node:crypto';
import { UncertaintyParams, UncertaintyResult } from '../../../shared/labeling';
import { modelHashOf, resolveModel, tokenizerHash } from '../evals/eval-job';
import { defineJobKind } from '../jobs/kind';
import { CandidateStore } from './candidate-store';
import { workerModel } from './candidates-job';
import { UncertaintyPayload, UncertaintyTaskResult } from './candidates-protocol';
import { LabelStore } from './label-store';

/** Bumped when the margin changes what it measures: old cached margins then no longer match. */
const MARGIN_VERSION = 1;

/** |mean log-prob of a − mean log-prob of b| (nats per token); null when a side has no scored token. */
export function perTokenMargin(logpA: number, tokensA: number, logpB: number, tokensB: number): number | null {
  if (tokensA <= 0 || tokensB <= 0) return null;
  const margin = Math.abs(logpA / tokensA - logpB / tokensB);
  return Number.isFinite(margin) ? margin : null;
}

export const uncertaintyJob = defineJobKind({
  kind: 'label-uncertainty',
  lane: 'device',
  params: UncertaintyParams,
  result: UncertaintyResult,
  title: (p, services) => {
    const model = 'modelId' in p.model ? services.runs.getModel(p.model.modelId).name : `run #${p.model.runId} step ${p.model.step}`;
    return `Order label queue "${new LabelStore(services.runs.db).queueRow(p.queueId).name}" by ${model}'s uncertainty`;
  },
  // Loaded only inside the worker: it brings the engine and TensorFlow.js.
  worker: {
    payload: UncertaintyPayload,
    result: UncertaintyTaskResult,
    load: async () => (await import('./uncertainty-task')).uncertaintyTask,
  },
  async run(ctx) {
    const { runs } = ctx.services;
    const { queueId } = ctx.params;
    const store = new CandidateStore(runs.db);
    new LabelStore(runs.db).queueRow(queueId);
    const model = await resolveModel(runs, { model: ctx.params.model, settings: {} });
    ctx.progress(0, 'Hashing the model');
    const modelHash = await modelHashOf(model);
    const scorerKey = createHash('sha256')
      .update(JSON.stringify({ version: MARGIN_VERSION, modelHash, tokenizer: tokenizerHash(model.tokenizerDir), ...model.tokenization }))
      .digest('hex');
    const todo = store.unscoredItemIds(queueId, scorerKey);
    const total = store.itemCount(queueId);
    ctx.log('info', `${total - todo.length} of ${total} pair margins are cached for ${model.name}; scoring ${todo.length}.`);
    if (todo.length > 0)
      await ctx.runWorker(
        {
          dbPath: ctx.services.dbPath,
          ...(ctx.services.nativeBinding ? { nativeBinding: ctx.services.nativeBinding } : {}),
          model: workerModel(model),
          itemIds: todo,
        },
        {
          // Each chunk is stored as soon as it arrives: a cancelled or retried job keeps (and then skips) it.
          scored: ({ items }) =>
            store.transaction(() =>
              store.putMargins(
                scorerKey,
                modelHash,
                items.map((s) => ({
                  ...s,
                  margin:
                    s.logpA === null || s.logpB === null || s.tokensA === null || s.tokensB === null
                      ? null
                      : perTokenMargin(s.logpA, s.tokensA, s.logpB, s.tokensB),
                })),
              ),
            ),
        },
      );
    store.transaction(() => store.applyUncertainOrder(queueId, { modelHash, modelName: model.name, scorerKey }), 'immediate');
    const unscored = store.unscorable(queueId, scorerKey);
    ctx.log(
      'info',
      `Queue ordered by ${model.name}'s per-token margin, smallest first${unscored ? ` (${unscored} pair(s) could not be scored: last)` : ''}.`,
    );
    return { modelName: model.name, modelHash, scored: todo.length, cached: total - todo.length, unscored };
  },
});
