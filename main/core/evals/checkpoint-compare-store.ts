/**
 * Reads behind Compare's checkpoint views (issue 15 items 6 and 7): the
 * latest win-rate result of a model on a prompt set (side-by-side
 * generations' verdicts), and two or three preference results joined pair by
 * pair (the per-pair drill-down) with the pairs' records from their snapshot.
 */
import type { PairCategory } from '../../../shared/pair-drilldown';
import { Store } from '../db/store';

export interface JoinedPairRow {
  item_id: string;
  a_correct: number | null;
  b_correct: number | null;
  base_correct: number | null;
  a_detail: string;
  b_detail: string | null;
  base_detail: string | null;
  category: PairCategory;
}

/**
 * A pair's category in SQL, as `classifyPair` (shared/pair-drilldown.ts)
 * computes it: the filter and the counts run in the database, so a page of a
 * 100k-pair split never reads the rest into the studio.
 */
const CATEGORY = `CASE
  WHEN a.correct IS NULL OR b.correct IS NULL THEN 'missing'
  WHEN a.correct = 1 AND b.correct = 1 THEN 'right-both'
  WHEN a.correct = 0 AND b.correct = 1 THEN 'wrong-to-right'
  WHEN a.correct = 1 AND b.correct = 0 THEN 'right-to-wrong'
  WHEN base.correct = 1 THEN 'wrong-both'
  ELSE 'never-learned' END`;

// Every pair of A, with B's and the base's row for the same item when they have one (a pair one side skipped is 'missing').
const JOINED = `
  SELECT a.seq AS seq, a.item_id AS item_id, a.correct AS a_correct, b.correct AS b_correct, base.correct AS base_correct,
         a.detail AS a_detail, b.detail AS b_detail, base.detail AS base_detail, ${CATEGORY} AS category
  FROM eval_item_results a
  LEFT JOIN eval_item_results b ON b.result_id = :b AND b.item_id = a.item_id
  LEFT JOIN eval_item_results base ON base.result_id = :base AND base.item_id = a.item_id
  WHERE a.result_id = :a`;

export class CheckpointCompareStore extends Store {
  /** The newest win-rate result of this model on this item data (any settings), or null. */
  latestWinRate(modelHash: string, dataHash: string): number | null {
    return (
      this.value<[string, string], number>(
        "SELECT id FROM eval_results WHERE model_hash = ? AND data_hash = ? AND item_kind = 'win-rate' ORDER BY id DESC LIMIT 1",
      ).get(modelHash, dataHash) ?? null
    );
  }

  /** Per-prompt details of a win-rate result, by prompt hash. */
  winRateDetails(resultId: number): Map<string, Record<string, unknown>> {
    const rows = this.value<[number], string>('SELECT detail FROM eval_item_results WHERE result_id = ? ORDER BY seq').all(resultId);
    const out = new Map<string, Record<string, unknown>>();
    for (const text of rows) {
      const detail = JSON.parse(text) as Record<string, unknown>;
      if (typeof detail.promptHash === 'string') out.set(detail.promptHash, detail);
    }
    return out;
  }

  /** How many of A's pairs fall in each category against B (and the base, when given). */
  pairCounts(a: number, b: number, base: number | null): Map<PairCategory, number> {
    const rows = this.sql<{ a: number; b: number; base: number | null }, { category: PairCategory; n: number }>(
      `SELECT category, COUNT(*) AS n FROM (${JOINED}) GROUP BY category`,
    ).all({ a, b, base });
    return new Map(rows.map((r) => [r.category, r.n]));
  }

  /** A page of A's pairs in its order, all of them or one category's. */
  pairs(a: number, b: number, base: number | null, category: PairCategory | null, offset: number, limit: number): JoinedPairRow[] {
    return this.sql<
      { a: number; b: number; base: number | null; category: PairCategory | null; offset: number; limit: number },
      JoinedPairRow
    >(`SELECT * FROM (${JOINED}) WHERE :category IS NULL OR category = :category ORDER BY seq LIMIT :limit OFFSET :offset`).all({
      a,
      b,
      base,
      category,
      offset,
      limit,
    });
  }

  /**
   * The snapshot rows behind a split's item numbers (`test-5` is the 5th test
   * record in the snapshot's order; a train split holds the unsplit ones too,
   * as evaluation reads it), with their dataset record ids.
   */
  splitRecords(
    snapshotId: number,
    split: 'test' | 'train',
    numbers: readonly number[],
  ): Map<number, { recordId: number | null; content: string }> {
    const rows = this.sql<[number, number, string], { n: number; record_id: number | null; content: string }>(
      `SELECT n, record_id, content FROM (
         SELECT ROW_NUMBER() OVER (ORDER BY ordinal) AS n, record_id, content FROM snapshot_records
         WHERE snapshot_id = ? AND (split IS 'test') = ?
       ) WHERE n IN (SELECT value FROM json_each(?))`,
    ).all(snapshotId, split === 'test' ? 1 : 0, JSON.stringify(numbers));
    return new Map(rows.map((r) => [r.n, { recordId: r.record_id, content: r.content }]));
  }
}
