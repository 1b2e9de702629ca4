import type { Db } from '../open';

/** Placeholder reserved for: B — drafts, adjudications, swap re-serves (filled in this session; not shipped yet). */
export function up(db: Db): void {
  void db;
}
