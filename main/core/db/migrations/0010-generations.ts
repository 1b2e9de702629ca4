import type { Db } from '../open';

/** Placeholder reserved for: E — stored generations and win rate (filled in this session; not shipped yet). */
export function up(db: Db): void {
  void db;
}
