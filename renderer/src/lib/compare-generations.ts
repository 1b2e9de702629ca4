import type { SideBySideCell, SideBySideRow } from '../../../shared/side-by-side';
import { wordDiff, type DiffSegment } from './word-diff';

/**
 * Side-by-side generations (Compare → Generations): the filters over a set's
 * rows and each cell's diff against the chosen column. Pure, so the rules are
 * pinned by unit tests (test/unit/renderer/compare-generations.test.ts).
 */

/**
 * A cell's judged score, comparable across columns: the rule checker's pass
 * (1) or fail (0) where it judged, else the verdict against the first column
 * (win 1, tie ½, loss 0); null where the judge said nothing.
 */
export function cellScore(cell: SideBySideCell): number | null {
  const v = cell.verdict;
  if (!v) return null;
  if (v.pass !== null) return v.pass ? 1 : 0;
  if (v.vsBase !== null) return v.vsBase === 'win' ? 1 : v.vsBase === 'tie' ? 0.5 : 0;
  return null;
}

/** Whether the generated answers of a row differ (whitespace at the ends ignored; columns not generated yet left out). */
export function outputsDiffer(row: SideBySideRow): boolean {
  return new Set(row.cells.flatMap((c) => (c.text === null ? [] : [c.text.trim()]))).size > 1;
}

/** Whether the judge's verdict changes between columns (a rule passed in one and failed in another, or a win next to a loss). */
export function verdictFlips(row: SideBySideRow): boolean {
  return new Set(row.cells.map(cellScore).filter((s) => s !== null)).size > 1;
}

export interface RowFilter {
  differOnly: boolean;
  flipsOnly: boolean;
}

export function filterRows(rows: readonly SideBySideRow[], filter: RowFilter): SideBySideRow[] {
  return rows.filter((r) => (!filter.differOnly || outputsDiffer(r)) && (!filter.flipsOnly || verdictFlips(r)));
}

/** A cell's text as segments, with the words the reference column's answer lacks marked (unmarked in the reference column itself). */
export function cellSegments(row: SideBySideRow, column: number, reference: number): DiffSegment[] {
  const text = row.cells[column]?.text ?? '';
  const other = row.cells[reference]?.text;
  if (column === reference || other === null || other === undefined) return [{ text, changed: false }];
  return wordDiff(other, text).right;
}
