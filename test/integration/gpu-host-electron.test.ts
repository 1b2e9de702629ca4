/**
 * main/index.ts with STUDIO_BACKEND=webgpu, Electron recorded (as in
 * test/unit/electron/main.test.ts): WebGPU's switches precede ready, a train
 * job opens a hidden GPU window on the bundled page with the GPU preload, any
 * other job starts a utility process told to pick a CPU backend, the header
 * says webgpu, and studio events reach the studio window only.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Run } from '../../shared/runs';
import { tempDir } from '../helpers/tmp';

const fake = vi.hoisted(() => ({
  events: [] as string[],
  windows: [] as { options: Record<string, unknown>; loaded?: string; url: string; sent: string[] }[],
  forks: [] as { entry: string; env: Record<string, string | undefined> | undefined }[],
  userData: '',
  repoRoot: '',
}));

vi.mock('electron', () => {
  class BrowserWindow {
    static getAllWindows = () => fake.windows.map((w) => ({ webContents: { getURL: () => w.url, send: (c: string) => w.sent.push(c) } }));
    readonly record: (typeof fake.windows)[number];
    readonly webContents = {
      ipc: { on: () => {}, handle: () => {} },
      on: () => {},
      send: () => {},
      getOSProcessId: () => 0,
      isDestroyed: () => false,
    };
    constructor(options: Record<string, unknown>) {
      this.record = { options, url: '', sent: [] };
      fake.windows.push(this.record);
      fake.events.push('window');
    }
    once() {}
    loadFile(file: string) {
      this.record.loaded = file;
      this.record.url = `file://${file}`;
      return Promise.resolve();
    }
    destroy() {}
    isDestroyed() {
      return false;
    }
  }
  return {
    app: {
      whenReady: () => {
        fake.events.push('ready');
        return Promise.resolve();
      },
      commandLine: { appendSwitch: (name: string, value?: string) => fake.events.push(`switch ${name}${value ? `=${value}` : ''}`) },
      getPath: () => fake.userData,
      getAppPath: () => fake.repoRoot,
      isPackaged: false,
      on: () => {},
      quit: () => {},
      exit: () => {},
    },
    BrowserWindow,
    ipcMain: { handle: () => {} },
    session: { defaultSession: { setPermissionRequestHandler: () => {} } },
    shell: { openExternal: () => Promise.resolve() },
    utilityProcess: {
      fork: (entry: string, _args: string[], options: { env?: Record<string, string | undefined> }) => {
        fake.forks.push({ entry, env: options.env });
        const onExit: ((code: number) => void)[] = [];
        return {
          pid: 1,
          on: () => {},
          once: (_event: string, listener: (code: number) => void) => onExit.push(listener),
          postMessage: () => {},
          kill: () => onExit.forEach((l) => l(1)),
          stderr: null,
        };
      },
    },
  };
});

const t = tempDir('studio-gpu-electron-');
fake.userData = t.dir;
fake.repoRoot = join(import.meta.dirname, '..', '..');
const previous = process.env['STUDIO_BACKEND'];
process.env['STUDIO_BACKEND'] = 'webgpu';
const { startDesktop } = await import('../../main/index');
const { studio } = await startDesktop();

afterAll(async () => {
  await studio.close();
  if (previous === undefined) delete process.env['STUDIO_BACKEND'];
  else process.env['STUDIO_BACKEND'] = previous;
  t.cleanup();
});

async function call<T>(method: string, args: unknown): Promise<T> {
  const res = await studio.dispatch(method, args);
  if (!res.ok) throw new Error(`${method}: ${res.error.message}`);
  return res.value as T;
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!done()) throw new Error(`Timed out waiting for ${what}`);
}

describe('the desktop app with STUDIO_BACKEND=webgpu', () => {
  it("turns Chromium's WebGPU on before the app is ready (on Linux) and says webgpu in the header", async () => {
    const ready = fake.events.indexOf('ready');
    if (process.platform === 'linux') {
      expect(fake.events.slice(0, ready)).toEqual(['switch enable-unsafe-webgpu', 'switch enable-features=Vulkan']);
    }
    const info = await call<{ backend: { name: string } }>('workspace.info', {});
    expect(info.backend.name).toBe('webgpu');
  });

  it('opens a hidden GPU window on the bundled page for a train job, with the GPU preload, and sends studio events to the studio window only', async () => {
    const modelId = (await call<{ id: number }[]>('models.list', {}))[0]!.id;
    const snapshotId = (await call<{ id: number }[]>('snapshots.list', {}))[0]!.id;
    await call<Run>('runs.create', {
      name: 'gpu',
      snapshotId,
      modelId,
      config: { maxSteps: 1, maxLength: 64, maxPromptLength: 48, evalSuite: null },
    });
    await until('the GPU window', () => fake.windows.length === 2);
    const [main, gpu] = fake.windows;
    expect(main!.loaded).toMatch(/renderer[/\\]index\.html$/);
    expect(gpu!.options.show).toBe(false);
    expect(gpu!.loaded).toMatch(/gpu-worker[/\\]index\.html$/);
    expect(gpu!.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      preload: expect.stringMatching(/gpu-preload\.cjs$/) as unknown,
    });
    expect(fake.forks).toEqual([]);
    await until('a studio event', () => main!.sent.length > 0);
    expect(gpu!.sent).toEqual([]);
  });

  it('starts every other job in a utility process that picks a CPU backend (Dawn cannot run in Electron)', async () => {
    const before = fake.forks.length;
    const datasetId = (await call<{ id: number }[]>('datasets.list', {}))[0]!.id;
    // Its job waits on a worker that never answers here; the studio's close stops it.
    void studio.dispatch('datasets.duplicates', { datasetId });
    await until('a utility process', () => fake.forks.length > before);
    expect(fake.forks.at(-1)!.entry).toMatch(/worker\.cjs$/);
    expect(fake.forks.at(-1)!.env?.['STUDIO_BACKEND']).toBe('auto');
  });
});
