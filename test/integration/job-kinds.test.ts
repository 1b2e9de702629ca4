/**
 * Job kinds typed end to end: one registry names each kind's parameters,
 * result, handler and worker entry; a worker validates its payload; a job
 * started inside a transaction launches only once it has committed.
 */
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { JobSupervisor } from '../../main/core/jobs/supervisor';
import { JobStore } from '../../main/core/jobs/store';
import { JOB_KINDS, resultOf, type JobResult } from '../../main/core/jobs/registry';
import { forkSpawner, sourceWorkerEntry } from '../../main/core/jobs/fork-worker';
import type { FromWorker, SpawnWorker } from '../../main/core/jobs/protocol';
import { EventHub } from '../../main/core/events';
import { DatasetStore } from '../../main/core/datasets/store';
import { RunStore } from '../../main/core/runs/store';
import { openWorkspace, type Workspace } from '../../main/core/workspace';
import type { Snapshot } from '../../shared/datasets';
import type { MethodValue } from '../../shared/contract';
import type { RunConfig } from '../../shared/training';
import { tempDir } from '../helpers/tmp';

let teardown: () => Promise<void> = async () => {};
afterEach(async () => {
  await teardown();
  teardown = async () => {};
});

/** A supervisor on a fresh workspace with real worker processes; `spawned` counts the workers it started. */
function supervise(): { jobs: JobSupervisor; store: JobStore; ws: Workspace; spawned: () => number } {
  const t = tempDir();
  const ws = openWorkspace(t.dir);
  const store = new JobStore(ws.db);
  const events = new EventHub();
  const fork = forkSpawner(sourceWorkerEntry());
  let spawned = 0;
  const spawnWorker: SpawnWorker = () => {
    spawned++;
    return fork();
  };
  const services = {
    datasets: new DatasetStore(ws.db),
    runs: new RunStore(ws.db, store),
    events,
    dbPath: ws.dbPath,
    artifactsDir: ws.artifactsDir,
  };
  const jobs = new JobSupervisor({ store, events, services, spawnWorker });
  teardown = async () => {
    await jobs.close();
    ws.close();
    t.cleanup();
  };
  return { jobs, store, ws, spawned: () => spawned };
}

describe('the job kind registry', () => {
  it('lists every kind under its own name, each with parameter and result schemas', () => {
    for (const [name, kind] of Object.entries(JOB_KINDS)) {
      expect(kind.kind).toBe(name);
      expect(typeof kind.params.safeParse).toBe('function');
      expect(typeof kind.result.safeParse).toBe('function');
    }
    // The kinds whose work runs in a worker process say so here, and nowhere else.
    const withWorker = Object.entries(JOB_KINDS).flatMap(([name, kind]) => ('worker' in kind ? [name] : []));
    expect(withWorker.sort()).toEqual([
      'compare-report',
      'dataset-dedupe',
      'dataset-snapshot',
      'eval',
      'label-build',
      'label-candidates',
      'label-export',
      'label-import',
      'label-uncertainty',
      'self-test',
      'snapshot-diff',
      'train',
      'trl-export',
      'trl-import',
    ]);
    // Only an import reads its file on the studio's side (streaming, with its watchdog); every other kind runs in a worker.
    expect(Object.keys(JOB_KINDS).filter((name) => !withWorker.includes(name))).toEqual(['dataset-import']);
  });

  it('types parameters and results by kind', async () => {
    const { jobs } = supervise();
    // @ts-expect-error -- a self-test's steps are a number
    expect(() => jobs.start('self-test', { steps: 'many', stepMs: 1 })).toThrow(/Invalid parameters for a self-test job/);
    // @ts-expect-error -- no such kind in the registry
    expect(() => jobs.start('no-such-kind', {})).toThrow(/Unknown job kind "no-such-kind"/);
    const done = await jobs.outcome(jobs.start('self-test', { steps: 2, stepMs: 1 }).id);
    const result = resultOf(done, 'self-test');
    expectTypeOf(result).toEqualTypeOf<{ steps: number; workerPid: number }>();
    expectTypeOf<JobResult<'dataset-snapshot'>>().toEqualTypeOf<Snapshot>();
    expect(result.steps).toBe(2);
    expect(result.workerPid).not.toBe(process.pid);
    expect(() => resultOf(done, 'dataset-dedupe')).toThrow(/is a self-test job, not dataset-dedupe/);
  });

  it("types the launcher's defaults as every run setting but the model", () => {
    expectTypeOf<MethodValue<'runs.defaults'>>().toEqualTypeOf<Omit<RunConfig, 'model'>>();
  });

  it('a failed job read as a result throws the error it ended with', async () => {
    const { jobs } = supervise();
    const failed = await jobs.outcome(jobs.start('self-test', { steps: 3, stepMs: 1, failAtStep: 2 }).id);
    expect(() => resultOf(failed, 'self-test')).toThrow('Self-test failed on purpose at step 2.');
  });
});

describe('a job started inside a transaction', () => {
  it('launches once the transaction has committed', async () => {
    const { jobs, store, ws, spawned } = supervise();
    const id = ws.db.transaction(() => {
      const job = jobs.start('self-test', { steps: 1, stepMs: 1 });
      // Nothing of the job runs while the caller's transaction is open: its handler could read rows not yet committed.
      expect(store.get(job.id).status).toBe('queued');
      return job.id;
    })();
    expect(spawned()).toBe(0);
    expect((await jobs.outcome(id)).status).toBe('succeeded');
    expect(spawned()).toBe(1);
  });

  it('never runs when the transaction rolls back', async () => {
    const { jobs, store, ws, spawned } = supervise();
    expect(() =>
      ws.db.transaction(() => {
        jobs.start('self-test', { steps: 1, stepMs: 1 });
        throw new Error('the run row could not be written');
      })(),
    ).toThrow('the run row could not be written');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.count()).toBe(0);
    expect(spawned()).toBe(0);
  });
});

describe('a worker process', () => {
  /** Sends one run message to a real worker and resolves with its last message. */
  async function runInWorker(kind: string, payload: unknown): Promise<FromWorker> {
    const worker = forkSpawner(sourceWorkerEntry())();
    const messages: FromWorker[] = [];
    worker.onMessage((m) => messages.push(m));
    const exited = new Promise<void>((resolve) => worker.onExit(() => resolve()));
    worker.send({ type: 'run', kind, payload });
    await exited;
    return messages.at(-1)!;
  }

  it("refuses a payload its kind's schema rejects, naming the kind", async () => {
    const last = await runInWorker('self-test', { steps: 'many', stepMs: 1 });
    expect(last).toMatchObject({
      type: 'error',
      error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^Invalid payload for a self-test worker/) as unknown },
    });
  });

  it('refuses a kind it has no entry for', async () => {
    const last = await runInWorker('dataset-import', {});
    expect(last).toMatchObject({
      type: 'error',
      error: { code: 'UNKNOWN_TASK', message: 'The worker has no entry for "dataset-import" jobs.' },
    });
  });
});
