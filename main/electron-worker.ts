import { utilityProcess } from 'electron';
import type { FromWorker, SpawnWorker, WorkerHandle } from './core/jobs/protocol';

/**
 * Job workers inside the desktop app run as Electron utility processes: a
 * training step never blocks the window, and a crash or out-of-memory kills
 * only the job.
 */
export function utilitySpawner(entry: string, env?: NodeJS.ProcessEnv): SpawnWorker {
  return (): WorkerHandle => {
    const child = utilityProcess.fork(entry, [], { stdio: 'pipe', serviceName: 'Alignment Studio job', ...(env ? { env } : {}) });
    return {
      get pid() {
        return child.pid;
      },
      send: (message) => child.postMessage(message),
      onMessage: (listener) => child.on('message', (m: FromWorker) => listener(m)),
      onStderr: (listener) => child.stderr?.on('data', (chunk: Buffer) => listener(chunk.toString('utf8'))),
      onExit: (listener) => child.once('exit', (code: number) => listener(code, null)),
      kill: () => {
        child.kill();
      },
    };
  };
}
