/**
 * ℓref(y|x) of mmpo-spec.md (Notation): summed response log-probs under the
 * frozen starting model, computed once for every pair and then read as
 * constants by MMPO (M5), DPO and IPO. The result is plain numbers, cached
 * on disk by `loadOrCompute` under `referenceCacheKey`, so a resumed run, a
 * re-run or another run on the same model, snapshot and tokenization does
 * not score them again.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { scoreBatch, type CausalLM, type ScoreExample } from '../engine';
import type { TokenizedPair, TokenizationSettings } from './data';
import { tempPathFor } from './temp-files';

export interface ReferenceLogps {
  /** Per pair, in the order of the pairs given: Σ log p of the chosen / rejected response. */
  chosen: number[];
  rejected: number[];
  /** Response token counts (the same as the policy's, kept to check a cache matches). */
  chosenLength: number[];
  rejectedLength: number[];
}

export interface ReferenceOptions {
  /** Sequences per forward pass. */
  batchSize?: number;
  padId?: number;
  /** Called after each batch with sequences done and total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Scores both sides of every pair with `model` as it is now (call before
 * training starts; with LoRA, before the adapter moves — B = 0 at init, so the
 * adapted model equals the base). Pairs without a rejected side get NaN there.
 */
export async function computeReferenceLogps(model: CausalLM, pairs: TokenizedPair[], opts: ReferenceOptions = {}): Promise<ReferenceLogps> {
  const batchSize = opts.batchSize ?? 8;
  const sequences: { pair: number; side: 'chosen' | 'rejected'; example: ScoreExample }[] = [];
  pairs.forEach((p, i) => {
    sequences.push({ pair: i, side: 'chosen', example: p.chosen });
    if (p.rejected) sequences.push({ pair: i, side: 'rejected', example: p.rejected });
  });
  // Similar lengths together: less padding per batch.
  sequences.sort((a, b) => a.example.inputIds.length - b.example.inputIds.length);
  const out: ReferenceLogps = {
    chosen: new Array<number>(pairs.length).fill(NaN),
    rejected: new Array<number>(pairs.length).fill(NaN),
    chosenLength: new Array<number>(pairs.length).fill(0),
    rejectedLength: new Array<number>(pairs.length).fill(0),
  };
  for (let start = 0; start < sequences.length; start += batchSize) {
    const chunk = sequences.slice(start, start + batchSize);
    const scores = await scoreBatch(
      model,
      chunk.map((s) => s.example),
      { padId: opts.padId ?? 0 },
    );
    chunk.forEach((s, j) => {
      out[s.side][s.pair] = scores[j]!.sumLogProb;
      out[s.side === 'chosen' ? 'chosenLength' : 'rejectedLength'][s.pair] = scores[j]!.tokenCount;
    });
    opts.onProgress?.(Math.min(start + batchSize, sequences.length), sequences.length);
  }
  return out;
}

export interface ReferenceKeyParts {
  /** Content hash of the reference model's weights (and config). */
  modelHash: string;
  /** Content hash of the dataset snapshot. */
  snapshotHash: string;
  tokenization: TokenizationSettings;
}

/** The cache key: sha256 over a canonical JSON of what determines the numbers. */
export function referenceCacheKey(parts: ReferenceKeyParts): string {
  const canonical = JSON.stringify({
    v: 1,
    model: parts.modelHash,
    snapshot: parts.snapshotHash,
    chat: parts.tokenization.chatTemplate,
    maxLength: parts.tokenization.maxLength,
    maxPromptLength: parts.tokenization.maxPromptLength,
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/** Whether a cached result fits these pairs (same count and response lengths). */
export function referenceMatches(ref: ReferenceLogps, pairs: TokenizedPair[]): boolean {
  const responseTokens = (e: ScoreExample) => e.lossMask.slice(1).reduce((n, x) => n + x, 0);
  return (
    ref.chosen.length === pairs.length &&
    pairs.every(
      (p, i) => ref.chosenLength[i] === responseTokens(p.chosen) && (!p.rejected || ref.rejectedLength[i] === responseTokens(p.rejected)),
    )
  );
}

/** The reference log-probs of a run: its training pairs and its held-out pairs (null when it has none). */
export interface ReferenceSet {
  train: ReferenceLogps;
  test: ReferenceLogps | null;
}

export interface ReferenceCacheOptions extends ReferenceOptions {
  /** The cache folder (the workspace's `artifacts/reference-cache/`). */
  dir: string;
  /** What determines the numbers; the file is `<dir>/<referenceCacheKey(key)>.json`. */
  key: ReferenceKeyParts;
}

export interface CachedReference extends ReferenceSet {
  key: string;
  path: string;
  /** True when computed (and written) now; false when read from the cache. */
  computed: boolean;
  /** Size of the cache file. */
  bytes: number;
}

function isReferenceLogps(x: unknown): x is ReferenceLogps {
  const r = x as Partial<Record<keyof ReferenceLogps, unknown>> | null;
  return typeof r === 'object' && r !== null && [r.chosen, r.rejected, r.chosenLength, r.rejectedLength].every(Array.isArray);
}

/** The cached set if the file holds one that fits these pairs; null when absent, unreadable or for other pairs. */
async function readCached(
  file: string,
  pairs: TokenizedPair[],
  testPairs: TokenizedPair[],
): Promise<{ set: ReferenceSet; bytes: number } | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
  let parsed: { train?: unknown; test?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return null;
  }
  if (!isReferenceLogps(parsed.train) || !referenceMatches(parsed.train, pairs)) return null;
  if (testPairs.length === 0) return { set: { train: parsed.train, test: null }, bytes: Buffer.byteLength(text) };
  if (!isReferenceLogps(parsed.test) || !referenceMatches(parsed.test, testPairs)) return null;
  return { set: { train: parsed.train, test: parsed.test }, bytes: Buffer.byteLength(text) };
}

/**
 * The reference log-probs of `pairs` and `testPairs` under `model` as it is
 * now: read from the cache when its file for this key fits the pairs, else
 * computed and written (to a temp file renamed into place, so a reader never
 * sees half of one). A missing, corrupt or mismatched file is recomputed and
 * replaced. Call before training moves the weights.
 */
export async function loadOrCompute(
  model: CausalLM,
  pairs: TokenizedPair[],
  testPairs: TokenizedPair[],
  opts: ReferenceCacheOptions,
): Promise<CachedReference> {
  const key = referenceCacheKey(opts.key);
  const file = path.join(opts.dir, `${key}.json`);
  const cached = await readCached(file, pairs, testPairs);
  if (cached) return { ...cached.set, key, path: file, computed: false, bytes: cached.bytes };
  const train = await computeReferenceLogps(model, pairs, opts);
  const test = testPairs.length ? await computeReferenceLogps(model, testPairs, opts) : null;
  const text = JSON.stringify({ train, test });
  await fs.mkdir(opts.dir, { recursive: true });
  const tmp = tempPathFor(file);
  try {
    await fs.writeFile(tmp, text);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  return { train, test, key, path: file, computed: true, bytes: Buffer.byteLength(text) };
}
