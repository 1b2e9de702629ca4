/**
 * What crosses the GPU host's bridge: between the Electron main process (the
 * host, host.ts), the hidden window's preload (preload.ts) and the GPU worker
 * page (renderer/gpu-worker/). Types and channel names only, so all three
 * import it without pulling in Electron or Node.
 *
 * The page speaks the job worker protocol (core/jobs/protocol.ts) unchanged —
 * `run`, `cancel`, `pause` in; progress, logs, events and the result out —
 * plus two requests a Node worker does by itself: file access (limited by the
 * host to the job's folders) and the snapshot's rows (the page has no
 * database).
 */
import type { FromWorker, ToWorker } from '../core/jobs/protocol';
import type { SnapshotContent } from '../core/datasets/snapshots';

/** Main → page: a job worker message. */
export const GPU_TO_WORKER = 'studio-gpu:to-worker';
/** Page → main: a job worker message. */
export const GPU_FROM_WORKER = 'studio-gpu:from-worker';
/** Page → main, answered: a file request. */
export const GPU_FILE = 'studio-gpu:file';
/** Page → main, answered: the rows of the job's snapshot. */
export const GPU_SNAPSHOT = 'studio-gpu:snapshot';

/** The subset of file operations the engine and trainer perform (fs.promises), by name. */
export type FileRequest =
  | { op: 'read'; path: string; position?: number; length?: number }
  | { op: 'stat'; path: string }
  | { op: 'readdir'; path: string }
  | { op: 'write'; path: string; data: Uint8Array; append?: boolean }
  | { op: 'mkdir'; path: string; recursive?: boolean }
  | { op: 'rename'; from: string; to: string }
  | { op: 'rm'; path: string; recursive?: boolean; force?: boolean }
  | { op: 'copy'; from: string; to: string };

export interface FileStat {
  size: number;
  isFile: boolean;
  isDirectory: boolean;
  mtimeMs: number;
}

export interface DirEntry {
  name: string;
  isFile: boolean;
  isDirectory: boolean;
}

/** A failed request keeps Node's error code (ENOENT, EACCES, …), so the engine's own handling of a missing file works unchanged. */
export interface FileFailure {
  error: { code: string; message: string };
}

export type FileReply = { ok: true; value: Uint8Array | FileStat | DirEntry[] | null } | ({ ok: false } & FileFailure);

export interface SnapshotRows {
  contentHash: string;
  rows: (SnapshotContent & { split: 'train' | 'test' | null })[];
}

export type SnapshotReply = { ok: true; value: SnapshotRows } | ({ ok: false } & FileFailure);

/**
 * `window.gpuBridge`: everything the GPU worker page can do outside itself.
 * The preload exposes it in the app; tests give the page their own.
 */
export interface GpuBridge {
  /** Messages from the supervisor (run, cancel, pause); one listener. */
  onMessage(listener: (message: ToWorker) => void): void;
  /** Progress, logs, events and the result (after which the host closes the page). */
  post(message: FromWorker): void;
  file(request: FileRequest): Promise<FileReply>;
  snapshot(snapshotId: number): Promise<SnapshotReply>;
}
