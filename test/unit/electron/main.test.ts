import { afterAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../helpers/tmp';

/** Records what main/index.ts does with Electron, so its security settings can be checked. */
const fake = vi.hoisted(() => {
  const appHandlers = new Map<string, (...args: unknown[]) => void>();
  const ipcHandlers = new Map<string, (...args: unknown[]) => unknown>();
  const windows: { options: Record<string, unknown>; loaded?: string }[] = [];
  let permissionHandler: ((c: unknown, p: string, cb: (ok: boolean) => void) => void) | undefined;
  return {
    appHandlers,
    ipcHandlers,
    windows,
    permission: () => permissionHandler,
    setPermission: (h: typeof permissionHandler) => (permissionHandler = h),
    userData: '',
    repoRoot: '',
  };
});

vi.mock('electron', () => {
  class BrowserWindow {
    static getAllWindows = () => [];
    webContents = { send: () => {} };
    constructor(options: Record<string, unknown>) {
      fake.windows.push({ options });
    }
    once() {}
    loadFile(file: string) {
      fake.windows.at(-1)!.loaded = file;
      return Promise.resolve();
    }
  }
  return {
    app: {
      whenReady: async () => {},
      getPath: () => fake.userData,
      getAppPath: () => fake.repoRoot,
      isPackaged: false,
      on: (event: string, handler: (...args: unknown[]) => void) => fake.appHandlers.set(event, handler),
      quit: () => {},
      exit: () => {},
    },
    BrowserWindow,
    ipcMain: { handle: (channel: string, handler: (...args: unknown[]) => unknown) => fake.ipcHandlers.set(channel, handler) },
    session: { defaultSession: { setPermissionRequestHandler: (h: never) => fake.setPermission(h) } },
    shell: { openExternal: vi.fn(async () => {}) },
    utilityProcess: {
      fork: () => {
        throw new Error('no jobs in this test');
      },
    },
  };
});

const t = tempDir();
fake.userData = t.dir;
fake.repoRoot = new URL('../../..', import.meta.url).pathname;
const { startDesktop, wantsDemo, workspaceFlag } = await import('../../../main/index');
const { studio } = await startDesktop();
afterAll(async () => {
  await studio.close();
  t.cleanup();
});

function fakeContents() {
  const on = new Map<string, (...args: unknown[]) => void>();
  let openHandler: ((d: { url: string }) => { action: string }) | undefined;
  return {
    on: (event: string, l: (...args: unknown[]) => void) => on.set(event, l),
    setWindowOpenHandler: (h: typeof openHandler) => (openHandler = h),
    emit(event: string, url?: string) {
      let prevented = false;
      on.get(event)?.({ preventDefault: () => (prevented = true) }, url);
      return prevented;
    },
    open: (url: string) => openHandler!({ url }),
  };
}

describe('Electron main process glue', () => {
  it('creates the window with context isolation, sandbox, no node integration and the preload bridge', () => {
    expect(fake.windows).toHaveLength(1);
    const prefs = fake.windows[0]!.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(String(prefs.preload)).toMatch(/preload\.cjs$/);
    expect(fake.windows[0]!.loaded).toMatch(/renderer[/\\]index\.html$/);
  });

  it('opens the default workspace under the user-data folder', () => {
    expect(studio.paths.workspace).toBe(`${t.dir}/workspace`);
    expect(workspaceFlag(['electron', '.', '--workspace', '/w'])).toBe('/w');
    expect(workspaceFlag(['electron', '.', '--workspace=/v'])).toBe('/v');
    // The desktop app skips the demo on the same switches as the CLI.
    expect(wantsDemo(['electron', '.'], {})).toBe(true);
    expect(wantsDemo(['electron', '.', '--no-demo'], {})).toBe(false);
    expect(wantsDemo(['electron', '.'], { STUDIO_NO_DEMO: '1' })).toBe(false);
  });

  it('denies new windows, navigation away, webviews and permission requests', () => {
    const hook = fake.appHandlers.get('web-contents-created')!;
    const contents = fakeContents();
    hook({}, contents);
    expect(contents.open('https://example.com')).toEqual({ action: 'deny' });
    expect(contents.open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(contents.emit('will-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.emit('will-redirect', 'https://evil.example/')).toBe(true);
    expect(contents.emit('will-attach-webview')).toBe(true);
    const appPage = 'file://' + String(fake.windows[0]!.loaded).replace(/index\.html$/, '') + 'index.html#/jobs';
    expect(contents.emit('will-navigate', appPage)).toBe(false);
    let granted: boolean | undefined;
    fake.permission()!({}, 'media', (ok) => (granted = ok));
    expect(granted).toBe(false);
  });

  it('answers contract calls over IPC only from the studio window', async () => {
    const handler = fake.ipcHandlers.get('studio:call')!;
    expect([...fake.ipcHandlers.keys()]).toEqual(['studio:call']);
    const appUrl = 'file://' + String(fake.windows[0]!.loaded);
    const ok = (await handler({ senderFrame: { url: appUrl } }, 'settings.get', {})) as { ok: boolean };
    expect(ok).toEqual({ ok: true, value: { theme: 'system' } });
    const bad = (await handler({ senderFrame: { url: appUrl } }, 'jobs.get', { id: 'x' })) as { ok: boolean; error: { code: string } };
    expect(bad.error.code).toBe('INVALID_ARGUMENT');
    const foreign = (await handler({ senderFrame: { url: 'https://evil.example/' } }, 'settings.get', {})) as { error: { code: string } };
    expect(foreign.error.code).toBe('FORBIDDEN_ORIGIN');
    const sibling = appUrl.replace(/renderer([/\\])index\.html$/, 'renderer-other$1index.html');
    expect(sibling).not.toBe(appUrl);
    const fromSibling = (await handler({ senderFrame: { url: sibling } }, 'settings.get', {})) as { error: { code: string } };
    expect(fromSibling.error.code).toBe('FORBIDDEN_ORIGIN');
  });
});
