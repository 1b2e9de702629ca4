/**
 * The desktop app's GPU host (main/gpu-host/host.ts) driving a real train job
 * through the real supervisor and SQLite workspace, as far as this machine
 * allows: Electron cannot run here, so its BrowserWindow is stood in for by a
 * page of headless Chromium (on its SwiftShader WebGPU) — the window's
 * per-window IPC becomes the test bridge, `render-process-gone` the page's
 * crash. Everything else is the app's: the routing spawner, the host's file
 * access and snapshot reads, the page bundle, the train job and its events.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Run } from '../../shared/runs';
import { jobSettled } from '../../main/core/client';
import { forkSpawner, sourceWorkerEntry } from '../../main/core/jobs/fork-worker';
import { createStudio, type Studio } from '../../main/core/studio';
import type { NewRecord } from '../../main/core/datasets/store';
import { launchWebGpuChromium, serveGpuWorkerPage } from '../helpers/gpu-worker-page';
import { tempDir } from '../helpers/tmp';
import { openStores } from '../helpers/workspace';

/** What the stand-in windows need from the test: the browser and the served page. */
const fake = vi.hoisted(() => ({
  browser: null as Browser | null,
  pageUrl: '',
  windows: [] as { options: Record<string, unknown>; page: Page | null; destroyed: boolean }[],
}));

vi.mock('electron', async () => {
  const { GPU_FILE, GPU_FROM_WORKER, GPU_SNAPSHOT } = await import('../../main/gpu-host/protocol');
  const { installStubBridge: install } = await import('../helpers/gpu-worker-page');
  type Listener = (...args: unknown[]) => unknown;

  class WebContents {
    readonly handlers = new Map<string, Listener>();
    readonly listeners = new Map<string, Listener>();
    readonly events = new Map<string, Listener>();
    destroyed = false;
    deliver: ((message: never) => Promise<void>) | null = null;
    readonly ipc = {
      on: (channel: string, listener: Listener) => this.listeners.set(channel, listener),
      handle: (channel: string, handler: Listener) => this.handlers.set(channel, handler),
    };
    on(event: string, listener: Listener) {
      this.events.set(event, listener);
      return this;
    }
    send(_channel: string, message: never) {
      void this.deliver?.(message).catch(() => {});
    }
    getOSProcessId() {
      return 0;
    }
    isDestroyed() {
      return this.destroyed;
    }
  }

  class BrowserWindow {
    readonly webContents = new WebContents();
    readonly record: (typeof fake.windows)[number];
    constructor(options: Record<string, unknown>) {
      this.record = { options, page: null, destroyed: false };
      fake.windows.push(this.record);
    }
    async loadFile(): Promise<void> {
      const contents = this.webContents;
      const page = await fake.browser!.newPage();
      this.record.page = page;
      page.on('crash', () => contents.events.get('render-process-gone')?.({}, { reason: 'crashed', exitCode: 139 }));
      page.on('console', (m) => contents.events.get('console-message')?.({ level: m.type(), message: m.text() }));
      contents.deliver = await install(page, {
        file: (request) => contents.handlers.get(GPU_FILE)!({}, request) as never,
        snapshot: (id) => contents.handlers.get(GPU_SNAPSHOT)!({}, id) as never,
        post: (message) => void contents.listeners.get(GPU_FROM_WORKER)!({}, message),
      });
      await page.goto(fake.pageUrl);
    }
    destroy() {
      this.record.destroyed = this.webContents.destroyed = true;
      void this.record.page?.close().catch(() => {});
    }
    isDestroyed() {
      return this.record.destroyed;
    }
  }
  return { BrowserWindow };
});

const { gpuSpawner, routeByKind } = await import('../../main/gpu-host/host');

const TINY_LLAMA = join(import.meta.dirname, '..', 'fixtures', 'models', 'tiny-llama');
const t = tempDir('studio-gpu-host-');
let studio: Studio;
let served: { url: string; close(): Promise<void> };
let snapshotId = 0;
let modelId = 0;

async function call<T>(method: string, args: unknown): Promise<T> {
  const res = await studio.dispatch(method, args);
  if (!res.ok) throw new Error(`${method}: ${res.error.message}`);
  return res.value as T;
}

const pair = (i: number): NewRecord => ({
  kind: 'preference',
  prompt: [{ role: 'user', content: `Is the sky ok ${i}?` }],
  chosen: [{ role: 'assistant', content: 'yes' }],
  rejected: [{ role: 'assistant', content: 'no' }],
  responses: null,
  system: null,
  split: i >= 8 ? 'test' : 'train',
});

beforeAll(async () => {
  served = await serveGpuWorkerPage(join(t.dir, 'page'));
  fake.pageUrl = served.url;
  fake.browser = await launchWebGpuChromium();
  const workspaceDir = join(t.dir, 'ws');
  studio = createStudio({
    workspaceDir,
    // As main/index.ts wires it with STUDIO_BACKEND=webgpu: train in the GPU host, the rest in Node workers.
    spawnWorker: routeByKind(
      gpuSpawner({ pageFile: join(t.dir, 'page', 'index.html'), preload: join(t.dir, 'gpu-preload.cjs') }),
      forkSpawner(sourceWorkerEntry()),
    ),
  });
  const stores = openStores(workspaceDir);
  try {
    const dataset = stores.datasets.createDataset('yes-no');
    stores.datasets.insertRecords(
      dataset.id,
      null,
      Array.from({ length: 10 }, (_, i) => pair(i)),
    );
    snapshotId = (await call<{ id: number }>('snapshots.create', { datasetId: dataset.id })).id;
  } finally {
    stores.close();
  }
  modelId = (await call<{ id: number }>('models.register', { path: TINY_LLAMA })).id;
});

afterAll(async () => {
  await studio?.close();
  await fake.browser?.close();
  await served?.close();
  t.cleanup();
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 100_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const getRun = (id: number) => call<Run>('runs.get', { id });
const stepReached = (run: Run, step: number) =>
  waitFor(`step ${step}`, async () => ((await getRun(run.id)).step >= step ? true : undefined));

describe('the GPU host runs train jobs in a hidden window through the same job interface', () => {
  it('trains, pauses at a checkpoint, resumes, survives a crashed renderer (interrupted, then resumed) and finishes with each step once', async () => {
    const config = {
      maxSteps: 4,
      microBatchSize: 2,
      maxLength: 64,
      maxPromptLength: 48,
      checkpointEvery: 1,
      evalEvery: 0,
      evalSuite: null,
      chatTemplate: false,
      optimizer: { lr: 1e-2 },
      schedule: { kind: 'constant', warmupRatio: 0 },
    };
    let run = await call<Run>('runs.create', { name: 'gpu', snapshotId, modelId, config });

    const t0 = Date.now();
    const mark = (what: string) => console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
    // Pause after the first step: the page checkpoints and the job ends paused.
    await stepReached(run, 1);
    mark('step 1');
    await call('runs.pause', { id: run.id });
    let job = await jobSettled(studio, run.jobId);
    mark('paused');
    expect(job.status, JSON.stringify(job.error)).toBe('paused');
    const pausedAt = (await getRun(run.id)).step;
    expect(existsSync(join((await getRun(run.id)).dir, `checkpoint-${String(pausedAt).padStart(8, '0')}`))).toBe(true);

    // Resume: a new window continues from that checkpoint; kill its renderer after one more step.
    run = await call<Run>('runs.resume', { id: run.id });
    await stepReached(run, pausedAt + 1);
    mark(`step ${pausedAt + 1}`);
    const window = fake.windows.at(-1)!;
    expect(window.destroyed).toBe(false);
    const cdp = await window.page!.context().newCDPSession(window.page!);
    await cdp.send('Page.crash').catch(() => {});
    job = await jobSettled(studio, run.jobId);
    mark('interrupted');
    expect(job.status).toBe('interrupted');
    expect(job.error?.code).toBe('WORKER_CRASHED');
    expect(window.destroyed).toBe(true);

    // Resume again: it finishes from the last valid checkpoint.
    run = await call<Run>('runs.resume', { id: run.id });
    job = await jobSettled(studio, run.jobId);
    mark('succeeded');
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    const done = await getRun(run.id);
    expect(done.step).toBe(4);
    expect(done.backend).toBe('webgpu');
    // The model the page exported is registered, as a Node worker's is.
    await waitFor('the exported model', async () =>
      (await call<{ path: string; origin: string }[]>('models.list', {})).some(
        (m) => m.origin === 'run' && m.path === join(done.dir, 'model'),
      )
        ? true
        : undefined,
    );
    const series = await call<Record<string, { steps: number[] }>>('runs.metrics', { id: run.id });
    expect(series['loss']?.steps).toEqual([1, 2, 3, 4]);
    const logs = (await call<{ message: string }[]>('jobs.logs', { id: run.jobId, limit: 5000 })).map((l) => l.message);
    expect(logs.some((l) => /on the webgpu backend/.test(l))).toBe(true);
    expect(logs.some((l) => /Resumed from .*checkpoint-/.test(l))).toBe(true);

    // Every window was hidden and locked down, and each was closed when its job ended.
    expect(fake.windows).toHaveLength(3);
    for (const w of fake.windows) {
      expect(w.options.show).toBe(false);
      expect(w.options.webPreferences).toMatchObject({
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        backgroundThrottling: false,
      });
      expect(w.destroyed).toBe(true);
    }
  }, 400_000);
});
