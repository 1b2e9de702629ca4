/**
 * The GPU worker page's preload bridge: all the hidden, sandboxed page can
 * reach. It receives its job's messages, posts progress, events and the
 * result, and asks the host for files (only inside the job's folders, which
 * the host checks) and for its snapshot's rows. Never ipcRenderer itself, and
 * no channel but these four.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { FromWorker, ToWorker } from '../core/jobs/protocol';
import { GPU_FILE, GPU_FROM_WORKER, GPU_SNAPSHOT, GPU_TO_WORKER, type FileReply, type GpuBridge, type SnapshotReply } from './protocol';

let listening = false;

export const gpuBridge = {
  onMessage: (listener) => {
    // One listener: the page's runner. A second would be a second job in one page.
    if (listening) throw new Error('The GPU bridge has a message listener already.');
    listening = true;
    ipcRenderer.on(GPU_TO_WORKER, (_event: IpcRendererEvent, message: ToWorker) => listener(message));
  },
  post: (message: FromWorker) => ipcRenderer.send(GPU_FROM_WORKER, message),
  file: (request) => ipcRenderer.invoke(GPU_FILE, request) as Promise<FileReply>,
  snapshot: (snapshotId) => ipcRenderer.invoke(GPU_SNAPSHOT, snapshotId) as Promise<SnapshotReply>,
} satisfies GpuBridge;

contextBridge.exposeInMainWorld('gpuBridge', gpuBridge);
