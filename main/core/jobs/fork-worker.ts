import { fork } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromWorker, SpawnWorker, WorkerHandle } from './protocol';

export interface ForkOptions {
  /** The worker's entry module. */
  entry: string;
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * The worker entry when the studio runs from TypeScript sources (CLI, serve
 * mode, tests): `main/worker.ts`, loaded through tsx. The Electron build
 * passes its bundled `worker.cjs` instead.
 */
export function sourceWorkerEntry(): ForkOptions {
  return { entry: fileURLToPath(new URL('../../worker.ts', import.meta.url)), execArgv: ['--import', 'tsx'] };
}

/** The newest modification time of a file under `dir`, in ms. */
function newestIn(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Whether `bundle` exists and is at least as new as every file under `sources`. */
export function bundleIsFresh(bundle: string, sources: readonly string[]): boolean {
  if (!existsSync(bundle)) return false;
  const built = statSync(bundle).mtimeMs;
  return sources.every((dir) => newestIn(dir) <= built);
}

let chosen: ForkOptions | undefined;

/**
 * The worker entry the CLI, serve mode and tests fork: the built bundle when
 * it exists and is at least as new as every source file it is built from,
 * else the sources through tsx. Starting from the bundle takes about 0.6 s
 * against 1.7–2.1 s through tsx (which compiles the worker's modules on each
 * start), and every job pays it; an edit to main/ or shared/ after the last
 * build makes the sources newer, so a stale bundle never runs. Decided once
 * per process (a few ms of file stats).
 */
export function workerEntry(): ForkOptions {
  if (chosen) return chosen;
  // The bundle `npm run build` (scripts/build.mjs) makes of main/worker.ts — what the desktop app's utility
  // processes run — and the folders it is built from (its imports leave them only for node_modules).
  const bundle = fileURLToPath(new URL('../../../dist/main/worker.cjs', import.meta.url));
  const sources = [fileURLToPath(new URL('../../', import.meta.url)), fileURLToPath(new URL('../../../shared/', import.meta.url))];
  // The bundle carries a source map: stack traces in job errors name the TypeScript sources.
  chosen = bundleIsFresh(bundle, sources) ? { entry: bundle, execArgv: ['--enable-source-maps'] } : sourceWorkerEntry();
  return chosen;
}

/** Starts job workers with child_process.fork (serve mode and CLI). */
export function forkSpawner(options: ForkOptions): SpawnWorker {
  return (): WorkerHandle => {
    const child = fork(options.entry, [], {
      execArgv: options.execArgv ?? [],
      env: options.env ?? process.env,
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    return {
      pid: child.pid,
      send: (message) => {
        // A worker can exit between the \`connected\` check and the write (a
        // cancel racing the job's own end): the write then fails with EPIPE.
        // The callback keeps that from becoming an uncaught 'error' event;
        // the job's outcome comes from its exit (onExit), not from this write.
        if (child.connected) child.send(message, () => undefined);
      },
      onMessage: (listener) => child.on('message', (m) => listener(m as FromWorker)),
      onStderr: (listener) => child.stderr?.on('data', (chunk: Buffer) => listener(chunk.toString('utf8'))),
      onExit: (listener) => child.once('exit', listener),
      kill: () => {
        child.kill('SIGKILL');
      },
    };
  };
}
