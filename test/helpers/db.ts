import { join } from 'node:path';
import { afterEach } from 'vitest';
import { migrate } from '../../main/core/db/migrate';
import { openDatabase, type Db } from '../../main/core/db/open';
import { tempDir } from './tmp';

/**
 * Fresh database files for a test file's tests: the returned `freshDb()` opens
 * a new `studio.db` in a new temporary folder (migrated to the latest schema
 * with `{ migrated: true }`, else empty, for tests that migrate it step by
 * step); each is closed and removed after the test that opened it.
 */
export function freshDbEachTest(): (options?: { migrated?: boolean }) => Db {
  const opened: { db: Db; cleanup: () => void }[] = [];
  afterEach(() => {
    for (const { db, cleanup } of opened.splice(0)) {
      db.close();
      cleanup();
    }
  });
  return ({ migrated = false } = {}) => {
    const t = tempDir();
    const db = openDatabase(join(t.dir, 'studio.db'));
    opened.push({ db, cleanup: t.cleanup });
    if (migrated) migrate(db);
    return db;
  };
}

/** mulberry32 seeded with `seed` as it is (shared/stats/random.ts mixes the seed first): the same seed gives the same stream. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
