/**
 * The `eval` job: evaluates one model on a suite. The handler resolves the
 * suite (each item's data read and hashed), the model (its content hash) and
 * the settings, and looks every item up in the cache (eval_results): only the
 * items not there go to the worker (eval-task.ts), and their results are
 * stored as they come back — evaluating the same model on the same data with
 * the same settings twice scores nothing the second time.
 */
import type { z } from 'zod';
import { EvalJobResult, EvalParams } from '../../../shared/evals';
import { defineJobKind } from '../jobs/kind';
import { modelSourceHash } from '../runs/model-hash';
import { EvalPayload, EvalTaskResult, type EvalWorkItem, type EvalWorkResult, type GenerationEvent } from './eval-protocol';
import { GenerationStore } from './generation-store';
import { resolveWinRate } from './win-rate-item';
import { EvalStore } from './eval-store';
import { findSuite, resolveItem, sha256Json, type ResolvedItem } from './suites';
import { modelHashOf, resolveModel, tokenizerHash, type ModelToEvaluate } from './eval-model';

export { modelHashOf, resolveModel, tokenizerHash, type ModelToEvaluate };

/** Bumped when a scorer changes what it computes: old cached results then no longer match. */
const SCORER_VERSION = 1;

/** An item's scoring settings (what its cache key holds besides the model and the data). */
function settingsOf(item: ResolvedItem, model: ModelToEvaluate, tokenizer: string, referenceHash: string | null): Record<string, unknown> {
  const base = { scorer: SCORER_VERSION, tokenizer };
  switch (item.kind) {
    case 'preference':
      return { ...base, tokenization: model.tokenization, beta: model.beta, reference: referenceHash };
    case 'multiple-choice':
      return { ...base, maxLength: 'model', targetDelimiter: item.targetDelimiter };
    case 'perplexity':
      return { ...base, maxLength: 'model' };
    case 'win-rate':
      return { ...base, ...item.settings };
  }
}

function workItem(item: ResolvedItem, model: ModelToEvaluate): EvalWorkItem {
  switch (item.kind) {
    case 'preference':
      return {
        kind: 'preference',
        label: item.label,
        snapshotId: item.snapshotId,
        split: item.split,
        tokenization: model.tokenization,
        beta: model.beta,
      };
    case 'multiple-choice':
      return { kind: 'multiple-choice', label: item.label, items: item.items, targetDelimiter: item.targetDelimiter };
    case 'perplexity':
      return { kind: 'perplexity', label: item.label, documents: item.documents };
    case 'win-rate':
      return { ...item.work, label: item.label };
  }
}

const suiteName = (suite: z.output<typeof EvalParams>['suite']) => (typeof suite === 'string' ? suite : (suite.name ?? 'custom'));

export const evalJob = defineJobKind({
  kind: 'eval',
  lane: 'device',
  params: EvalParams,
  result: EvalJobResult,
  title: (p, services) => {
    const model = 'modelId' in p.model ? services.runs.getModel(p.model.modelId).name : `run #${p.model.runId} step ${p.model.step}`;
    return `Evaluate ${model} on ${suiteName(p.suite)}`;
  },
  // Loaded only inside the worker: it brings the engine and TensorFlow.js.
  worker: { payload: EvalPayload, result: EvalTaskResult, load: async () => (await import('./eval-task')).evalTask },
  async run(ctx) {
    const { runs, datasets } = ctx.services;
    const store = new EvalStore(runs.db);
    const model = await resolveModel(runs, ctx.params);
    ctx.progress(0, 'Hashing the model');
    const modelHash = await modelHashOf(model);
    const tokenizer = tokenizerHash(model.tokenizerDir);
    const referenceHash = model.reference ? await modelSourceHash(model.reference) : null;
    const suite = typeof ctx.params.suite === 'string' ? findSuite(datasets, ctx.params.suite).items : ctx.params.suite.items;
    const resolved: ResolvedItem[] = [];
    const skipped: { kind: 'win-rate'; label: string; reason: string }[] = [];
    for (const item of suite) {
      if (item.kind !== 'win-rate') resolved.push(await resolveItem(item, datasets));
      else {
        const r = await resolveWinRate(item, { runs, datasets, model, modelHash, tokenizer });
        if ('skipped' in r) {
          skipped.push({ kind: r.kind, label: r.label, reason: r.skipped });
          ctx.log('warn', `Skipped: ${r.label} — ${r.skipped}`);
        } else resolved.push(r);
      }
    }

    const keyed = resolved.map((item) => {
      const settings = settingsOf(item, model, tokenizer, referenceHash);
      const key = { modelHash, dataHash: item.dataHash, settingsHash: sha256Json(settings) };
      return { item, settings, key, cached: store.find(key) };
    });
    for (const k of keyed)
      if (k.cached)
        ctx.log('info', `Cached: ${k.item.label} (${k.item.kind}) — result #${k.cached.id} from job #${k.cached.jobId ?? '?'}.`);
    const todo = keyed.filter((k) => !k.cached);
    const results = new Map<number, { id: number; metrics: Record<string, number | null> }>();
    const generated = new Map<number, EvalWorkResult['generations']>();
    const generations = new GenerationStore(runs.db);
    /** Generation ids of the responses this job stored, by item, side and prompt hash (for the per-prompt details). */
    const generationIds = new Map<string, number>();
    for (const [i, k] of keyed.entries()) if (k.cached) results.set(i, { id: k.cached.id, metrics: k.cached.metrics });
    if (todo.length > 0) {
      const storeItem = (j: number, r: EvalWorkResult) => {
        const k = todo[j]!;
        const problems = [
          ...k.item.problems,
          ...r.invalid.map((x) => ({ severity: 'error' as const, code: 'invalid-item', reason: `${x.itemId}: ${x.reason}` })),
        ];
        const saved = store.put(
          {
            ...k.key,
            kind: k.item.kind,
            label: k.item.label,
            modelId: model.modelId,
            modelName: model.name,
            runId: model.runId,
            runStep: model.runStep,
            settings: k.settings,
            metrics: r.metrics,
            summary: { scored: r.scored, invalid: r.invalid.length, problems },
            jobId: ctx.job.id,
          },
          k.item.kind === 'win-rate' ? withGenerationIds(j, r.items) : r.items,
        );
        results.set(keyed.indexOf(k), { id: saved.id, metrics: saved.metrics });
        if (r.generations) generated.set(keyed.indexOf(k), r.generations);
      };
      const storeGeneration = (g: GenerationEvent) => {
        const k = todo[g.index]!;
        if (k.item.kind !== 'win-rate') return;
        const side = k.item.sides[g.side];
        const saved = generations.put({
          modelHash: side.modelHash,
          promptHash: g.promptHash,
          settingsHash: side.settingsHash,
          prompt: g.prompt,
          text: g.text,
          tokens: g.tokens,
          finishReason: g.finishReason,
          settings: side.settings,
          modelName: side.modelName,
          jobId: ctx.job.id,
        });
        generationIds.set(`${g.index}\0${g.side}\0${g.promptHash}`, saved.id);
      };
      // The worker knows the ids of the generations it found stored; those it made now got theirs when the job stored them.
      const withGenerationIds = (j: number, items: EvalWorkResult['items']) =>
        items.map((it) => {
          const d = it.detail as { promptHash: string } & Record<'candidate' | 'baseline', { generationId: number | null }>;
          const id = (side: 'candidate' | 'baseline') =>
            d[side].generationId ?? generationIds.get(`${j}\0${side}\0${d.promptHash}`) ?? null;
          return {
            ...it,
            detail: {
              ...d,
              candidate: { ...d.candidate, generationId: id('candidate') },
              baseline: { ...d.baseline, generationId: id('baseline') },
            },
          };
        });
      // Each item is stored as soon as the worker sends it: a cancelled, failed or retried job keeps (and then skips) what it finished.
      await ctx.runWorker(
        {
          dbPath: ctx.services.dbPath,
          ...(ctx.services.nativeBinding ? { nativeBinding: ctx.services.nativeBinding } : {}),
          model: model.source,
          adapterPath: model.adapter,
          reference: model.reference,
          items: todo.map((k) => workItem(k.item, model)),
        },
        { item: ({ index, result }) => storeItem(index, result), generation: storeGeneration },
      );
    }
    for (const k of keyed)
      for (const p of k.item.problems.filter((x) => x.severity === 'error'))
        ctx.log('warn', `${k.item.label}${p.line !== undefined ? `:${p.line}` : ''}: ${p.reason}`);
    return {
      suite: suiteName(ctx.params.suite),
      modelName: model.name,
      modelHash,
      items: keyed.map((k, i) => ({
        kind: k.item.kind,
        label: k.item.label,
        resultId: results.get(i)!.id,
        cached: k.cached !== null,
        metrics: results.get(i)!.metrics,
        ...(generated.has(i) ? { generations: generated.get(i) } : {}),
      })),
      scored: todo.length,
      skipped,
    };
  },
});
