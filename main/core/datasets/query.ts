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
 * error: every word is quoted, all must match, and each may be a prefix.
 */
export function ftsQuery(search: string): string | null {
  const words = search.match(/[\p{L}\p{N}_'-]+/gu) ?? [];
  if (words.length === 0) return null;
  return words.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' ');
}

/** SQL conditions and parameters for a record filter within one dataset. */
export function filterSql(datasetId: number, filter: RecordFilter = {}): { where: string; params: unknown[] } {
  const where: string[] = ['r.dataset_id = ?'];
  const params: unknown[] = [datasetId];
  const fts = filter.search ? ftsQuery(filter.search) : null;
  if (fts) {
    where.push('r.id IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?)');
    params.push(fts);
  } else if (filter.search && filter.search.trim()) {
    where.push('0'); // only punctuation: nothing can match
  }
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
  return { where: where.join(' AND '), params };
}

export function countRecords(db: Db, datasetId: number, filter?: RecordFilter): number {
  const { where, params } = filterSql(datasetId, filter);
  return db.prepare(`SELECT count(*) FROM records r WHERE ${where}`).pluck().get(...params) as number;
}

export function recordIds(db: Db, datasetId: number, filter?: RecordFilter): number[] {
  const { where, params } = filterSql(datasetId, filter);
  return db.prepare(`SELECT r.id FROM records r WHERE ${where} ORDER BY r.id`).pluck().all(...params) as number[];
}

/**
 * Full rows of a filtered view, in id order, a page at a time (keyset
 * pagination), so callers may write to the database between pages — an open
 * better-sqlite3 iterator would forbid that.
 */
export function* iterateRows(db: Db, datasetId: number, filter?: RecordFilter, pageSize = 2000): Generator<RecordRow> {
  const { where, params } = filterSql(datasetId, filter);
  const page = db.prepare<unknown[], RecordRow>(`SELECT r.* FROM records r WHERE ${where} AND r.id > ? ORDER BY r.id LIMIT ?`);
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
): { total: number; rows: RecordSummary[] } {
  const { where, params } = filterSql(datasetId, filter);
  const total = store.db.prepare(`SELECT count(*) FROM records r WHERE ${where}`).pluck().get(...params) as number;
  const rows = store.db
    .prepare<unknown[], RecordRow>(`SELECT r.* FROM records r WHERE ${where} ORDER BY ${SORT_SQL[page.sort]} LIMIT ? OFFSET ?`)
    .all(...params, page.limit, page.offset);
  return { total, rows: store.summaries(rows) };
}
