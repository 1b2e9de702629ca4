import type { Db } from '../open';

/** Placeholder reserved for: D — annotator invite tokens (filled in this session; not shipped yet). */
export function up(db: Db): void {
  void db;
}
