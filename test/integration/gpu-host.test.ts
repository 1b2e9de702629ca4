/**
 * The GPU host's parts that need no window: what the page may touch on disk
 * (real folders), which jobs go to the GPU host, the switches and window
 * settings, and what the preload exposes (Electron recorded, as in
 * test/unit/electron/preload.test.ts).
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { WorkerHandle } from '../../main/core/jobs/protocol';
import { accessForJob, FileAccess } from '../../main/gpu-host/file-access';
import { GPU_FILE, GPU_FROM_WORKER, GPU_SNAPSHOT, GPU_TO_WORKER } from '../../main/gpu-host/protocol';
import { tempDir } from '../helpers/tmp';

const recorded = vi.hoisted(() => ({
  exposed: new Map<string, Record<string, unknown>>(),
  invoked: [] as unknown[][],
  sent: [] as unknown[][],
  subscribed: [] as string[],
}));

vi.mock('electron', () => ({
  BrowserWindow: class {},
  contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => recorded.exposed.set(key, api) },
  ipcRenderer: {
    invoke: (...args: unknown[]) => {
      recorded.invoked.push(args);
      return Promise.resolve({ ok: true, value: null });
    },
    send: (...args: unknown[]) => recorded.sent.push(args),
    on: (channel: string) => recorded.subscribed.push(channel),
  },
}));

const { enableWebGpu, gpuWebPreferences, routeByKind, wantsGpuHost } = await import('../../main/gpu-host/host');

const t = tempDir('studio-gpu-host-unit-');
afterAll(() => t.cleanup());

const model = join(t.dir, 'model');
const run = join(t.dir, 'runs', '1');
const cache = join(t.dir, 'reference-cache');
const outside = join(t.dir, 'secrets');
for (const d of [model, run, cache, outside]) mkdirSync(d, { recursive: true });
writeFileSync(join(model, 'config.json'), '{"model_type":"llama"}');
writeFileSync(join(outside, 'studio.db'), 'not for the page');
symlinkSync(join(outside, 'studio.db'), join(model, 'linked.bin'));
const access = new FileAccess({ read: [model], write: [run, cache] });

describe('FileAccess: the GPU page reaches only its job folders', () => {
  it('reads the model folder, whole or by range, and lists and stats it', async () => {
    expect(await access.serve({ op: 'read', path: join(model, 'config.json') })).toEqual({
      ok: true,
      value: new Uint8Array(Buffer.from('{"model_type":"llama"}')),
    });
    expect(await access.serve({ op: 'read', path: join(model, 'config.json'), position: 2, length: 10 })).toEqual({
      ok: true,
      value: new Uint8Array(Buffer.from('model_type')),
    });
    // A chunk asked past the end comes back as the bytes there are, in a buffer of that size (IPC copies whole buffers).
    const tail = await access.serve({ op: 'read', path: join(model, 'config.json'), position: 18, length: 8 * 1024 * 1024 });
    expect(tail).toEqual({ ok: true, value: new Uint8Array(Buffer.from('ma"}')) });
    expect(tail.ok && (tail.value as Uint8Array).buffer.byteLength).toBe(4);
    const listed = await access.serve({ op: 'readdir', path: model });
    expect(listed.ok && (listed.value as { name: string }[]).map((e) => e.name).sort()).toEqual(['config.json', 'linked.bin']);
    const stat = await access.serve({ op: 'stat', path: join(model, 'config.json') });
    expect(stat).toMatchObject({ ok: true, value: { size: 22, isFile: true, isDirectory: false } });
  });

  it("refuses anything outside the job's folders, a climb out with .., a relative path and a write into the model", async () => {
    for (const path of [join(outside, 'studio.db'), join(model, '..', 'secrets', 'studio.db'), 'model/config.json', '/etc/passwd']) {
      const reply = await access.serve({ op: 'read', path });
      expect(reply.ok, path).toBe(false);
      expect(!reply.ok && reply.error.code).toBe('EACCES');
    }
    const write = await access.serve({ op: 'write', path: join(model, 'config.json'), data: new Uint8Array([1]) });
    expect(write.ok === false && write.error.code).toBe('EACCES');
    expect(write.ok === false && write.error.message).toMatch(/may not write .*config\.json/);
    const escape = await access.serve({ op: 'rename', from: join(run, 'a'), to: join(outside, 'a') });
    expect(escape).toMatchObject({ ok: false, error: { code: 'EACCES' } });
    const copyOut = await access.serve({ op: 'copy', from: join(model, 'config.json'), to: join(outside, 'copy.json') });
    expect(copyOut).toMatchObject({ ok: false, error: { code: 'EACCES' } });
  });

  it("follows a symlink inside the model folder (the HF cache's layout) — the user's own link", async () => {
    expect(await access.serve({ op: 'read', path: join(model, 'linked.bin') })).toMatchObject({ ok: true });
  });

  it('writes, appends, renames and removes inside the run folder, and keeps Node error codes', async () => {
    const file = join(run, 'checkpoint.tmp-1', 'state.json');
    expect(await access.serve({ op: 'write', path: file, data: new Uint8Array([1]) })).toMatchObject({
      ok: false,
      error: { code: 'ENOENT' },
    });
    expect(await access.serve({ op: 'mkdir', path: join(run, 'checkpoint.tmp-1'), recursive: true })).toEqual({ ok: true, value: null });
    await access.serve({ op: 'write', path: file, data: new Uint8Array([1, 2]) });
    await access.serve({ op: 'write', path: file, data: new Uint8Array([3]), append: true });
    expect(await access.serve({ op: 'read', path: file })).toEqual({ ok: true, value: new Uint8Array([1, 2, 3]) });
    expect(await access.serve({ op: 'rename', from: join(run, 'checkpoint.tmp-1'), to: join(run, 'checkpoint-1') })).toMatchObject({
      ok: true,
    });
    expect(await access.serve({ op: 'copy', from: join(model, 'config.json'), to: join(cache, 'c.json') })).toMatchObject({ ok: true });
    expect(await access.serve({ op: 'rm', path: join(run, 'checkpoint-1'), recursive: true, force: true })).toMatchObject({ ok: true });
    expect(await access.serve({ op: 'stat', path: join(run, 'checkpoint-1') })).toMatchObject({ ok: false, error: { code: 'ENOENT' } });
  });

  it('derives the folders from the train payload, and refuses other kinds and bad payloads before the page runs', () => {
    const payload = {
      runId: 1,
      dbPath: join(outside, 'studio.db'),
      snapshotId: 1,
      config: { model: { kind: 'folder', path: model } },
      dir: run,
      referenceDir: cache,
    };
    const fromJob = accessForJob('train', payload);
    expect(fromJob.check(join(model, 'config.json'), 'read')).toBe(join(model, 'config.json'));
    expect(() => fromJob.check(join(model, 'x'), 'write')).toThrow(/may not write/);
    expect(() => fromJob.check(payload.dbPath, 'read')).toThrow(/outside this job's folders/);
    expect(() => accessForJob('dataset-import', payload)).toThrow(/does not run "dataset-import" jobs/);
    expect(() => accessForJob('train', { ...payload, dir: '' })).toThrow(/Invalid payload for a train job/);
  });
});

describe('the GPU host in the app', () => {
  it('is chosen by STUDIO_BACKEND=webgpu, and on Linux turns WebGPU on', () => {
    expect(wantsGpuHost({ STUDIO_BACKEND: 'webgpu' })).toBe(true);
    expect(wantsGpuHost({ STUDIO_BACKEND: ' WebGPU ' })).toBe(true);
    expect(wantsGpuHost({ STUDIO_BACKEND: 'wasm' })).toBe(false);
    expect(wantsGpuHost({})).toBe(false);
    const switches: string[][] = [];
    const app = { commandLine: { appendSwitch: (...args: string[]) => switches.push(args) } } as never;
    enableWebGpu(app, 'darwin');
    expect(switches).toEqual([]);
    enableWebGpu(app, 'linux');
    expect(switches).toEqual([['enable-unsafe-webgpu'], ['enable-features', 'Vulkan']]);
  });

  it('locks the hidden window down as the studio window is, and does not throttle it', () => {
    expect(gpuWebPreferences('/p/gpu-preload.cjs')).toMatchObject({
      preload: '/p/gpu-preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
      backgroundThrottling: false,
    });
  });

  it('routes train jobs to the GPU host and every other kind to the utility process', () => {
    const spawned: string[] = [];
    const handle = (who: string) => (kind?: string) => {
      spawned.push(`${who}:${kind}`);
      return {} as WorkerHandle;
    };
    const spawn = routeByKind(handle('gpu'), handle('utility'));
    for (const kind of ['train', 'eval', 'dataset-import', 'label-candidates']) spawn(kind);
    spawn();
    expect(spawned).toEqual(['gpu:train', 'utility:eval', 'utility:dataset-import', 'utility:label-candidates', 'utility:undefined']);
  });

  it('exposes to the page only gpuBridge with its four members, each on its own channel', async () => {
    await import('../../main/gpu-host/preload');
    expect([...recorded.exposed.keys()]).toEqual(['gpuBridge']);
    const bridge = recorded.exposed.get('gpuBridge') as {
      onMessage(l: () => void): void;
      post(m: unknown): void;
      file(r: unknown): Promise<unknown>;
      snapshot(id: number): Promise<unknown>;
    };
    expect(Object.keys(bridge).sort()).toEqual(['file', 'onMessage', 'post', 'snapshot']);
    bridge.onMessage(() => {});
    expect(() => bridge.onMessage(() => {})).toThrow(/has a message listener already/);
    bridge.post({ type: 'progress', progress: 0.5 });
    await bridge.file({ op: 'stat', path: '/x' });
    await bridge.snapshot(3);
    expect(recorded.subscribed).toEqual([GPU_TO_WORKER]);
    expect(recorded.sent).toEqual([[GPU_FROM_WORKER, { type: 'progress', progress: 0.5 }]]);
    expect(recorded.invoked).toEqual([
      [GPU_FILE, { op: 'stat', path: '/x' }],
      [GPU_SNAPSHOT, 3],
    ]);
  });
});
