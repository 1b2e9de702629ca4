/**
 * The `eval` worker task: loads the model (and the reference model, when
 * rewards are asked for) once, then scores each item the job could not find
 * in the cache with main/evaluation's scorers — the engine's one scorer, the
 * path training uses — reporting progress per batch and stopping at the next
 * batch when the job is cancelled.
 */
import type { RecordContent } from '../../../shared/datasets';
import { initBackend } from '../../engine/backend';
import { loadLora } from '../../engine';
import { scoreChoices, scoreDocuments, scorePreferencePairs, defaultMaxLength } from '../../evaluation';
import { loadStartingModel } from '../../training';
import { openDatabase } from '../db/open';
import { snapshotContents } from '../datasets/snapshots';
import type { WorkerIo } from '../jobs/protocol';
import type { EvalEvents, EvalPayload, EvalTaskResult, EvalWorkItem, EvalWorkResult } from './eval-protocol';
import { scoreWinRate } from './win-rate-task';

function readSplit(
  payload: EvalPayload,
  snapshotId: number,
  split: 'test' | 'train',
): { records: RecordContent[]; lines: (number | null)[] } {
  const db = openDatabase(payload.dbPath, { readonly: true, ...(payload.nativeBinding ? { nativeBinding: payload.nativeBinding } : {}) });
  try {
    const records: RecordContent[] = [];
    const lines: (number | null)[] = [];
    for (const row of snapshotContents(db, snapshotId)) {
      // A snapshot's unsplit records train (as the trainer reads them).
      if ((row.split === 'test') !== (split === 'test')) continue;
      records.push(row as unknown as RecordContent);
      lines.push(row.source.line);
    }
    return { records, lines };
  } finally {
    db.close();
  }
}

const finite = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : x);

export async function evalTask(payload: EvalPayload, io: WorkerIo<EvalEvents>): Promise<EvalTaskResult> {
  const backend = await initBackend();
  io.log('info', `Worker ${process.pid} on the ${backend.name} backend${backend.threads ? ` (${backend.threads} threads)` : ''}.`);
  io.progress(0, 'Loading the model');
  const { model, tokenizer } = await loadStartingModel(payload.model);
  const lora = payload.adapterPath ? await loadLora(model, payload.adapterPath) : null;
  if (lora) {
    model.adapter = lora;
    io.log('info', `LoRA adapter: ${payload.adapterPath}`);
  }
  const referenceLoaded = payload.reference ? await loadStartingModel(payload.reference) : null;
  const reference = referenceLoaded?.model ?? null;
  try {
    for (const [index, item] of payload.items.entries()) {
      io.signal.throwIfAborted();
      const progress = (done: number, total: number) =>
        io.progress((index + done / Math.max(total, 1)) / payload.items.length, `${item.label}: ${done} of ${total} sequences`);
      const opts = { signal: io.signal, onProgress: progress };
      const started = performance.now();
      const result =
        item.kind === 'win-rate'
          ? await scoreWinRate(item, {
              index,
              payload,
              candidate: { model, tokenizer, source: payload.model, adapter: payload.adapterPath },
              loaded: referenceLoaded && payload.reference ? [{ ...referenceLoaded, source: payload.reference, adapter: null }] : [],
              io,
              progress: (done, total, what) =>
                io.progress(
                  (index + done / Math.max(total, 1)) / payload.items.length,
                  `${item.label}: ${what} (${Math.round(done)} of ${total})`,
                ),
            })
          : await scoreItem(item, opts);
      io.event('item', { index, result });
      io.log('info', `Scored ${item.label} (${item.kind}) in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
    }
  } finally {
    model.adapter = null;
    lora?.dispose();
    model.dispose();
    reference?.dispose();
  }
  io.progress(1, 'Done');
  return { scored: payload.items.length };

  async function scoreItem(
    item: Exclude<EvalWorkItem, { kind: 'win-rate' }>,
    opts: { signal: AbortSignal; onProgress: (d: number, t: number) => void },
  ): Promise<EvalWorkResult> {
    switch (item.kind) {
      case 'multiple-choice': {
        const scored = await scoreChoices(model, tokenizer, item.items, { ...opts, targetDelimiter: item.targetDelimiter });
        const { acc, acc_norm, n } = scored.summary;
        return {
          kind: 'multiple-choice',
          metrics: {
            acc: finite(acc?.mean),
            acc_stderr: finite(acc?.stderr),
            acc_norm: finite(acc_norm?.mean),
            acc_norm_stderr: finite(acc_norm?.stderr),
          },
          scored: n,
          invalid: scored.items.flatMap((r, i) => (r.invalid ? [{ itemId: item.items[i]!.id, reason: r.invalid }] : [])),
          items: scored.items.map((r, i) => ({
            itemId: item.items[i]!.id,
            correct: r.score ? r.score.acc === 1 : null,
            detail: {
              gold: r.gold,
              logLikelihoods: r.logLikelihoods,
              choiceLengths: r.choiceLengths,
              pred: r.score?.pred ?? null,
              predNorm: r.score?.predNorm ?? null,
              accNorm: r.score ? r.score.acc_norm === 1 : null,
            },
          })),
        };
      }
      case 'perplexity': {
        const scored = await scoreDocuments(
          model,
          tokenizer,
          item.documents.map((d) => d.text),
          { ...opts, maxLength: defaultMaxLength(model) },
        );
        const m = scored.metrics;
        return {
          kind: 'perplexity',
          metrics: {
            perplexity: finite(m.perplexity),
            word_perplexity: finite(m.word_perplexity),
            byte_perplexity: finite(m.byte_perplexity),
            bits_per_byte: finite(m.bits_per_byte),
          },
          scored: m.documents,
          invalid: [],
          items: scored.documents.map((d, i) => ({
            itemId: item.documents[i]!.id,
            correct: null,
            detail: { logLikelihood: d.logLikelihood, tokens: d.tokens, windows: d.windows },
          })),
        };
      }
      case 'preference': {
        const { records, lines } = readSplit(payload, item.snapshotId, item.split);
        const scored = await scorePreferencePairs(model, tokenizer, records, {
          ...opts,
          tokenization: item.tokenization,
          beta: item.beta,
          ...(reference ? { reference } : {}),
        });
        const id = (record: number) => `${item.split}-${record + 1}`;
        return {
          kind: 'preference',
          metrics: Object.fromEntries(Object.entries(scored.metrics).map(([k, v]) => [k, finite(v)])),
          scored: scored.pairs.length,
          invalid: scored.skipped.map((s) => ({ itemId: id(s.record), reason: s.reason })),
          items: scored.pairs.map((p) => ({
            itemId: id(p.record),
            correct: p.logpCorrect,
            detail: {
              line: lines[p.record] ?? null,
              chosenLogp: p.chosenLogp,
              rejectedLogp: p.rejectedLogp,
              chosenTokens: p.chosenTokens,
              rejectedTokens: p.rejectedTokens,
              logpMargin: p.logpMargin,
              logpPerTokenMargin: p.logpPerTokenMargin,
              rewardMargin: p.rewardMargin,
              rewardCorrect: p.rewardCorrect,
            },
          })),
        };
      }
    }
  }
}
