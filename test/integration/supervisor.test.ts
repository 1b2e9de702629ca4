import { afterEach, describe, expect, it } from 'vitest';
import { createStudio, type Studio } from '../../main/core/studio';
import type { StudioEvent } from '../../shared/events';
import { pidAlive, waitFor } from '../helpers/serve';
import { tempDir } from '../helpers/tmp';

let studio: Studio | undefined;
let cleanup = () => {};
afterEach(async () => {
  await studio?.close();
  studio = undefined;
  cleanup();
});

function open(): Studio {
  const t = tempDir();
  cleanup = t.cleanup;
  studio = createStudio({ workspaceDir: t.dir });
  return studio;
}

describe('job supervisor with real worker processes', () => {
  it('runs a self-test in a worker: progress, logs, result, events in order', async () => {
    const s = open();
    const events: StudioEvent[] = [];
    s.events.subscribe((e) => events.push(e));
    const job = s.jobs.start('self-test', { steps: 4, stepMs: 30 });
    const done = await s.jobs.settled(job.id);
    expect(done).toMatchObject({ status: 'succeeded', progress: 1, result: { steps: 4 } });
    expect((done.result as { workerPid: number }).workerPid).not.toBe(process.pid);
    const logs = s.jobStore.logs(job.id).map((l) => l.message);
    expect(logs[0]).toMatch(/Self-test started in worker process/);
    expect(logs.at(-1)).toBe('succeeded');
    const statuses = events.flatMap((e) => (e.type === 'job.updated' ? [e.job.status] : []));
    expect(statuses[0]).toBe('queued');
    expect(statuses.at(-1)).toBe('succeeded');
  });

  it('marks a job failed with the task\'s message when the task throws', async () => {
    const s = open();
    const job = s.jobs.start('self-test', { steps: 5, stepMs: 10, failAtStep: 2 });
    const done = await s.jobs.settled(job.id);
    expect(done.status).toBe('failed');
    expect(done.error?.message).toBe('Self-test failed on purpose at step 2.');
  });

  it('rejects bad parameters before creating a job', () => {
    const s = open();
    expect(() => s.jobs.start('self-test', { steps: 'many' })).toThrow(/Invalid parameters/);
    expect(() => s.jobs.start('no-such-kind', {})).toThrow(/Unknown job kind/);
    expect(s.jobStore.count()).toBe(0);
  });

  it('cancels a running job and stops its worker', async () => {
    const s = open();
    const job = s.jobs.start('self-test', { steps: 1000, stepMs: 50 });
    const pid = await waitFor(() => s.jobStore.list().find((j) => j.id === job.id && j.progress > 0) && (s.workspace.db.prepare('SELECT worker_pid FROM jobs WHERE id = ?').pluck().get(job.id) as number), 20_000, 'the worker to start');
    s.jobs.cancel(job.id);
    const done = await s.jobs.settled(job.id);
    expect(done.status).toBe('cancelled');
    await waitFor(() => (pidAlive(pid) ? undefined : true), 10_000, 'the worker to exit');
  });

  it('refuses to pause a job whose kind cannot checkpoint, or one that is not running', async () => {
    const s = open();
    const job = s.jobs.start('self-test', { steps: 1000, stepMs: 20 });
    await waitFor(() => (s.jobStore.get(job.id).status === 'running' ? true : undefined), 20_000, 'the job to run');
    expect(() => s.jobs.pause(job.id)).toThrow(/A self-test job cannot be paused; cancel it instead/);
    s.jobs.cancel(job.id);
    await s.jobs.settled(job.id);
    expect(() => s.jobs.pause(job.id)).toThrow(/is cancelled; only a running job can be paused/);
  });

  it('marks the job interrupted (not failed) when its worker is killed', async () => {
    const s = open();
    const job = s.jobs.start('self-test', { steps: 1000, stepMs: 50 });
    const pid = await waitFor(() => (s.workspace.db.prepare('SELECT worker_pid FROM jobs WHERE id = ?').pluck().get(job.id) as number | null) ?? undefined, 20_000, 'worker pid');
    await waitFor(() => (s.jobStore.get(job.id).progress > 0 ? true : undefined), 20_000, 'progress');
    process.kill(pid, 'SIGKILL');
    const done = await s.jobs.settled(job.id);
    expect(done.status).toBe('interrupted');
    expect(done.error).toMatchObject({ code: 'WORKER_CRASHED' });
    expect(done.error?.message).toMatch(/SIGKILL/);
  });

  it('queues jobs beyond a lane\'s limit and says why they wait', async () => {
    const s = open();
    const jobs = Array.from({ length: 6 }, () => s.jobs.start('self-test', { steps: 3, stepMs: 100 }));
    const waiting = s.jobStore.get(jobs[5]!.id);
    expect(waiting.status).toBe('queued');
    expect(waiting.queueReason).toMatch(/light lane runs 4 jobs at a time/);
    const finals = await Promise.all(jobs.map(async (j) => {
      await waitFor(() => (['succeeded', 'failed'].includes(s.jobStore.get(j.id).status) ? true : undefined), 60_000, `job ${j.id}`);
      return s.jobStore.get(j.id);
    }));
    expect(finals.every((j) => j.status === 'succeeded' && j.queueReason === null)).toBe(true);
  });
});

describe('the bundled worker (what the desktop app ships)', () => {
  it('runs the self-test from dist/main/worker.cjs without tsx', async () => {
    const { existsSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const { forkSpawner } = await import('../../main/core/jobs/fork-worker');
    const entry = fileURLToPath(new URL('../../dist/main/worker.cjs', import.meta.url));
    expect(existsSync(entry), 'run `npm run build` first (npm test does)').toBe(true);
    const t = tempDir();
    cleanup = t.cleanup;
    studio = createStudio({ workspaceDir: t.dir, spawnWorker: forkSpawner({ entry, execArgv: [] }) });
    const job = studio.jobs.start('self-test', { steps: 3, stepMs: 10 });
    expect(await studio.jobs.settled(job.id)).toMatchObject({ status: 'succeeded', result: { steps: 3 } });

    // The bundled worker trains too (tensor code and tokenizers load from node_modules, outside the bundle).
    await studio.seedDemo();
    const model = await studio.handlers['models.register']({ path: fileURLToPath(new URL('../fixtures/models/tiny-llama', import.meta.url)) });
    const [snapshot] = await studio.handlers['snapshots.list']({});
    const config = { maxSteps: 2, microBatchSize: 2, gradAccumulation: 1, maxLength: 64, maxPromptLength: 48, objective: { objective: 'sft' } };
    const run = await studio.handlers['runs.create']({ snapshotId: snapshot!.id, modelId: model.id, config });
    const done = await studio.jobs.settled(run.jobId);
    expect(done.error).toBeNull();
    expect(studio.runs.getRun(run.id)).toMatchObject({ status: 'succeeded', step: 2 });
  });
});
