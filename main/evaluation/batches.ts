/**
 * The one way evaluation scores token-level examples: the engine's `scoreBatch`
 * (the scorer training uses), in batches of similar length, with progress and
 * cancellation between batches. Results come back in input order.
 */
import { scoreBatch, type CausalLM, type ScoreExample, type SequenceScore } from '../engine';
import { checkWebGpuTensorSizes, largestTensors } from '../engine/backend/webgpu';

export interface BatchOptions {
  /** Sequences per forward pass (default 8). Sequences are grouped by length, so a batch pads little. */
  maxBatchSize?: number;
  /** Checked before every batch; an aborted signal throws its reason (an `AbortError` by default). */
  signal?: AbortSignal;
  /** Called after each batch with the sequences done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Scores examples with `scoreBatch`, longest first in batches of at most
 * `maxBatchSize` (so a batch that does not fit memory fails at once, as
 * lm-eval orders them), and returns the scores in the order given.
 * An example with fewer than two tokens has nothing to predict: it scores 0 over 0 tokens.
 */
export async function scoreInBatches(
  model: CausalLM,
  examples: readonly ScoreExample[],
  opts: BatchOptions & { padId?: number } = {},
): Promise<SequenceScore[]> {
  const size = Math.max(1, Math.floor(opts.maxBatchSize ?? 8));
  const out = new Array<SequenceScore>(examples.length);
  const order: number[] = [];
  examples.forEach((e, i) => {
    if (e.inputIds.length < 2) out[i] = { sumLogProb: 0, meanLogProb: 0, tokenCount: 0, meanLogit: 0 };
    else order.push(i);
  });
  // Stable: equal lengths keep their input order.
  order.sort((a, b) => examples[b]!.inputIds.length - examples[a]!.inputIds.length || a - b);
  // On WebGPU the first batch holds the longest sequences: refused before any work if it would not fit one binding.
  if (order.length > 0)
    checkWebGpuTensorSizes(
      largestTensors(model.config, Math.min(size, order.length), examples[order[0]!]!.inputIds.length, {
        rows: 'the evaluation batch',
        seqLen: "the longest item's tokens",
      }),
    );
  const total = examples.length;
  let done = total - order.length;
  for (let start = 0; start < order.length; start += size) {
    // A batch resolves through microtasks only: yield to the event loop so a worker reads its cancel message.
    if (opts.signal) await new Promise<void>((resolve) => setTimeout(resolve, 0));
    opts.signal?.throwIfAborted();
    const idx = order.slice(start, start + size);
    const scores = await scoreBatch(
      model,
      idx.map((i) => examples[i]!),
      { padId: opts.padId ?? 0 },
    );
    idx.forEach((i, j) => (out[i] = scores[j]!));
    done += idx.length;
    opts.onProgress?.(done, total);
  }
  return out;
}
