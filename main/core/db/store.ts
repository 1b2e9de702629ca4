import type { Statement } from 'better-sqlite3';
import type { Db } from './open';

/** Statements kept per connection; past this many distinct texts (dynamic filters) the cache starts over. */
const CACHE_LIMIT = 500;
const caches = new WeakMap<Db, Map<string, Statement>>();

/**
 * The one way SQL is written: a store (a `store.ts` or `*-store.ts` module;
 * lint keeps `prepare`, `exec` and `pragma` there and in `main/core/db/`)
 * extends this and runs `this.sql('…')` or `this.value('…')`. A statement is
 * prepared on first use and kept per connection and text, so stores are
 * cheap to create and every store over one connection shares the cache.
 * Dynamic SQL (filters) is built by its module's builder and goes through the
 * same calls.
 */
export abstract class Store {
  constructor(readonly db: Db) {}

  /** The prepared statement for this text (rows as objects). */
  protected sql<P extends unknown[] | object = unknown[], R = unknown>(text: string): Statement<P, R> {
    return this.cached(text, false) as Statement<P, R>;
  }

  /** The prepared statement for this text, returning each row's first column. */
  protected value<P extends unknown[] | object = unknown[], R = unknown>(text: string): Statement<P, R> {
    return this.cached(text, true) as Statement<P, R>;
  }

  /** Runs `fn` in a transaction (a savepoint inside one already open); `immediate` takes the write lock at once. */
  transaction<T>(fn: () => T, mode?: 'immediate'): T {
    const tx = this.db.transaction(fn);
    return mode === 'immediate' ? tx.immediate() : tx();
  }

  /** Whether a transaction is open on this connection. */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  private cached(text: string, pluck: boolean): Statement {
    let cache = caches.get(this.db);
    if (!cache) caches.set(this.db, (cache = new Map<string, Statement>()));
    const key = pluck ? `pluck\0${text}` : text;
    let statement = cache.get(key);
    if (!statement) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      statement = this.db.prepare(text);
      if (pluck) statement.pluck();
      cache.set(key, statement);
    }
    return statement;
  }
}
