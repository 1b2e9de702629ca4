/**
 * Serve mode's last line of defence: whatever a request's handling throws —
 * in a contract handler or in the transport around it — the client gets a 500
 * with a JSON error naming the method, and the server answers the next
 * request. (The real `studio serve` process is in serve.test.ts; here the
 * server runs in-process on a real workspace so a fault can be planted.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudio, type Studio } from '../../main/core/studio';
import { startServer, type RunningServer } from '../../main/server/http';
import { tempDir } from '../helpers/tmp';
import { withStores } from '../helpers/workspace';

const t = tempDir();
let studio: Studio;
let server: RunningServer;
let faultyDispatch = false;

beforeAll(async () => {
  studio = createStudio({ workspaceDir: t.dir, superviseJobs: false });
  const dispatch: Studio['dispatch'] = (method, args) => {
    if (faultyDispatch) throw new Error('the transport broke');
    return studio.dispatch(method, args);
  };
  server = await startServer({ studio: { ...studio, dispatch }, rendererDir: t.dir });
});
afterAll(async () => {
  await server?.close();
  await studio?.close();
  t.cleanup();
});

async function call(method: string, body = '{}') {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, json: (await res.json()) as { ok: boolean; error?: { code: string; message: string } } };
}

describe('an exception while handling a request', () => {
  it('thrown by a contract handler: 500, INTERNAL, naming the method; the next call works', async () => {
    // The fault, planted in the database beside the studio: a job row whose error the contract cannot accept, so jobs.get fails inside the core.
    const id = withStores(t.dir, ({ db, jobs }) => {
      const job = jobs.create({ kind: 'self-test', title: 'planted', lane: 'light', params: {} });
      db.prepare(`UPDATE jobs SET error = '{"code": 5}' WHERE id = ?`).run(job.id);
      return job.id;
    });
    const res = await call('jobs.get', JSON.stringify({ id }));
    withStores(t.dir, ({ db }) => db.prepare('DELETE FROM jobs WHERE id = ?').run(id));
    expect(res).toMatchObject({
      status: 500,
      json: {
        ok: false,
        error: { code: 'INTERNAL', message: expect.stringMatching(/^Internal error in jobs\.get: .*error\.code/) as unknown },
      },
    });
    expect((await call('settings.get')).status).toBe(200);
  });

  it('thrown by the transport around the handler: 500 naming the method, not a hung request or a dead server', async () => {
    faultyDispatch = true;
    try {
      const res = await call('jobs.list');
      expect(res).toEqual({
        status: 500,
        json: { ok: false, error: { code: 'INTERNAL', message: 'Internal error in jobs.list: the transport broke' } },
      });
    } finally {
      faultyDispatch = false;
    }
    expect((await call('jobs.list')).status).toBe(200);
  });
});
