import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { METHOD_NAMES } from '../../shared/contract';
import type { Invite, Session } from '../../shared/invites';
import type { Annotator, LabelEvent, LabelItem, LabelQueue, LabelStats } from '../../shared/labeling';
import { callApi, rawRequest, REPO_ROOT, startServe, STUDIO_BIN, waitFor, type ServeHandle } from '../helpers/serve';
import { tempDir } from '../helpers/tmp';

/**
 * Team labeling invites (issue 18 item 12) against the real `studio serve`:
 * what an invite token may call, what it may not, and that the annotator is
 * the invite's, never the one a request names.
 */

let serve: ServeHandle;
let workspace: string;
let cleanup: () => void;
let queueA: LabelQueue;
let queueB: LabelQueue;
let alice: Annotator;
let bob: Annotator;
let invite: { invite: Invite; token: string; url: string };

const json = { 'content-type': 'application/json' };

/** A contract call as the owner; throws on a refusal. */
async function owner<T>(method: string, args: unknown = {}): Promise<T> {
  const res = await callApi(serve.port, serve.token, method, args);
  if (!res.json.ok) throw new Error(`${method}: ${JSON.stringify(res.json.error)}`);
  return res.json.value as T;
}

/** A contract call with a cookie, as the browser makes it after opening a link. */
async function withCookie(cookie: string, method: string, args: unknown = {}) {
  const res = await rawRequest(serve.port, `/api/${method}`, { method: 'POST', headers: { ...json, cookie }, body: JSON.stringify(args) });
  return { status: res.status, json: JSON.parse(res.body) as { ok: boolean; value?: unknown; error?: { code: string; message: string } } };
}

/** Opens an invite link as a browser would; the cookie it sets. */
async function openLink(token: string): Promise<{ status: number; cookie: string; body: string }> {
  const page = await rawRequest(serve.port, `/?invite=${token}`);
  const setCookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []);
  const mine = setCookie.find((c) => c.startsWith(`studio_invite_${serve.port}=`)) ?? '';
  return { status: page.status, cookie: mine.split(';')[0]!, body: page.body };
}

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  workspace = t.dir;
  serve = await startServe(t.dir);
  const demo = (await owner<{ id: number }[]>('datasets.list'))[0]!;
  queueA = await owner<LabelQueue>('labeling.createQueue', { name: 'team A', datasetId: demo.id });
  queueB = await owner<LabelQueue>('labeling.createQueue', { name: 'team B', datasetId: demo.id, order: 'random', seed: 3 });
  alice = await owner<Annotator>('labeling.createAnnotator', { name: 'alice' });
  bob = await owner<Annotator>('labeling.createAnnotator', { name: 'bob' });
  invite = await owner('invites.create', { annotatorId: alice.id, queueIds: [queueA.id] });
});
afterAll(async () => {
  await serve?.stop();
  cleanup?.();
});

describe('invites over HTTP (studio serve)', () => {
  it('makes a link to this server that lands on the queue, and keeps only a hash of the token', async () => {
    expect(invite.token).toMatch(/^inv_[A-Za-z0-9_-]{43}$/);
    expect(invite.url).toBe(`http://127.0.0.1:${serve.port}/?invite=${invite.token}#/labeling/${queueA.id}`);
    expect(invite.invite).toMatchObject({
      annotator: { id: alice.id, name: 'alice' },
      queueIds: [queueA.id],
      status: 'active',
      expiresAt: null,
    });
    const listed = await owner<Invite[]>('invites.list');
    expect(listed.map((i) => i.id)).toContain(invite.invite.id);
    expect(JSON.stringify(listed)).not.toContain(invite.token);
    for (const file of ['studio.db', 'studio.db-wal'].map((f) => join(workspace, f)).filter((f) => existsSync(f)))
      expect(readFileSync(file).includes(invite.token), file).toBe(false);
  });

  it('opening the link sets an HttpOnly SameSite=Strict cookie that makes the browser the invited annotator', async () => {
    const { status, cookie } = await openLink(invite.token);
    expect(status).not.toBe(401);
    expect(status).not.toBe(403);
    expect(cookie).toMatch(new RegExp(`^studio_invite_${serve.port}=inv_`));
    const page = await rawRequest(serve.port, `/?invite=${invite.token}`);
    const setCookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []).join('\n');
    expect(setCookie).toMatch(/studio_invite_\d+=inv_[^;]*; HttpOnly; SameSite=Strict/);
    // The owner's cookie is cleared: one role per browser.
    expect(setCookie).toMatch(new RegExp(`studio_token_${serve.port}=; .*Max-Age=0`));
    const who = await withCookie(cookie, 'session.whoami');
    expect(who.status).toBe(200);
    expect(who.json.value as Session).toEqual({ role: 'annotator', annotator: alice, queueIds: [queueA.id] });
    expect(await owner<Session>('session.whoami')).toEqual({ role: 'owner' });
  });

  it('allows the labeler for its queue, as its annotator: next, record, and lists cut to what it covers', async () => {
    const { cookie } = await openLink(invite.token);
    const next = await withCookie(cookie, 'labeling.next', { queueId: queueA.id });
    expect(next.status).toBe(200);
    const item = next.json.value as LabelItem;
    expect(item.queueId).toBe(queueA.id);
    const recorded = await withCookie(cookie, 'labeling.record', { queueId: queueA.id, action: 'label', itemId: item.id, choice: 'left' });
    expect(recorded.status).toBe(200);
    expect((recorded.json.value as { event: LabelEvent }).event).toMatchObject({ itemId: item.id, annotatorId: alice.id, action: 'label' });
    const draft = await withCookie(cookie, 'labeling.saveDraft', { queueId: queueA.id, itemId: item.id, rationale: 'clearer' });
    expect(draft.status).toBe(200);
    // Naming oneself is fine too.
    const own = await withCookie(cookie, 'labeling.next', { queueId: queueA.id, annotatorId: alice.id });
    expect(own.status).toBe(200);

    const queues = await withCookie(cookie, 'labeling.queues');
    expect((queues.json.value as LabelQueue[]).map((q) => q.id)).toEqual([queueA.id]);
    const annotators = await withCookie(cookie, 'labeling.annotators');
    expect(annotators.json.value).toEqual([alice]);

    // Scripts may send the invite token as a Bearer header instead of the cookie.
    const viaBearer = await callApi(serve.port, invite.token, 'session.whoami');
    expect(viaBearer.json.value).toMatchObject({ role: 'annotator', annotator: { id: alice.id } });

    const stats = await owner<LabelStats>('labeling.stats', { queueId: queueA.id });
    expect(stats.annotators.map((a) => [a.name, a.labeled])).toEqual([['alice', 1]]);
  });

  it('answers 403 naming why for every other method, page and route', async () => {
    const { cookie } = await openLink(invite.token);
    const allowed = new Set([
      'session.whoami',
      'labeling.next',
      'labeling.record',
      'labeling.saveDraft',
      'labeling.queues',
      'labeling.annotators',
    ]);
    const refused = METHOD_NAMES.filter((m) => !allowed.has(m));
    expect(refused).toEqual(
      expect.arrayContaining(['datasets.list', 'records.query', 'invites.create', 'labeling.stats', 'workspace.info']),
    );
    for (const method of refused) {
      const res = await withCookie(cookie, method, {});
      expect(res.status, method).toBe(403);
      expect(res.json.error, method).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining(method) as unknown });
      expect(res.json.error?.message, method).toContain('opens only the labeler');
    }
    // An owner method cannot be reached by wrapping it either.
    expect((await withCookie(cookie, 'invites.create', { annotatorId: bob.id, queueIds: [queueB.id] })).status).toBe(403);

    for (const path of ['/api/events', '/api/download/x.csv']) {
      const res = await rawRequest(serve.port, path, { headers: { cookie } });
      expect(res.status, path).toBe(403);
      expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    const upload = await rawRequest(serve.port, '/api/upload?name=a.jsonl', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/octet-stream' },
      body: '{}',
    });
    expect(upload.status).toBe(403);
    const page = await rawRequest(serve.port, '/datasets', { headers: { cookie } });
    expect(page.status).toBe(403);
    expect(page.body).toContain('opens only the labeler');
    expect((await rawRequest(serve.port, '/', { headers: { cookie } })).status).not.toBe(403);
  });

  it('refuses another queue, and an annotatorId that is not the invite’s (nothing is written for it)', async () => {
    const { cookie } = await openLink(invite.token);
    const other = await withCookie(cookie, 'labeling.next', { queueId: queueB.id });
    expect(other.status).toBe(403);
    expect(other.json.error?.message).toContain(`not #${queueB.id}`);
    const otherRecord = await withCookie(cookie, 'labeling.record', { queueId: queueB.id, action: 'skip', itemId: 1 });
    expect(otherRecord.status).toBe(403);
    // A pair of another queue, smuggled under the invite's queue, is refused by the labeling core.
    const itemOfB = (await owner<LabelItem>('labeling.next', { queueId: queueB.id, annotatorId: bob.id })).id;
    const smuggled = await withCookie(cookie, 'labeling.saveDraft', { queueId: queueA.id, itemId: itemOfB, rationale: 'x' });
    expect(smuggled.status).toBe(400);
    expect(smuggled.json.error?.message).toContain('is not in queue');

    const item = (await withCookie(cookie, 'labeling.next', { queueId: queueA.id })).json.value as LabelItem;
    const spoofed = await withCookie(cookie, 'labeling.record', {
      queueId: queueA.id,
      annotatorId: bob.id,
      action: 'label',
      itemId: item.id,
      choice: 'right',
    });
    expect(spoofed.status).toBe(403);
    expect(spoofed.json.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('labels as alice') as unknown });
    expect((await withCookie(cookie, 'labeling.next', { queueId: queueA.id, annotatorId: bob.id })).status).toBe(403);
    const stats = await owner<LabelStats>('labeling.stats', { queueId: queueA.id });
    expect(stats.annotators.map((a) => a.name)).not.toContain('bob');
  });

  it('refuses a revoked invite with 401 naming why, at once, on the API and the page', async () => {
    const made = await owner<{ invite: Invite; token: string }>('invites.create', {
      annotatorId: bob.id,
      queueIds: [queueA.id, queueB.id],
    });
    const { cookie } = await openLink(made.token);
    expect((await withCookie(cookie, 'labeling.next', { queueId: queueB.id })).status).toBe(200);
    const revoked = await owner<Invite>('invites.revoke', { id: made.invite.id });
    expect(revoked.status).toBe('revoked');
    const after = await withCookie(cookie, 'labeling.next', { queueId: queueB.id });
    expect(after.status).toBe(401);
    expect(after.json.error).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('was revoked') as unknown });
    const reopened = await openLink(made.token);
    expect(reopened.status).toBe(401);
    expect(reopened.body).toContain('was revoked');
    // The other invite is untouched.
    expect((await callApi(serve.port, invite.token, 'session.whoami')).status).toBe(200);
  });

  it('refuses an expired invite, and an unknown token', async () => {
    const made = await owner<{ invite: Invite; token: string }>('invites.create', {
      annotatorId: bob.id,
      queueIds: [queueB.id],
      expiresInHours: 1 / 3600,
    });
    expect(made.invite.expiresAt).toBe(made.invite.createdAt + 1000);
    const refused = await waitFor(
      async () => {
        const res = await callApi(serve.port, made.token, 'labeling.next', { queueId: queueB.id });
        return res.status === 401 ? res : undefined;
      },
      10_000,
      'the invite to expire',
    );
    expect(refused.json.error).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('expired at') as unknown });
    expect((await owner<Invite[]>('invites.list')).find((i) => i.id === made.invite.id)?.status).toBe('expired');

    const unknown = await callApi(serve.port, `inv_${'x'.repeat(43)}`, 'session.whoami');
    expect(unknown.status).toBe(401);
    expect(unknown.json.error?.message).toContain('not valid');
  });

  it('refuses invites for an unknown annotator or queue, naming which', async () => {
    const res = await callApi(serve.port, serve.token, 'invites.create', { annotatorId: alice.id, queueIds: [queueA.id, 999] });
    expect(res.status).toBe(404);
    expect(res.json.error?.message).toContain('#999');
    const nobody = await callApi(serve.port, serve.token, 'invites.create', { annotatorId: 999, queueIds: [queueA.id] });
    expect(nobody.json.error?.message).toContain('annotator #999');
  });

  it('studio label invite prints a link that works on the running server; invites lists it and revoke ends it', async () => {
    // Asynchronous, so this process keeps reading its sockets while the CLI runs (a blocked one reuses a closed keep-alive socket).
    const studio = (...args: string[]) =>
      new Promise<{ code: number; out: string; err: string }>((resolve) => {
        execFile(
          process.execPath,
          [STUDIO_BIN, 'label', ...args, '--workspace', workspace],
          { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
          (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
        );
      });
    const base = `http://127.0.0.1:${serve.port}`;
    const made = await studio('invite', queueB.name, '--annotator', 'carol', '--expires-hours', '48', '--url', base);
    expect(made.code, made.err).toBe(0);
    expect(made.err).toContain('New annotator profile "carol"');
    expect(made.err).toContain('shown only now');
    const url = made.out.trim().split('\n').at(-1)!;
    expect(url).toMatch(new RegExp(`^${base}/\\?invite=inv_[\\w-]{43}#/labeling/${queueB.id}$`));
    const token = new URL(url).searchParams.get('invite')!;
    const who = await callApi(serve.port, token, 'session.whoami');
    expect(who.json.value).toMatchObject({ role: 'annotator', annotator: { name: 'carol' }, queueIds: [queueB.id] });

    const listed = await studio('invites', '--json');
    expect(listed.code, listed.err).toBe(0);
    const carol = (JSON.parse(listed.out) as Invite[]).find((i) => i.annotator.name === 'carol')!;
    expect(carol).toMatchObject({ status: 'active', queueIds: [queueB.id] });
    expect(carol.expiresAt! - carol.createdAt).toBe(48 * 3_600_000);
    expect((await studio('invites')).out).toMatch(new RegExp(`${carol.id}\\s+carol\\s+#${queueB.id}\\s+active`));

    const revoked = await studio('revoke', String(carol.id));
    expect(revoked.code, revoked.err).toBe(0);
    expect((await callApi(serve.port, token, 'session.whoami')).status).toBe(401);
    const bad = await studio('invite', queueB.name, '--annotator', 'carol', '--expires-hours', 'soon');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--expires-hours must be a number of hours');
  });
});
