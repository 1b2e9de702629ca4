import { beforeEach, describe, expect, it, vi } from 'vitest';

// A fake of the parts of Electron the preload touches.
const exposed: Record<string, unknown> = {};
const invoke = vi.fn((..._args: unknown[]) => Promise.resolve({ ok: true, value: 'answer' }));
const listeners = new Map<string, Set<(...args: unknown[]) => void>>();

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
  webUtils: { getPathForFile: (file: { name: string }) => `/picked/${file.name}` },
  ipcRenderer: {
    invoke,
    on: (channel: string, l: (...args: unknown[]) => void) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(l);
    },
    removeListener: (channel: string, l: (...args: unknown[]) => void) => listeners.get(channel)?.delete(l),
  },
}));

beforeEach(() => invoke.mockClear());

describe('preload bridge', async () => {
  await import('../../../main/preload');
  const studio = exposed.studio as {
    kind: string;
    call: (m: string, a: unknown) => Promise<unknown>;
    onEvent: (l: (e: unknown) => void) => () => void;
  };

  it("exposes one object, `studio`, with only the transport's calls — never ipcRenderer", () => {
    expect(Object.keys(exposed)).toEqual(['studio']);
    expect(Object.keys(studio).sort()).toEqual(['call', 'downloadUrl', 'fileToPath', 'kind', 'onEvent']);
    expect(studio.kind).toBe('electron');
    expect(JSON.stringify(Object.values(studio))).not.toContain('invoke');
  });

  it('maps a picked file to its path without any other file access', async () => {
    const s = studio as unknown as { fileToPath: (f: { name: string }) => Promise<unknown>; downloadUrl: (n: string) => unknown };
    expect(await s.fileToPath({ name: 'pairs.jsonl' })).toEqual({ ok: true, value: { path: '/picked/pairs.jsonl', name: 'pairs.jsonl' } });
    expect(s.downloadUrl('x.jsonl')).toBeNull();
  });

  it('forwards contract methods over the call channel', async () => {
    expect(await studio.call('jobs.list', { limit: 5 })).toEqual({ ok: true, value: 'answer' });
    expect(invoke).toHaveBeenCalledWith('studio:call', 'jobs.list', { limit: 5 });
  });

  it('refuses names outside the contract without reaching the main process', async () => {
    for (const name of ['shell.openExternal', '__proto__', 'constructor']) {
      expect(await studio.call(name, {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    }
    expect(invoke).not.toHaveBeenCalled();
  });

  it('delivers events without the IPC event object, and unsubscribes', () => {
    const received: unknown[][] = [];
    const off = studio.onEvent((...args) => received.push(args));
    const fakeIpcEvent = { sender: { secret: true } };
    for (const l of listeners.get('studio:event') ?? []) l(fakeIpcEvent, { type: 'job.updated', job: { id: 1 } });
    expect(received).toEqual([[{ type: 'job.updated', job: { id: 1 } }]]);
    off();
    expect(listeners.get('studio:event')?.size).toBe(0);
  });
});
