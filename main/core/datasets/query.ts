import { FLAG_BITS, type RecordFilter, type RecordSummary } from '../../../shared/datasets';
import type { Db } from '../db/open';
import type { DatasetStore, RecordRow } from './store';

export type RecordSort = 'id' | '-id' | 'promptChars' | '-promptChars' | 'chosenChars' | '-chosenChars' | 'rejectedChars' | '-rejectedChars';

const SORT_SQL: Record<RecordSort, string> = {
  id: 'r.id ASC',
  '-id': 'r.id DESC',
  promptChars: 'r.prompt_chars ASC, r.id',
  '-promptChars': 'r.prompt_chars DESC, r.id',
  chosenChars: 'r.chosen_chars ASC, r.id',
  '-chosenChars': 'r.chosen_chars DESC, r.id',
  rejectedChars: 'r.rejected_chars ASC, r.id',
  '-rejectedChars': 'r.rejected_chars DESC, r.id',
};

/**
 * Turns what a person types into an FTS5 query that cannot be a syntax
 * error: every word is quoted and all must match. A word ending in `*` is a
 * prefix (`volcan*`); plain words match whole words (case and accents
 * folded), which the index answers without scanning.
 */
export function ftsQuery(search: string): string | null {
  const words = search.match(/[\p{L}\p{N}_'-]+\*?/gu) ?? [];
  if (words.length === 0) return null;
  return words
    .map((w) => {
      const prefix = w.endsWith('*');
      const word = prefix ? w.slice(0, -1) : w;
      return `"${word.replace(/"/g, '""')}"${prefix ? '*' : ''}`;
    })
    .join(' ');
}

/**
 * The FROM clause, conditions and parameters of a record filter within one
 * dataset. A search joins the full-text index, which yields rowids in order,
 * so a page sorted by id stops after its last row instead of sorting every
 * match.
 */
export function filterSql(datasetId: number, filter: RecordFilter = {}): { from: string; where: string; params: unknown[]; searching: boolean } {
  const where: string[] = [];
  const params: unknown[] = [];
  const fts = filter.search ? ftsQuery(filter.search) : null;
  let from = 'records r';
  if (fts) {
    from = 'records_fts f JOIN records r ON r.id = f.rowid';
    where.push('records_fts MATCH ?');
    params.push(fts);
  } else if (filter.search && filter.search.trim()) {
    where.push('0'); // only punctuation: nothing can match
  }
  where.push('r.dataset_id = ?');
  params.push(datasetId);
  if (filter.kinds?.length) {
    where.push(`r.kind IN (${filter.kinds.map(() => '?').join(',')})`);
    params.push(...filter.kinds);
  }
  if (filter.splits?.length) {
    const parts: string[] = [];
    for (const s of filter.splits) {
      if (s === 'none') parts.push('r.split IS NULL');
      else {
        parts.push('r.split = ?');
        params.push(s);
      }
    }
    where.push(`(${parts.join(' OR ')})`);
  }
  for (const tag of filter.tags ?? []) {
    where.push('EXISTS (SELECT 1 FROM record_tags rt JOIN tags t ON t.id = rt.tag_id WHERE rt.record_id = r.id AND t.name = ?)');
    params.push(tag);
  }
  if (filter.flags?.length) {
    where.push('(r.flags & ?) != 0');
    params.push(filter.flags.reduce((bits, f) => bits | FLAG_BITS[f], 0));
  }
  if (filter.sources?.length) {
    where.push(`coalesce(r.source_file, '') IN (${filter.sources.map(() => '?').join(',')})`);
    params.push(...filter.sources);
  }
  if (filter.importId !== undefined) {
    where.push('r.import_id = ?');
    params.push(filter.importId);
  }
  for (const [key, column] of [
    ['promptChars', 'prompt_chars'],
    ['chosenChars', 'chosen_chars'],
    ['rejectedChars', 'rejected_chars'],
  ] as const) {
    const range = filter[key];
    if (range?.min !== undefined) {
      where.push(`r.${column} >= ?`);
      params.push(range.min);
    }
    if (range?.max !== undefined) {
      where.push(`r.${column} <= ?`);
      params.push(range.max);
    }
  }
  return { from, where: where.join(' AND '), params, searching: fts !== null };
}

/** Searches count their matches only up to this many; the table then shows "10,000+". */
export const SEARCH_COUNT_CAP = 10_000;

export function recordIds(db: Db, datasetId: number, filter?: RecordFilter): number[] {
  const { from, where, params } = filterSql(datasetId, filter);
  return db.prepare(`SELECT r.id FROM ${from} WHERE ${where} ORDER BY r.id`).pluck().all(...params) as number[];
}

/**
 * Full rows of a filtered view, in id order, a page at a time (keyset
 * pagination), so callers may write to the database between pages — an open
 * better-sqlite3 iterator would forbid that.
 */
export function* iterateRows(db: Db, datasetId: number, filter?: RecordFilter, pageSize = 2000): Generator<RecordRow> {
  const { from, where, params } = filterSql(datasetId, filter);
  const page = db.prepare<unknown[], RecordRow>(`SELECT r.* FROM ${from} WHERE ${where} AND r.id > ? ORDER BY r.id LIMIT ?`);
  let after = 0;
  for (;;) {
    const rows = page.all(...params, after, pageSize);
    yield* rows;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

export function queryRecords(
  store: DatasetStore,
  datasetId: number,
  filter: RecordFilter,
  page: { offset: number; limit: number; sort: RecordSort },
): { total: number; totalCapped: boolean; rows: RecordSummary[] } {
  const { from, where, params, searching } = filterSql(datasetId, filter);
  const total = searching
    ? (store.db.prepare(`SELECT count(*) FROM (SELECT 1 FROM ${from} WHERE ${where} LIMIT ${SEARCH_COUNT_CAP + 1})`).pluck().get(...params) as number)
    : (store.db.prepare(`SELECT count(*) FROM ${from} WHERE ${where}`).pluck().get(...params) as number);
  const order = searching && page.sort === 'id' ? 'f.rowid ASC' : searching && page.sort === '-id' ? 'f.rowid DESC' : SORT_SQL[page.sort];
  const rows = store.db
    .prepare<unknown[], RecordRow>(`SELECT r.* FROM ${from} WHERE ${where} ORDER BY ${order} LIMIT ? OFFSET ?`)
    .all(...params, page.limit, page.offset);
  const capped = searching && total > SEARCH_COUNT_CAP;
  return { total: capped ? SEARCH_COUNT_CAP : total, totalCapped: capped, rows: store.summaries(rows) };
}
