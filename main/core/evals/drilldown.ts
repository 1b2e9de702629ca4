/**
 * Per-pair drill-down (issue 15 item 7): two checkpoints' preference results
 * on the same split, pair by pair — which pairs each gets right, which
 * flipped between them, which were never learned (wrong in both and in the
 * base) — with each pair's texts and the log-prob margins under each model.
 * The categories are counted and filtered in SQL (checkpoint-compare-store),
 * so a page costs the same on a 100k-pair split as on the demo's 66.
 */
import { PAIR_CATEGORIES, type DrilldownPair, type PairCategory, type PairDrilldown, type PairSide } from '../../../shared/pair-drilldown';
import { StudioError } from '../../../shared/result';
import type { EvalResult } from '../../../shared/evals';
import type { Db } from '../db/open';
import { listSnapshots } from '../datasets/snapshots';
import { CheckpointCompareStore } from './checkpoint-compare-store';
import { EvalStore } from './eval-store';
import { sha256Json } from './suites';

/** The snapshot and split a preference result scored: the one whose data hash it carries (as suites.ts computes it). */
function splitOf(db: Db, result: EvalResult): { snapshotId: number; split: 'test' | 'train' } {
  for (const snapshot of listSnapshots(db))
    for (const split of ['test', 'train'] as const)
      if (sha256Json({ kind: 'preference', v: 1, snapshot: snapshot.contentHash, split }) === result.dataHash)
        return { snapshotId: snapshot.id, split };
  throw new StudioError('NOT_FOUND', `The snapshot that evaluation result #${result.id} (${result.label}) scored no longer exists.`);
}

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

function side(correct: number | null, detail: string | null): PairSide {
  const d = detail ? (JSON.parse(detail) as Record<string, unknown>) : {};
  return {
    correct: correct === null ? null : correct === 1,
    chosenLogp: num(d.chosenLogp),
    rejectedLogp: num(d.rejectedLogp),
    logpMargin: num(d.logpMargin),
    logpPerTokenMargin: num(d.logpPerTokenMargin),
  };
}

/** A record side as text: a message list's contents, or the text itself. */
function text(x: unknown): string {
  if (typeof x === 'string') return x;
  if (Array.isArray(x))
    return x.map((m) => (m && typeof m === 'object' && 'content' in m ? String((m as { content: unknown }).content) : '')).join('\n\n');
  return '';
}

export function pairDrilldown(
  db: Db,
  args: { a: number; b: number; base?: number | undefined; category?: PairCategory | undefined; offset: number; limit: number },
): PairDrilldown {
  const evals = new EvalStore(db);
  const named = { A: evals.get(args.a), B: evals.get(args.b), base: args.base === undefined ? null : evals.get(args.base) };
  for (const [role, r] of Object.entries(named))
    if (r && r.kind !== 'preference')
      throw new StudioError(
        'INVALID_ARGUMENT',
        `Result #${r.id} (${role}) is a ${r.kind} result: the drill-down compares preference results.`,
      );
  for (const [role, r] of [['B', named.B] as const, ['base', named.base] as const])
    if (r && r.dataHash !== named.A.dataHash)
      throw new StudioError(
        'INVALID_ARGUMENT',
        `Result #${r.id} (${role}) scored ${r.label}, not what result #${named.A.id} (A) scored (${named.A.label}): compare results on the same split.`,
      );
  const { snapshotId, split } = splitOf(db, named.A);
  const store = new CheckpointCompareStore(db);
  const base = named.base?.id ?? null;
  const countsByCategory = store.pairCounts(args.a, args.b, base);
  const counts = Object.fromEntries(PAIR_CATEGORIES.map((c) => [c, countsByCategory.get(c) ?? 0])) as Record<PairCategory, number>;
  const rows = store.pairs(args.a, args.b, base, args.category ?? null, args.offset, args.limit);
  const numbers = rows.map((r) => Number(r.item_id.slice(r.item_id.lastIndexOf('-') + 1)));
  const records = store.splitRecords(snapshotId, split, numbers);
  const pairs: DrilldownPair[] = rows.map((r, i) => {
    const record = records.get(numbers[i]!);
    const content = record ? (JSON.parse(record.content) as { prompt: unknown; chosen: unknown; rejected: unknown }) : null;
    return {
      itemId: r.item_id,
      recordId: record?.recordId ?? null,
      category: r.category,
      prompt: text(content?.prompt),
      chosen: text(content?.chosen),
      rejected: text(content?.rejected),
      a: side(r.a_correct, r.a_detail),
      b: side(r.b_correct, r.b_detail),
      base: base === null ? null : side(r.base_correct, r.base_detail),
    };
  });
  const total = args.category ? counts[args.category] : Object.values(counts).reduce((s, n) => s + n, 0);
  return { snapshotId, split, counts, pairs, total };
}
