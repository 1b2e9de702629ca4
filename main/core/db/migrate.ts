import { StudioError } from '../../../shared/result';
import type { Db } from './open';
import { MIGRATIONS, type Migration } from './migrations';

export interface MigrationReport {
  from: number;
  to: number;
  applied: string[];
}

/** The schema version this build of the studio writes. */
export function latestSchemaVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.length;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database to the latest schema. Each step runs in its own
 * transaction together with its `user_version` bump, so a crash leaves the
 * database at a whole version, never half-migrated. A database written by a
 * newer studio is refused rather than guessed at.
 */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): MigrationReport {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
  const from = schemaVersion(db);
  const latest = latestSchemaVersion(migrations);
  if (from > latest) {
    throw new StudioError(
      'WORKSPACE_TOO_NEW',
      `This workspace was written by a newer Alignment Studio (schema version ${from}; this version understands up to ${latest}). Update the studio to open it.`,
      { schemaVersion: from, supported: latest },
    );
  }
  const applied: string[] = [];
  for (const m of migrations.slice(from)) {
    // Foreign keys can only be switched outside a transaction.
    const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
    if (m.rebuildsTables) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        m.up(db);
        if (m.rebuildsTables) {
          const broken = db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
          if (broken.length > 0) {
            const first = broken[0]!;
            throw new Error(
              `Migration ${m.name} left ${broken.length} rows pointing at missing rows (the first: ${first.table} row ${first.rowid} → ${first.parent}).`,
            );
          }
        }
        db.pragma(`user_version = ${m.version}`);
      }).immediate();
    } finally {
      if (m.rebuildsTables) db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
    }
    applied.push(m.name);
  }
  return { from, to: schemaVersion(db), applied };
}
