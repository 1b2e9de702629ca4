import { afterEach, describe, expect, it } from 'vitest';
import { createStudio, type Studio } from '../../main/core/studio';
import { call, jobSettled } from '../../main/core/client';
import { DatasetStore } from '../../main/core/datasets/store';
import { EventHub } from '../../main/core/events';
import { forkSpawner, sourceWorkerEntry } from '../../main/core/jobs/fork-worker';
import { JobStore } from '../../main/core/jobs/store';
import { JobSupervisor } from '../../main/core/jobs/supervisor';
import { RunStore } from '../../main/core/runs/store';
import { openWorkspace } from '../../main/core/workspace';
import type { StudioEvent } from '../../shared/events';
import type { Job } from '../../shared/jobs';
import { pidAlive, waitFor } from '../helpers/serve';
import { tempDir } from '../helpers/tmp';
import { withStores } from '../helpers/workspace';

let studio: Studio | undefined;
let cleanup = () => {};
let workspaceDir = '';
afterEach(async () => {
  await studio?.close();
  studio = undefined;
  cleanup();
});

function open(): Studio {
  const t = tempDir();
  cleanup = t.cleanup;
  workspaceDir = t.dir;
  studio = createStudio({ workspaceDir });
  return studio;
}

/** The worker process a job runs in, from its row (no contract method reports it). */
const workerPid = (id: number) =>
  withStores(workspaceDir, ({ db }) => db.prepare('SELECT worker_pid FROM jobs WHERE id = ?').pluck().get(id) as number | null);

describe('job supervisor with real worker processes', () => {
  it('runs a self-test in a worker: progress, logs, result, events in order', async () => {
    const s = open();
    const events: StudioEvent[] = [];
    s.events.subscribe((e) => events.push(e));
    const job = await call(s, 'jobs.startSelfTest', { steps: 4, stepMs: 30 });
    const done = await jobSettled(s, job.id);
    expect(done).toMatchObject({ status: 'succeeded', progress: 1, result: { steps: 4 } });
    expect((done.result as { workerPid: number }).workerPid).not.toBe(process.pid);
    const logs = (await call(s, 'jobs.logs', { id: job.id })).map((l) => l.message);
    expect(logs[0]).toMatch(/Self-test started in worker process/);
    expect(logs.at(-1)).toBe('succeeded');
    const statuses = events.flatMap((e) => (e.type === 'job.updated' ? [e.job.status] : []));
    expect(statuses[0]).toBe('queued');
    expect(statuses.at(-1)).toBe('succeeded');
  });

  it("marks a job failed with the task's message when the task throws", async () => {
    const s = open();
    const job = await call(s, 'jobs.startSelfTest', { steps: 5, stepMs: 10, failAtStep: 2 });
    const done = await jobSettled(s, job.id);
    expect(done.status).toBe('failed');
    expect(done.error?.message).toBe('Self-test failed on purpose at step 2.');
  });

  it('rejects bad parameters before creating a job, and a job of a kind it does not know', async () => {
    const s = open();
    await expect(call(s, 'jobs.startSelfTest', { steps: 'many' } as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/steps/) as unknown,
    });
    expect(await call(s, 'jobs.list', {})).toEqual([]);
    // A job another studio version left (failed) cannot be retried here.
    const foreign = withStores(workspaceDir, ({ jobs }) => {
      const job = jobs.create({ kind: 'no-such-kind', title: 'from elsewhere', lane: 'light', params: {} });
      jobs.transition(job.id, 'running');
      return jobs.transition(job.id, 'failed', { error: { code: 'JOB_FAILED', message: 'x' } });
    });
    await expect(call(s, 'jobs.retry', { id: foreign.id })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/Unknown job kind "no-such-kind"/) as unknown,
    });
  });

  it('cancels a running job and stops its worker', async () => {
    const s = open();
    const job = await call(s, 'jobs.startSelfTest', { steps: 1000, stepMs: 50 });
    const pid = await waitFor(
      async () => ((await call(s, 'jobs.get', { id: job.id })).progress > 0 ? (workerPid(job.id) ?? undefined) : undefined),
      20_000,
      'the worker to start',
    );
    await call(s, 'jobs.cancel', { id: job.id });
    const done = await jobSettled(s, job.id);
    expect(done.status).toBe('cancelled');
    await waitFor(() => (pidAlive(pid) ? undefined : true), 10_000, 'the worker to exit');
  });

  it('marks the job interrupted (not failed) when its worker is killed', async () => {
    const s = open();
    const job = await call(s, 'jobs.startSelfTest', { steps: 1000, stepMs: 50 });
    const pid = await waitFor(() => workerPid(job.id) ?? undefined, 20_000, 'worker pid');
    await waitFor(async () => ((await call(s, 'jobs.get', { id: job.id })).progress > 0 ? true : undefined), 20_000, 'progress');
    process.kill(pid, 'SIGKILL');
    const done = await jobSettled(s, job.id);
    expect(done.status).toBe('interrupted');
    expect(done.error).toMatchObject({ code: 'WORKER_CRASHED' });
    expect(done.error?.message).toMatch(/SIGKILL/);
  });

  it("queues jobs beyond a lane's limit and says why they wait", async () => {
    const s = open();
    const jobs: Job[] = [];
    for (let i = 0; i < 6; i++) jobs.push(await call(s, 'jobs.startSelfTest', { steps: 3, stepMs: 100 }));
    const waiting = await call(s, 'jobs.get', { id: jobs[5]!.id });
    expect(waiting.status).toBe('queued');
    expect(waiting.queueReason).toMatch(/light lane runs 4 jobs at a time/);
    const finals = await Promise.all(jobs.map((j) => jobSettled(s, j.id)));
    expect(finals.every((j) => j.status === 'succeeded' && j.queueReason === null)).toBe(true);
  });
});

describe("a supervisor of the test's own over a workspace", () => {
  // Through the contract only runs can be paused (runs.pause); the supervisor's own refusals are checked here.
  it('refuses to pause a job whose kind cannot checkpoint, or one that is not running', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const workspace = openWorkspace(t.dir);
    const store = new JobStore(workspace.db);
    const events = new EventHub();
    const services = {
      datasets: new DatasetStore(workspace.db),
      runs: new RunStore(workspace.db, store),
      events,
      dbPath: workspace.dbPath,
      artifactsDir: workspace.artifactsDir,
    };
    const jobs = new JobSupervisor({ store, events, services, spawnWorker: forkSpawner(sourceWorkerEntry()) });
    try {
      const job = jobs.start('self-test', { steps: 1000, stepMs: 20 });
      await waitFor(() => (store.get(job.id).status === 'running' ? true : undefined), 20_000, 'the job to run');
      expect(() => jobs.pause(job.id)).toThrow(/A self-test job cannot be paused; cancel it instead/);
      jobs.cancel(job.id);
      await jobs.settled(job.id);
      expect(() => jobs.pause(job.id)).toThrow(/is cancelled; only a running job can be paused/);
    } finally {
      await jobs.close();
      workspace.close();
    }
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
    const job = await call(studio, 'jobs.startSelfTest', { steps: 3, stepMs: 10 });
    expect(await jobSettled(studio, job.id)).toMatchObject({ status: 'succeeded', result: { steps: 3 } });

    // The bundled worker trains too (tensor code and tokenizers load from node_modules, outside the bundle).
    await studio.seedDemo();
    const model = await call(studio, 'models.register', { path: fileURLToPath(new URL('../fixtures/models/tiny-llama', import.meta.url)) });
    const [snapshot] = await call(studio, 'snapshots.list', {});
    const config = {
      maxSteps: 2,
      microBatchSize: 2,
      gradAccumulation: 1,
      maxLength: 64,
      maxPromptLength: 48,
      objective: { objective: 'sft' },
    };
    const run = await call(studio, 'runs.create', { snapshotId: snapshot!.id, modelId: model.id, config });
    const done = await jobSettled(studio, run.jobId);
    expect(done.error).toBeNull();
    expect(await call(studio, 'runs.get', { id: run.id })).toMatchObject({ status: 'succeeded', step: 2 });
  });
});
