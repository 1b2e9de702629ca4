import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { type Db, openDatabase, type OpenOptions } from './db/open';
import { migrate, schemaVersion } from './db/migrate';
import { APP_NAME, APP_VERSION } from './version';
import { WorkspaceStore } from './workspace-store';

/** Environment variable that chooses the workspace when no flag is given. */
export const WORKSPACE_ENV = 'STUDIO_WORKSPACE';
export const DB_FILE = 'studio.db';
export const ARTIFACTS_DIR = 'artifacts';

/**
 * The OS user-data directory, the same one Electron's `app.getPath('userData')`
 * returns for this app, computed without Electron so the CLI and serve mode
 * find the same default workspace as the desktop app.
 */
export function userDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  const home = homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_NAME);
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), APP_NAME);
}

/** `--workspace DIR` wins, then $STUDIO_WORKSPACE, then `<userData>/workspace`. */
export function resolveWorkspaceDir(flag?: string, env: NodeJS.ProcessEnv = process.env, dataDir = userDataDir()): string {
  if (flag) return resolve(flag);
  if (env[WORKSPACE_ENV]) return resolve(env[WORKSPACE_ENV]);
  return join(dataDir, 'workspace');
}

export interface Workspace {
  readonly dir: string;
  readonly dbPath: string;
  readonly artifactsDir: string;
  readonly db: Db;
  /** True when this open created the workspace (first start). */
  readonly created: boolean;
  meta(key: string): string | undefined;
  close(): void;
}

/** Opens (creating on first start) a workspace: one SQLite file plus an artifacts folder. */
export function openWorkspace(dir: string, options: OpenOptions = {}): Workspace {
  mkdirSync(join(dir, ARTIFACTS_DIR), { recursive: true });
  const dbPath = join(dir, DB_FILE);
  const db = openDatabase(dbPath, options);
  try {
    const fresh = schemaVersion(db) === 0;
    migrate(db);
    let created = false;
    const store = new WorkspaceStore(db);
    if (fresh) {
      created = store
        .initMeta([
          ['id', randomUUID()],
          ['name', basename(dir) || 'workspace'],
          ['created_at', String(Date.now())],
          ['created_by_version', APP_VERSION],
        ])
        .includes('id');
    }
    return {
      dir,
      dbPath,
      artifactsDir: join(dir, ARTIFACTS_DIR),
      db,
      created,
      meta: (key) => store.meta(key),
      close: () => db.close(),
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Bytes on disk: the database (with its WAL) and every artifact. */
export function workspaceSize(dir: string): number {
  let total = 0;
  const walk = (path: string) => {
    let st;
    try {
      st = statSync(path);
    } catch {
      return; // a file removed while we walk
    }
    if (st.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
    else total += st.size;
  };
  walk(dir);
  return total;
}
