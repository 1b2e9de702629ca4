import { FLAG_BITS, type RecordCursor, type RecordFilter, type RecordSort, type RecordSummary } from '../../../shared/datasets';
import { StudioError } from '../../../shared/result';
import type { Db } from '../db/open';
import { DatasetStore, type RecordRow } from './store';

/**
 * How each sort orders rows: by a length column (or by id alone), always
 * ending with the id so the order is total and a cursor names one position.
 * Length sorts break ties by ascending id in both directions, as they always have.
 */
const SORT_KEYS: Record<RecordSort, { column: 'prompt_chars' | 'chosen_chars' | 'rejected_chars' | null; desc: boolean }> = {
  id: { column: null, desc: false },
  '-id': { column: null, desc: true },
  promptChars: { column: 'prompt_chars', desc: false },
  '-promptChars': { column: 'prompt_chars', desc: true },
  chosenChars: { column: 'chosen_chars', desc: false },
  '-chosenChars': { column: 'chosen_chars', desc: true },
  rejectedChars: { column: 'rejected_chars', desc: false },
  '-rejectedChars': { column: 'rejected_chars', desc: true },
};

/**
 * Turns what a person types into an FTS5 query that cannot be a syntax
 * error: every word is quoted and all must match. A word ending in `*` is a
 * prefix (`volcan*`); plain words match whole words (case and accents
 * folded), which the index answers without scanning.
 */
export function ftsQuery(search: string): string | null {
  // Split where the index's tokenizer splits (unicode61: anything but letters, digits and marks), so a
  // quoted word is always one token: "state-of-the-art" as one quoted string would be a phrase
  // query, which an index without positions refuses with an error.
  const words = search.match(/[\p{L}\p{N}\p{M}\p{Co}]+\*?/gu) ?? [];
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
export function filterSql(
  datasetId: number,
  filter: RecordFilter = {},
): { from: string; where: string; params: unknown[]; searching: boolean } {
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
  return new DatasetStore(db).filteredIds(from, where, params);
}

/**
 * Full rows of a filtered view, in id order, a page at a time (keyset
 * pagination), so callers may write to the database between pages — an open
 * better-sqlite3 iterator would forbid that.
 */
export function* iterateRows(db: Db, datasetId: number, filter?: RecordFilter, pageSize = 2000): Generator<RecordRow> {
  const { from, where, params } = filterSql(datasetId, filter);
  const store = new DatasetStore(db);
  let after = 0;
  for (;;) {
    const rows = store.filteredRowsAfter(from, where, params, after, pageSize);
    yield* rows;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

export interface RecordPage {
  offset: number;
  limit: number;
  sort: RecordSort;
  /** Rows after this one in the view's order (keyset pagination). */
  after?: RecordCursor | undefined;
  /** The `limit` rows just before this one. */
  before?: RecordCursor | undefined;
  /** `offset` counts from the end of the view. */
  fromEnd?: boolean | undefined;
  /** Whether to count the matches (false: total is null). */
  count?: boolean | undefined;
}

/**
 * ORDER BY and keyset condition of a page. A page reads forward (the view's
 * order) or backward (its reverse: `before` a cursor, or from the end) and is
 * returned in the view's order either way. With a cursor the database seeks
 * to the position through the index instead of reading and skipping every
 * row before it, as OFFSET does.
 */
function pageSql(
  sort: RecordSort,
  searching: boolean,
  page: RecordPage,
): { order: string; seek: string | null; params: unknown[]; backward: boolean } {
  const { column, desc } = SORT_KEYS[sort];
  if (page.after && page.before) throw new StudioError('INVALID_ARGUMENT', 'A page is either after a cursor or before one, not both.');
  const backward = page.before !== undefined || page.fromEnd === true;
  // With a search, the full-text index yields rowids in order: sorting by it lets a page stop early.
  const id = searching && column === null ? 'f.rowid' : 'r.id';
  const dir = (descending: boolean) => (descending !== backward ? 'DESC' : 'ASC');
  const order = column === null ? `${id} ${dir(desc)}` : `r.${column} ${dir(desc)}, ${id} ${dir(false)}`;
  const cursor = page.after ?? page.before;
  if (!cursor) return { order, seek: null, params: [], backward };
  // Strictly past the cursor in the direction read: the same comparison ORDER BY makes.
  const past = (descending: boolean) => (descending !== backward ? '<' : '>');
  if (column === null) return { order, seek: `${id} ${past(desc)} ?`, params: [cursor.id], backward };
  if (cursor.key === undefined)
    throw new StudioError('INVALID_ARGUMENT', `A cursor for the ${sort} sort needs the row's ${sort.replace(/^-/, '')} as its key.`);
  return {
    order,
    seek: `(r.${column} ${past(desc)} ? OR (r.${column} = ? AND ${id} ${past(false)} ?))`,
    params: [cursor.key, cursor.key, cursor.id],
    backward,
  };
}

export function queryRecords(
  store: DatasetStore,
  datasetId: number,
  filter: RecordFilter,
  page: RecordPage,
): { total: number | null; totalCapped: boolean; rows: RecordSummary[] } {
  const { from, where, params, searching } = filterSql(datasetId, filter);
  let total: number | null = null;
  if (page.count !== false) {
    total = store.countFiltered(from, where, params, searching ? SEARCH_COUNT_CAP : undefined);
  }
  const { order, seek, params: seekParams, backward } = pageSql(page.sort, searching, page);
  const rows = store.filteredPage(from, where, params, { seek, seekParams, order, limit: page.limit, offset: page.offset });
  if (backward) rows.reverse();
  const capped = total !== null && searching && total > SEARCH_COUNT_CAP;
  return { total: capped ? SEARCH_COUNT_CAP : total, totalCapped: capped, rows: store.summaries(rows) };
}
