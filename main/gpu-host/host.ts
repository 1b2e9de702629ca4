/**
 * The desktop app's GPU host: job workers that run the engine on Chromium's
 * WebGPU, each in a hidden, sandboxed BrowserWindow (never shown, no Node,
 * its own narrow preload bridge). To the supervisor a GPU worker is a worker
 * like the utility process (core/jobs/protocol.ts, WorkerHandle): the same
 * messages, progress, pause and cancel, and a renderer that crashes or is
 * killed ends the job `interrupted` (resumable from its last checkpoint), as
 * a utility process that dies does. Why: docs/decisions/0002-gpu-engine-in-hidden-renderer.md.
 */
import { BrowserWindow, type App, type WebPreferences } from 'electron';
import type { FromWorker, SpawnWorker, ToWorker, WorkerHandle } from '../core/jobs/protocol';
import { TrainPayload } from '../core/runs/train-protocol';
import { accessForJob, GPU_JOB_KINDS, type FileAccess } from './file-access';
import { GPU_FILE, GPU_FROM_WORKER, GPU_SNAPSHOT, GPU_TO_WORKER, type FileReply, type FileRequest, type SnapshotReply } from './protocol';
import { readSnapshotRows } from './snapshot';
import { removeStaleTemps } from '../training/temp-files';

/** The hidden window's settings: those of the studio window, plus no throttling (it is never visible) and no Node anywhere. */
export function gpuWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
    // A hidden window is throttled like a background tab: training would crawl.
    backgroundThrottling: false,
  };
}

/** Whether the user chose the GPU engine for the app: STUDIO_BACKEND=webgpu, as for the CLI. */
export function wantsGpuHost(env: NodeJS.ProcessEnv): boolean {
  return env['STUDIO_BACKEND']?.trim().toLowerCase() === 'webgpu';
}

/**
 * Chromium's WebGPU is behind a switch on Linux (its GPU blocklist keeps it
 * off there); set before the app is ready, only when the GPU host is used.
 */
export function enableWebGpu(app: Pick<App, 'commandLine'>, platform: NodeJS.Platform): void {
  if (platform === 'linux') {
    app.commandLine.appendSwitch('enable-unsafe-webgpu');
    app.commandLine.appendSwitch('enable-features', 'Vulkan');
  }
}

export interface GpuHostOptions {
  /** The GPU worker page (dist/gpu-worker/index.html). */
  pageFile: string;
  /** Its preload bridge (dist/main/gpu-preload.cjs). */
  preload: string;
}

/** Starts GPU workers: one hidden window per job, closed when the job ends. */
export function gpuSpawner(options: GpuHostOptions): SpawnWorker {
  return (): WorkerHandle => {
    const window = new BrowserWindow({ show: false, width: 320, height: 240, webPreferences: gpuWebPreferences(options.preload) });
    const contents = window.webContents;
    const messageListeners: ((message: FromWorker) => void)[] = [];
    const stderrListeners: ((text: string) => void)[] = [];
    const exitListeners: ((code: number | null, signal: string | null) => void)[] = [];
    let exited = false;
    let access: FileAccess | null = null;
    let snapshot: { dbPath: string; snapshotId: number; nativeBinding?: string } | null = null;

    const stderr = (text: string) => stderrListeners.forEach((l) => l(text));
    const deliver = (message: FromWorker) => messageListeners.forEach((l) => l(message));
    const exit = (code: number | null, signal: string | null) => {
      if (exited) return;
      exited = true;
      if (!window.isDestroyed()) window.destroy();
      exitListeners.forEach((l) => l(code, signal));
    };

    const loaded = window.loadFile(options.pageFile).then(
      () => true,
      (err: unknown) => {
        stderr(`The GPU worker page did not load: ${err instanceof Error ? err.message : String(err)}`);
        exit(1, null);
        return false;
      },
    );
    contents.ipc.on(GPU_FROM_WORKER, (_event, message: FromWorker) => {
      if (exited) return;
      deliver(message);
      // The result is in: the page's work is over, as a Node worker exits after `done`.
      if (message.type === 'done' || message.type === 'error') exit(0, null);
    });
    contents.ipc.handle(GPU_FILE, (_event, request: FileRequest): Promise<FileReply> | FileReply =>
      access
        ? access.serve(request)
        : { ok: false, error: { code: 'EACCES', message: 'The GPU worker asked for a file before it was given a job.' } },
    );
    contents.ipc.handle(GPU_SNAPSHOT, async (_event, snapshotId: unknown): Promise<SnapshotReply> => {
      if (!snapshot || snapshotId !== snapshot.snapshotId) {
        return { ok: false, error: { code: 'EACCES', message: `The GPU worker asked for snapshot ${String(snapshotId)}, not its job's.` } };
      }
      try {
        return { ok: true, value: await readSnapshotRows(snapshot.dbPath, snapshot.snapshotId, snapshot.nativeBinding) };
      } catch (err) {
        return { ok: false, error: { code: 'SNAPSHOT_UNREADABLE', message: err instanceof Error ? err.message : String(err) } };
      }
    });
    contents.on('render-process-gone', (_event, details) => exit(details.exitCode, details.reason));
    contents.on('console-message', (event) => {
      if (event.level === 'error' || event.level === 'warning') stderr(event.message);
    });

    const start = (message: ToWorker & { type: 'run' }) => {
      try {
        access = accessForJob(message.kind, message.payload);
        const payload = TrainPayload.parse(message.payload);
        snapshot = {
          dbPath: payload.dbPath,
          snapshotId: payload.snapshotId,
          ...(payload.nativeBinding ? { nativeBinding: payload.nativeBinding } : {}),
        };
        // The page cannot list a folder synchronously, as the task's clean-up does: the host removes a dead page's temps.
        for (const name of removeStaleTemps(payload.dir)) {
          deliver({ type: 'log', level: 'info', message: `Removed ${name}, left half-written by a worker that died.` });
        }
      } catch (err) {
        deliver({ type: 'error', error: { code: 'INVALID_ARGUMENT', message: err instanceof Error ? err.message : String(err) } });
        exit(0, null);
        return false;
      }
      return true;
    };

    return {
      get pid() {
        const pid = contents.isDestroyed() ? 0 : contents.getOSProcessId();
        return pid > 0 ? pid : undefined;
      },
      send: (message) => {
        if (exited) return;
        if (message.type === 'run' && !start(message)) return;
        void loaded.then((ok) => {
          if (!ok || exited) return;
          // The page names temp files with its renderer's pid and builds paths by this platform's rules.
          const run = message.type === 'run' ? { platform: process.platform, workerPid: contents.getOSProcessId() } : {};
          contents.send(GPU_TO_WORKER, { ...message, ...run });
        });
      },
      onMessage: (listener) => messageListeners.push(listener),
      onStderr: (listener) => stderrListeners.push(listener),
      onExit: (listener) => exitListeners.push(listener),
      // Destroying the window ends its renderer process, as SIGKILL ends a utility process.
      kill: () => exit(null, 'SIGKILL'),
    };
  };
}

/** Sends the GPU host's kinds to `gpu` and every other kind to `other` (the utility process). */
export function routeByKind(gpu: SpawnWorker, other: SpawnWorker, kinds: ReadonlySet<string> = GPU_JOB_KINDS): SpawnWorker {
  return (kind) => (kind !== undefined && kinds.has(kind) ? gpu(kind) : other(kind));
}
