import Database from 'better-sqlite3';

export type Db = Database.Database;

export interface OpenOptions {
  /** Path to a better_sqlite3.node built for another runtime (Electron's ABI). */
  nativeBinding?: string;
  readonly?: boolean;
}

/**
 * Opens a workspace database with the settings every connection needs:
 * WAL (readers never block the writer), foreign keys enforced, a busy
 * timeout so a CLI and the app can share the file, and NORMAL sync, which in
 * WAL mode is durable across application crashes.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const db = new Database(file, {
    readonly: options.readonly ?? false,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  });
  db.pragma('busy_timeout = 5000');
  if (!options.readonly) db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  // 64 MiB of page cache: bulk imports touch several indexes and the full-text index at once.
  db.pragma('cache_size = -65536');
  return db;
}

/** Pages of write-ahead log after which a commit on this connection checkpoints (0: never; SQLite's default is 1000). */
export function setAutoCheckpoint(db: Db, pages: number): void {
  db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(pages))}`);
}

/** Releases this connection's page cache. */
export function shrinkMemory(db: Db): void {
  db.pragma('shrink_memory');
}

/** Folds the write-ahead log into the database as far as readers allow, without waiting for them. */
export function checkpointPassive(db: Db): void {
  db.pragma('wal_checkpoint(PASSIVE)');
}
