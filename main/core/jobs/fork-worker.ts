import { fork } from 'node:child_process';
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
