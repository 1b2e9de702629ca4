import type { Db } from '../open';

/** Placeholder reserved for: C — generated candidates, queue kinds, uncertainty (filled in this session; not shipped yet). */
export function up(db: Db): void {
  void db;
}
