/**
 * Electron main process: windows, security settings and wiring of the
 * contract's handlers to IPC. No business logic lives here — it is all in
 * main/core, shared with serve mode and the CLI.
 */
import { app, BrowserWindow, ipcMain, session, shell, type WebContents, type WebPreferences } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../shared/api';
import { createStudio, type Studio } from './core/studio';
import { resolveWorkspaceDir } from './core/workspace';
import { utilitySpawner } from './electron-worker';
import { enableWebGpu, gpuSpawner, routeByKind, wantsGpuHost } from './gpu-host/host';

/** The renderer's security settings: the same in tests as in the shipped app. */
export function webPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
  };
}

/** Denies new windows, navigation away from the app, webviews and permission prompts. */
export function hardenWebContents(contents: WebContents, appUrl: string): void {
  contents.setWindowOpenHandler(({ url }) => {
    // Links to documentation open in the user's browser, never inside the app.
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(appUrl)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!url.startsWith(appUrl)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** `--workspace DIR` from the command line (Electron passes its own flags too). */
export function workspaceFlag(argv: string[]): string | undefined {
  const i = argv.indexOf('--workspace');
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith('--workspace='))?.slice('--workspace='.length);
}

/** Whether a workspace this start creates gets the demo dataset: not with `--no-demo` or STUDIO_NO_DEMO (as in the CLI). */
export function wantsDemo(argv: string[], env: NodeJS.ProcessEnv): boolean {
  return !argv.includes('--no-demo') && !env.STUDIO_NO_DEMO;
}

export async function startDesktop(): Promise<{ studio: Studio; window: BrowserWindow }> {
  // STUDIO_BACKEND=webgpu: training runs on Chromium's WebGPU in a hidden window (docs/decisions/0002); its switches precede ready.
  const gpu = wantsGpuHost(process.env);
  if (gpu) enableWebGpu(app, process.platform);
  await app.whenReady();
  const here = __dirname;
  const rendererIndex = join(here, '..', 'renderer', 'index.html');
  // With the trailing slash, so a sibling folder (renderer-other/) never passes as the app.
  const appUrl = `${pathToFileURL(join(here, '..', 'renderer')).href}/`;
  // In development the native SQLite module is rebuilt for Electron's ABI by `npm start`.
  const devBinding = join(app.getAppPath(), '.electron-native', 'better_sqlite3.node');
  const studio = createStudio({
    workspaceDir: resolveWorkspaceDir(workspaceFlag(process.argv), process.env, app.getPath('userData')),
    spawnWorker: gpu
      ? routeByKind(
          gpuSpawner({ pageFile: join(here, '..', 'gpu-worker', 'index.html'), preload: join(here, 'gpu-preload.cjs') }),
          // Dawn cannot run in Electron's Node: the other jobs' utility processes pick a CPU backend.
          utilitySpawner(join(here, 'worker.cjs'), { ...process.env, STUDIO_BACKEND: 'auto' }),
        )
      : utilitySpawner(join(here, 'worker.cjs')),
    ...(gpu
      ? { backend: () => ({ name: 'webgpu', detail: "Chromium's WebGPU in the app's GPU worker (training); other jobs on the CPU" }) }
      : {}),
    assetsDir: join(app.getAppPath(), 'assets'),
    ...(!app.isPackaged && existsSync(devBinding) ? { nativeBinding: devBinding } : {}),
  });

  if (wantsDemo(process.argv, process.env)) await studio.seedDemo();

  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, appUrl));

  ipcMain.handle(IPC_CALL_CHANNEL, (event, method: unknown, args: unknown) => {
    // Only our own renderer may call in.
    if (!event.senderFrame?.url.startsWith(appUrl)) {
      return { ok: false, error: { code: 'FORBIDDEN_ORIGIN', message: 'Calls are only accepted from the studio window.' } };
    }
    return studio.dispatch(String(method), args);
  });
  studio.events.subscribe((event) => {
    // The studio's own windows only: the hidden GPU windows have no use for the event stream.
    for (const win of BrowserWindow.getAllWindows())
      if (win.webContents.getURL().startsWith(appUrl)) win.webContents.send(IPC_EVENT_CHANNEL, event);
  });

  const window = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 900,
    minHeight: 600,
    title: 'Alignment Studio',
    show: false,
    webPreferences: webPreferences(join(here, 'preload.cjs')),
  });
  window.once('ready-to-show', () => window.show());
  await window.loadFile(rendererIndex);

  app.on('window-all-closed', () => {
    // A running training run checkpoints and pauses (up to 15 s) so quitting loses no steps.
    void studio.close({ pauseGraceMs: 15_000 }).finally(() => app.quit());
  });
  return { studio, window };
}

if (process.versions.electron) {
  startDesktop().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    app.exit(1);
  });
}
