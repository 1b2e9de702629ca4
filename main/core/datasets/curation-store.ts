import { Store } from '../db/store';
import { DatasetStore } from './store';

/** What a duplicate search reads of each record. */
export interface DedupeRow {
  id: number;
  content_hash: string;
  prompt_text: string;
  chosen_text: string;
  rejected_text: string;
}

/**
 * The reads of the curation workers (curation-tasks.ts), on their own
 * connection: a read transaction held open across batches (with awaits in
 * between, which a `transaction(fn)` cannot span), so every page comes from
 * one state of the dataset.
 */
export class CurationStore extends Store {
  /** Opens a read transaction: every read until `commit` sees the same state of the database. */
  begin(): void {
    this.db.exec('BEGIN');
  }

  commit(): void {
    this.db.exec('COMMIT');
  }

  recordCount(datasetId: number): number {
    return this.value<[number], number>('SELECT count(*) FROM records WHERE dataset_id = ?').get(datasetId)!;
  }

  /** Up to `limit` records of a dataset after record `afterId`, in id order. */
  dedupePage(datasetId: number, afterId: number, limit: number): DedupeRow[] {
    return this.sql<[number, number, number], DedupeRow>(
      'SELECT id, content_hash, prompt_text, chosen_text, rejected_text FROM records WHERE dataset_id = ? AND id > ? ORDER BY id LIMIT ?',
    ).all(datasetId, afterId, limit);
  }

  /** How many records a filtered view (query.ts's filterSql) has. */
  countFiltered(from: string, where: string, params: unknown[]): number {
    return new DatasetStore(this.db).countFiltered(from, where, params);
  }
}
