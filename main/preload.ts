/**
 * The preload bridge: the only way the sandboxed renderer reaches the main
 * process. It exposes the contract's calls and its event stream — never
 * ipcRenderer itself — and strips the IPC event object before calling the
 * renderer's listeners.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type StudioTransport } from '../shared/api';
import { isMethodName } from '../shared/contract';
import type { StudioEvent } from '../shared/events';

export const bridge = {
  kind: 'electron',
  call: (method, args) => {
    if (!isMethodName(method)) {
      return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_METHOD', message: `The studio has no method "${String(method)}".` } });
    }
    return ipcRenderer.invoke(IPC_CALL_CHANNEL, method, args);
  },
  // A file the user picked in a file input: Electron knows its path; nothing else is exposed.
  fileToPath: (file) => Promise.resolve({ ok: true, value: { path: webUtils.getPathForFile(file), name: file.name } }),
  downloadUrl: () => null,
  onEvent: (listener) => {
    const handler = (_event: IpcRendererEvent, payload: StudioEvent) => listener(payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
    };
  },
} satisfies StudioTransport;

contextBridge.exposeInMainWorld('studio', bridge);
