import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../shared/jobs';
import { callApi, pidAlive, startServe, waitFor, type ServeHandle } from '../helpers/serve';
import { tempDir } from '../helpers/tmp';
import { openDatabase } from '../../main/core/db/open';
import { join } from 'node:path';

const servers: ServeHandle[] = [];
let cleanup = () => {};
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop('SIGKILL');
  cleanup();
});

async function getJob(s: ServeHandle, id: number): Promise<Job> {
  const res = await callApi(s.port, s.token, 'jobs.get', { id });
  if (!res.json.ok) throw new Error(JSON.stringify(res.json));
  return res.json.value as Job;
}

describe('durable jobs across UI reloads and process death', () => {
  it('keeps running while clients come and go, is marked interrupted when the studio is killed, and can be retried', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const first = await startServe(t.dir);
    servers.push(first);

    const started = await callApi(first.port, first.token, 'jobs.startSelfTest', { steps: 400, stepMs: 100 });
    const id = (started.json.value as Job).id;

    // A "UI reload" is a new client with no memory: it must find the job by asking the server.
    const seen = await waitFor(
      async () => {
        const job = await getJob(first, id);
        return job.progress > 0.01 ? job : undefined;
      },
      30_000,
      'progress',
    );
    expect(seen.status).toBe('running');
    const later = await waitFor(
      async () => {
        const job = await getJob(first, id);
        return job.progress > seen.progress ? job : undefined;
      },
      30_000,
      'more progress',
    );
    expect(later.status).toBe('running');

    const workerPid = await waitFor(
      () => {
        const db = openDatabase(join(t.dir, 'studio.db'), { readonly: true });
        try {
          return (db.prepare('SELECT worker_pid FROM jobs WHERE id = ?').pluck().get(id) as number | null) ?? undefined;
        } finally {
          db.close();
        }
      },
      10_000,
      'worker pid',
    );
    expect(pidAlive(workerPid)).toBe(true);

    // Power cut: kill -9 the studio. Its worker must not outlive it.
    await first.stop('SIGKILL');
    await waitFor(() => (pidAlive(workerPid) ? undefined : true), 10_000, 'the orphaned worker to exit');

    const second = await startServe(t.dir);
    servers.push(second);
    const after = await getJob(second, id);
    expect(after.status).toBe('interrupted');
    expect(after.error?.code).toBe('INTERRUPTED');
    expect(after.error?.message).toMatch(/stopped/);
    expect(after.progress).toBeGreaterThan(0);

    const logs = await callApi(second.port, second.token, 'jobs.logs', { id });
    expect((logs.json.value as { message: string }[]).some((l) => /Self-test started/.test(l.message))).toBe(true);

    const retried = await callApi(second.port, second.token, 'jobs.retry', { id });
    expect(retried.json).toMatchObject({ ok: true, value: { attempt: 2 } });
    // The retry runs (a fresh attempt) under the new process.
    await waitFor(async () => ((await getJob(second, id)).status === 'running' ? true : undefined), 30_000, 'the retry to run');
    const cancelled = await callApi(second.port, second.token, 'jobs.cancel', { id });
    expect(cancelled.json.ok).toBe(true);
    const final = await waitFor(
      async () => {
        const job = await getJob(second, id);
        return job.status === 'cancelled' ? job : undefined;
      },
      30_000,
      'cancel',
    );
    expect(final.error?.code).toBe('CANCELLED');
  });
});
