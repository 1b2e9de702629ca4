/**
 * The `label-uncertainty` worker task. Everything that grows with the queue
 * happens here, off the studio's event loop: it finds the pairs whose margin
 * is not cached under the scorer key, scores both responses of each with
 * main/evaluation's preference scorer — the engine's one scorer, tokenized as
 * training tokenizes (a = "chosen", b = "rejected") — writing each chunk's
 * margins in its own transaction (a cancelled job keeps them), then
 * renumbers the queue smallest margin first. When every margin is cached it
 * loads neither the engine nor the model.
 */
import type { RecordContent } from '../../../shared/datasets';
import { openDatabase } from '../db/open';
import type { WorkerIo } from '../jobs/protocol';
import { CandidateStore } from './candidate-store';
import type { UncertaintyPayload, UncertaintyTaskResult } from './candidates-protocol';

/** Pairs per chunk: each chunk's margins reach the database before the next is scored. */
const CHUNK = 32;

/** |mean log-prob of a − mean log-prob of b| (nats per token); null when a side has no scored token. */
export function perTokenMargin(logpA: number, tokensA: number, logpB: number, tokensB: number): number | null {
  if (tokensA <= 0 || tokensB <= 0) return null;
  const margin = Math.abs(logpA / tokensA - logpB / tokensB);
  return Number.isFinite(margin) ? margin : null;
}

export async function uncertaintyTask(payload: UncertaintyPayload, io: WorkerIo): Promise<UncertaintyTaskResult> {
  const db = openDatabase(payload.dbPath, payload.nativeBinding ? { nativeBinding: payload.nativeBinding } : {});
  try {
    const store = new CandidateStore(db);
    const { queueId, scorerKey, modelHash } = payload;
    const todo = store.unscoredItemIds(queueId, scorerKey);
    const total = store.itemCount(queueId);
    io.log('info', `${total - todo.length} of ${total} pair margins are cached for ${payload.modelName}; scoring ${todo.length}.`);
    if (todo.length > 0) await score(store, todo);
    io.signal.throwIfAborted();
    io.progress(1, 'Ordering the queue');
    store.transaction(() => store.applyUncertainOrder(queueId, { modelHash, modelName: payload.modelName, scorerKey }), 'immediate');
    const unscored = store.unscorable(queueId, scorerKey);
    io.log(
      'info',
      `Queue ordered by ${payload.modelName}'s per-token margin, smallest first${unscored ? ` (${unscored} pair(s) could not be scored: last)` : ''}.`,
    );
    return { scored: todo.length, cached: total - todo.length, unscored };
  } finally {
    db.close();
  }

  async function score(store: CandidateStore, ids: number[]): Promise<void> {
    // Tensor code is loaded only when there is something to score.
    const [{ initBackend }, { scorePreferencePairs }, { loadWorkerModel }] = await Promise.all([
      import('../../engine/backend'),
      import('../../evaluation'),
      import('./candidates-task'),
    ]);
    const backend = await initBackend();
    io.log('info', `Worker ${process.pid} on the ${backend.name} backend${backend.threads ? ` (${backend.threads} threads)` : ''}.`);
    io.progress(0, 'Loading the model');
    const loaded = await loadWorkerModel(payload.model, io);
    const { chatTemplate, maxLength, maxPromptLength } = payload.model;
    try {
      for (let start = 0; start < ids.length; start += CHUNK) {
        io.signal.throwIfAborted();
        const chunk = store.pairsToScore(ids.slice(start, start + CHUNK));
        const records: RecordContent[] = chunk.map((p) => ({
          kind: 'preference',
          prompt: p.prompt,
          chosen: p.a,
          rejected: p.b,
          responses: null,
          system: p.system,
        }));
        const scored = await scorePreferencePairs(loaded.model, loaded.tokenizer, records, {
          tokenization: { chatTemplate, maxLength, maxPromptLength },
          signal: io.signal,
          // The scorer counts sequences: two per pair.
          onProgress: (done, all) =>
            io.progress(
              (start + (chunk.length * done) / Math.max(all, 1)) / ids.length,
              `${start + Math.floor(done / 2)} of ${ids.length} pairs`,
            ),
        });
        const byRecord = new Map(scored.pairs.map((p) => [p.record, p]));
        store.transaction(() =>
          store.putMargins(
            payload.scorerKey,
            payload.modelHash,
            chunk.map((p, i) => {
              const s = byRecord.get(i);
              return s
                ? {
                    itemId: p.id,
                    margin: perTokenMargin(s.chosenLogp, s.chosenTokens, s.rejectedLogp, s.rejectedTokens),
                    logpA: s.chosenLogp,
                    logpB: s.rejectedLogp,
                    tokensA: s.chosenTokens,
                    tokensB: s.rejectedTokens,
                  }
                : { itemId: p.id, margin: null, logpA: null, logpB: null, tokensA: null, tokensB: null };
            }),
          ),
        );
        for (const s of scored.skipped) io.log('warn', `Pair #${chunk[s.record]!.id} could not be scored: ${s.reason}.`);
      }
    } finally {
      loaded.dispose();
    }
  }
}
