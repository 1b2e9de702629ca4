/**
 * The GPU worker page (renderer/gpu-worker) in headless Chromium, outside
 * Electron: the page bundled fresh from the sources, served from 127.0.0.1 (a
 * secure context, so Chromium offers WebGPU — a software SwiftShader adapter
 * on a machine without a GPU), and a bridge the test provides in place of the
 * app's preload. Bytes cross as base64 (Playwright's bindings carry JSON).
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FromWorker, ToWorker } from '../../main/core/jobs/protocol';
import type { FileReply, FileRequest, SnapshotReply } from '../../main/gpu-host/protocol';
import { buildGpuWorker } from '../../scripts/build-gpu-worker.mjs';
import { chromiumPath } from './browser';

/** Chromium with its WebGPU on (software adapter where there is no GPU). */
export function launchWebGpuChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless=new',
      '--no-sandbox',
      '--enable-unsafe-webgpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Builds the page into `dir` and serves it on a free 127.0.0.1 port. */
export async function serveGpuWorkerPage(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const out = await buildGpuWorker(dir);
  const types: Record<string, string> = { html: 'text/html', js: 'text/javascript', map: 'application/json' };
  const server: Server = createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0] === '/' ? 'index.html' : (req.url ?? '').slice(1).split('?')[0]!;
    if (!/^[\w.-]+$/.test(name)) return void res.writeHead(404).end();
    try {
      const body = readFileSync(join(out, name));
      res.writeHead(200, { 'content-type': types[name.split('.').pop()!] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** What stands in for the app's host: answers the page's requests and receives what it posts. */
export interface StubHost {
  file(request: FileRequest): Promise<FileReply>;
  snapshot(snapshotId: number): Promise<SnapshotReply>;
  post(message: FromWorker): void;
}

type Wire<T> = T extends Uint8Array ? { b64: string } : T;

/**
 * Installs `window.gpuBridge` in `page` (before its scripts run), backed by
 * `host`; returns how to send the page a worker message.
 */
export async function installStubBridge(
  page: Page,
  host: StubHost,
): Promise<(message: ToWorker & Record<string, unknown>) => Promise<void>> {
  const toWire = (reply: FileReply): FileReply | { ok: true; value: Wire<Uint8Array> } =>
    reply.ok && reply.value instanceof Uint8Array ? { ok: true, value: { b64: Buffer.from(reply.value).toString('base64') } } : reply;
  await page.exposeFunction('__stubFile', async (request: FileRequest & { data?: unknown }) => {
    const data = request.data as { b64: string } | undefined;
    const decoded = data ? ({ ...request, data: new Uint8Array(Buffer.from(data.b64, 'base64')) } as FileRequest) : request;
    return toWire(await host.file(decoded));
  });
  await page.exposeFunction('__stubSnapshot', (id: number) => host.snapshot(id));
  await page.exposeFunction('__stubPost', (message: FromWorker) => host.post(message));
  await page.addInitScript(() => {
    const w = globalThis as unknown as Record<string, (...args: never[]) => unknown> & { __deliver?: (m: unknown) => void };
    const toB64 = (bytes: Uint8Array) => {
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(s);
    };
    const fromB64 = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const call = (name: string, ...args: unknown[]) => (w[name] as unknown as (...a: unknown[]) => Promise<unknown>)(...args);
    (globalThis as unknown as { gpuBridge: unknown }).gpuBridge = {
      onMessage: (listener: (m: unknown) => void) => {
        w.__deliver = listener;
      },
      post: (message: unknown) => void call('__stubPost', message),
      file: async (request: { data?: Uint8Array }) => {
        const sent = request.data ? { ...request, data: { b64: toB64(request.data) } } : request;
        const reply = (await call('__stubFile', sent)) as { ok: boolean; value?: unknown };
        const value = reply.value as { b64?: string } | undefined;
        return reply.ok && value && typeof value.b64 === 'string' ? { ok: true, value: fromB64(value.b64) } : reply;
      },
      snapshot: (id: number) => call('__stubSnapshot', id),
    };
  });
  return (message) =>
    page.evaluate((m) => {
      const deliver = (globalThis as unknown as { __deliver?: (m: unknown) => void }).__deliver;
      if (!deliver) throw new Error('The GPU worker page has not started listening.');
      deliver(m);
    }, message);
}
