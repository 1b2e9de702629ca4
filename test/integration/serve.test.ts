import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from 'node:http';
import { METHOD_NAMES } from '../../shared/contract';
import { latestSchemaVersion } from '../../main/core/db/migrate';
import type { StudioEvent } from '../../shared/events';
import { callApi, rawRequest, startServe, waitFor, type ServeHandle } from '../helpers/serve';
import { tempDir } from '../helpers/tmp';

let serve: ServeHandle;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  serve = await startServe(t.dir);
});
afterAll(async () => {
  await serve?.stop();
  cleanup?.();
});

const json = { 'content-type': 'application/json' };

describe('serve mode security', () => {
  it('binds to 127.0.0.1 and prints a URL carrying the token', () => {
    expect(serve.url).toBe(`http://127.0.0.1:${serve.port}/?token=${serve.token}`);
    expect(serve.token.length).toBeGreaterThanOrEqual(40);
  });

  it('answers 401 on every API route without a token, and with a wrong one', async () => {
    for (const method of METHOD_NAMES) {
      const none = await rawRequest(serve.port, `/api/${method}`, { method: 'POST', headers: json, body: '{}' });
      expect(none.status, method).toBe(401);
      expect(JSON.parse(none.body)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
      const wrong = await rawRequest(serve.port, `/api/${method}`, {
        method: 'POST',
        headers: { ...json, authorization: `Bearer ${serve.token.slice(0, -1)}x` },
        body: '{}',
      });
      expect(wrong.status, method).toBe(401);
    }
    expect((await rawRequest(serve.port, '/api/events')).status).toBe(401);
    expect((await rawRequest(serve.port, '/api/nope', { method: 'POST', headers: json, body: '{}' })).status).toBe(401);
    // A token in the query string is only accepted for opening the page, never for API calls.
    const viaQuery = await rawRequest(serve.port, `/api/workspace.info?token=${serve.token}`, {
      method: 'POST',
      headers: json,
      body: '{}',
    });
    expect(viaQuery.status).toBe(401);
  });

  it('refuses other origins and other Host names even with the right token, and sends no CORS headers', async () => {
    const auth = { ...json, authorization: `Bearer ${serve.token}` };
    const evil = await rawRequest(serve.port, '/api/workspace.info', {
      method: 'POST',
      headers: { ...auth, origin: 'http://evil.example' },
      body: '{}',
    });
    expect(evil.status).toBe(403);
    expect((JSON.parse(evil.body) as { error: { code: string } }).error.code).toBe('FORBIDDEN_ORIGIN');
    const otherPort = await rawRequest(serve.port, '/api/workspace.info', {
      method: 'POST',
      headers: { ...auth, origin: `http://127.0.0.1:${serve.port + 1}` },
      body: '{}',
    });
    expect(otherPort.status).toBe(403);
    const rebinding = await rawRequest(serve.port, '/api/workspace.info', {
      method: 'POST',
      headers: { ...auth, host: `attacker.example:${serve.port}` },
      body: '{}',
    });
    expect(rebinding.status).toBe(421);
    const own = await rawRequest(serve.port, '/api/workspace.info', {
      method: 'POST',
      headers: { ...auth, origin: `http://127.0.0.1:${serve.port}` },
      body: '{}',
    });
    expect(own.status).toBe(200);
    for (const res of [evil, own]) {
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    }
  });

  it('works with the token: Bearer header, or the cookie set when the page is opened with ?token=', async () => {
    const info = await callApi(serve.port, serve.token, 'workspace.info');
    expect(info.status).toBe(200);
    expect(info.json).toMatchObject({
      ok: true,
      value: { schemaVersion: latestSchemaVersion(), appVersion: expect.any(String) as unknown },
    });

    const page = await rawRequest(serve.port, `/?token=${serve.token}`);
    expect(page.status).not.toBe(401);
    const setCookie = String(page.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0]!;
    const viaCookie = await rawRequest(serve.port, '/api/settings.get', { method: 'POST', headers: { ...json, cookie }, body: '{}' });
    expect(viaCookie.status).toBe(200);
    expect(JSON.parse(viaCookie.body)).toEqual({ ok: true, value: { theme: 'system' } });
  });

  it('returns contract errors with codes: bad arguments, unknown method, missing job, bad JSON', async () => {
    const bad = await callApi(serve.port, serve.token, 'jobs.get', { id: -1 });
    expect(bad.status).toBe(400);
    expect(bad.json.error?.code).toBe('INVALID_ARGUMENT');
    const unknown = await callApi(serve.port, serve.token, 'jobs.explode');
    expect(unknown.json.error?.code).toBe('UNKNOWN_METHOD');
    const missing = await callApi(serve.port, serve.token, 'jobs.get', { id: 424242 });
    expect(missing.status).toBe(404);
    expect(missing.json.error?.message).toMatch(/no job #424242/);
    const garbage = await rawRequest(serve.port, '/api/jobs.list', {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${serve.token}` },
      body: '{not json',
    });
    expect(garbage.status).toBe(400);
  });
});

describe('serve mode uploads and downloads', () => {
  it('streams an upload into the workspace, previews it by path, and serves exports only from the exports folder', async () => {
    const body = '{"prompt":"p","chosen":"a","rejected":"b"}\n';
    expect((await rawRequest(serve.port, '/api/upload?name=x.jsonl', { method: 'POST', body })).status).toBe(401);
    const up = await rawRequest(serve.port, `/api/upload?name=${encodeURIComponent('../../evil name.jsonl')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/octet-stream' },
      body,
    });
    expect(up.status).toBe(200);
    const { path, name } = (JSON.parse(up.body) as { value: { path: string; name: string } }).value;
    expect(path).toMatch(/artifacts[/\\]uploads[/\\][\d-]+[/\\]\.\._\.\._evil_name\.jsonl$/);
    expect(name).not.toContain('/');
    const preview = await callApi(serve.port, serve.token, 'datasets.preview', { path });
    expect(preview.json).toMatchObject({ ok: true, value: { format: 'trl-standard' } });

    const dataset = await callApi(serve.port, serve.token, 'datasets.create', { name: 'dl' });
    const datasetId = (dataset.json.value as { id: number }).id;
    const job = await callApi(serve.port, serve.token, 'datasets.import', { path, datasetId });
    expect(job.json.ok).toBe(true);
    let exported: { json: { ok: boolean; value?: unknown } } | undefined;
    for (let i = 0; i < 100 && !exported?.json.ok; i++) {
      await new Promise((r) => setTimeout(r, 100));
      exported = await callApi(serve.port, serve.token, 'datasets.export', { datasetId, format: 'trl-jsonl' });
    }
    const { downloadName } = exported!.json.value as { downloadName: string };
    const auth = { authorization: `Bearer ${serve.token}` };
    const download = await rawRequest(serve.port, `/api/download/${encodeURIComponent(downloadName)}`, { headers: auth });
    expect(download.status).toBe(200);
    expect(download.headers['content-disposition']).toContain(downloadName);
    expect(JSON.parse(download.body.trim())).toMatchObject({ prompt: 'p', chosen: 'a', rejected: 'b' });
    expect((await rawRequest(serve.port, `/api/download/${encodeURIComponent('../studio.db')}`, { headers: auth })).status).toBe(404);
    expect((await rawRequest(serve.port, `/api/download/${encodeURIComponent(downloadName)}`)).status).toBe(401);
  });
});

describe('serve mode events', () => {
  it('streams job progress over SSE until the job succeeds', async () => {
    const events: StudioEvent[] = [];
    const req = get({ host: '127.0.0.1', port: serve.port, path: '/api/events', headers: { authorization: `Bearer ${serve.token}` } });
    const done = new Promise<void>((resolve, reject) => {
      req.on('response', (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream');
        let buffer = '';
        res.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          let split;
          while ((split = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, split);
            buffer = buffer.slice(split + 2);
            const data = block.split('\n').find((l) => l.startsWith('data: '));
            if (!data) continue;
            const event = JSON.parse(data.slice(6)) as StudioEvent;
            events.push(event);
            if (event.type === 'job.updated' && event.job.status === 'succeeded') resolve();
          }
        });
      });
      req.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 200));
    const started = await callApi(serve.port, serve.token, 'jobs.startSelfTest', { steps: 5, stepMs: 250 });
    expect(started.json.ok).toBe(true);
    await done;
    req.destroy();
    const updates = events.filter((e): e is Extract<StudioEvent, { type: 'job.updated' }> => e.type === 'job.updated').map((e) => e.job);
    const statuses = updates.map((j) => j.status);
    expect(statuses[0]).toBe('queued');
    expect(statuses).toContain('running');
    expect(statuses.at(-1)).toBe('succeeded');
    const progress = updates.filter((j) => j.status === 'running').map((j) => j.progress);
    expect(progress.some((p) => p > 0 && p < 1)).toBe(true);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(events.some((e) => e.type === 'job.log')).toBe(true);
  });
});

describe('serve mode never dies on a malformed or failing request', () => {
  const auth = { authorization: `Bearer ${'placeholder'}` };
  const stillServing = async () => {
    expect(serve.child.exitCode, serve.stderr.join('')).toBeNull();
    const info = await callApi(serve.port, serve.token, 'workspace.info');
    expect(info.status).toBe(200);
  };

  it('answers 400 with a JSON error for malformed percent-encoding in a path, the cookie and a download name, and keeps serving', async () => {
    auth.authorization = `Bearer ${serve.token}`;
    const staticPath = await rawRequest(serve.port, '/%E0%A4%A', { headers: auth });
    expect(staticPath.status).toBe(400);
    expect(JSON.parse(staticPath.body)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/percent-encoding/) as unknown },
    });
    await stillServing();

    const cookie = await rawRequest(serve.port, '/api/settings.get', {
      method: 'POST',
      headers: { ...json, cookie: `studio_token_${serve.port}=%` },
      body: '{}',
    });
    expect(cookie.status).toBe(400);
    expect(JSON.parse(cookie.body)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/cookie/) as unknown },
    });
    await stillServing();
    // Another app's cookie on the same host with a stray % does not get in the way of the token.
    const foreign = await rawRequest(serve.port, '/api/settings.get', {
      method: 'POST',
      headers: { ...json, ...auth, cookie: 'other_app=%; x=%zz' },
      body: '{}',
    });
    expect(foreign.status).toBe(200);

    const download = await rawRequest(serve.port, '/api/download/%zz', { headers: auth });
    expect(download.status).toBe(400);
    expect((JSON.parse(download.body) as { error: { code: string } }).error.code).toBe('INVALID_ARGUMENT');
    await stillServing();

    const badUrl = await rawRequest(serve.port, '//[', { headers: auth });
    expect(badUrl.status).toBe(400);
    expect((JSON.parse(badUrl.body) as { error: { code: string } }).error.code).toBe('INVALID_ARGUMENT');
    await stillServing();
  });

  it('answers 413 with a JSON error for a body over 16 MiB, declared or chunked, and keeps serving', async () => {
    const big = 'x'.repeat(17 * 1024 * 1024);
    const declared = await rawRequest(serve.port, '/api/settings.update', {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${serve.token}`, 'content-length': String(big.length) },
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/settings\.update.*16 MiB/) as unknown },
    });
    const chunked = await rawRequest(serve.port, '/api/settings.update', {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${serve.token}` },
      body: big,
    });
    expect(chunked.status).toBe(413);
    await stillServing();
  });

  it('serves an export whose name is not ASCII (a header Node refuses to write used to kill the server)', async () => {
    const dataset = await callApi(serve.port, serve.token, 'datasets.create', { name: '数据 données' });
    const datasetId = (dataset.json.value as { id: number }).id;
    const up = await rawRequest(serve.port, '/api/upload?name=pairs.jsonl', {
      method: 'POST',
      headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/octet-stream' },
      body: '{"prompt":"p","chosen":"a","rejected":"b"}\n',
    });
    const { path } = (JSON.parse(up.body) as { value: { path: string } }).value;
    expect((await callApi(serve.port, serve.token, 'datasets.import', { path, datasetId })).json.ok).toBe(true);
    const exported = await waitFor(
      async () => {
        const res = await callApi(serve.port, serve.token, 'datasets.export', { datasetId, format: 'trl-jsonl' });
        return res.json.ok ? res : undefined;
      },
      10_000,
      'the import',
    );
    const { downloadName } = exported.json.value as { downloadName: string };
    expect(downloadName).toMatch(/数据/);
    const download = await rawRequest(serve.port, `/api/download/${encodeURIComponent(downloadName)}`, {
      headers: { authorization: `Bearer ${serve.token}` },
    });
    expect(download.status).toBe(200);
    expect(download.headers['content-disposition']).toBe(
      `attachment; filename="${downloadName.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(downloadName)}`,
    );
    await stillServing();
  });
});
