/**
 * The `label-uncertainty` worker task: reads the pairs to score from the
 * workspace (read-only), scores both responses of each with main/evaluation's
 * preference scorer — the engine's one scorer, tokenized as training
 * tokenizes (a = "chosen", b = "rejected") — and sends the log-probs a chunk
 * at a time, so a cancelled job keeps what it scored.
 */
import type { RecordContent } from '../../../shared/datasets';
import { initBackend } from '../../engine/backend';
import { scorePreferencePairs } from '../../evaluation';
import { openDatabase } from '../db/open';
import type { WorkerIo } from '../jobs/protocol';
import { CandidateStore, type PairToScore } from './candidate-store';
import { loadWorkerModel } from './candidates-task';
import type { UncertaintyEvents, UncertaintyPayload } from './candidates-protocol';

/** Pairs per chunk: each chunk's margins reach the database before the next is scored. */
const CHUNK = 32;

function readPairs(payload: UncertaintyPayload): PairToScore[] {
  const db = openDatabase(payload.dbPath, { readonly: true, ...(payload.nativeBinding ? { nativeBinding: payload.nativeBinding } : {}) });
  try {
    return new CandidateStore(db).pairsToScore(payload.itemIds);
  } finally {
    db.close();
  }
}

export async function uncertaintyTask(payload: UncertaintyPayload, io: WorkerIo<UncertaintyEvents>): Promise<{ scored: number }> {
  const backend = await initBackend();
  io.log('info', `Worker ${process.pid} on the ${backend.name} backend${backend.threads ? ` (${backend.threads} threads)` : ''}.`);
  const pairs = readPairs(payload);
  io.progress(0, 'Loading the model');
  const loaded = await loadWorkerModel(payload.model, io);
  const { chatTemplate, maxLength, maxPromptLength } = payload.model;
  try {
    for (let start = 0; start < pairs.length; start += CHUNK) {
      io.signal.throwIfAborted();
      const chunk = pairs.slice(start, start + CHUNK);
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
        onProgress: (done, total) =>
          io.progress(
            (start + (chunk.length * done) / Math.max(total, 1)) / pairs.length,
            `${start + Math.floor(done / 2)} of ${pairs.length} pairs`,
          ),
      });
      const byRecord = new Map(scored.pairs.map((p) => [p.record, p]));
      io.event('scored', {
        items: chunk.map((p, i) => {
          const s = byRecord.get(i);
          return s
            ? { itemId: p.id, logpA: s.chosenLogp, logpB: s.rejectedLogp, tokensA: s.chosenTokens, tokensB: s.rejectedTokens }
            : { itemId: p.id, logpA: null, logpB: null, tokensA: null, tokensB: null };
        }),
      });
      for (const s of scored.skipped) io.log('warn', `Pair #${chunk[s.record]!.id} could not be scored: ${s.reason}.`);
    }
  } finally {
    loaded.dispose();
  }
  io.progress(1, 'Done');
  return { scored: pairs.length };
}
