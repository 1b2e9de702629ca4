// An experiment's turn order (issue 19, main/core/experiments/turn.ts): the gate the job supervisor asks before it
// starts a queued job, on a real workspace database — a grid's run waits, queued, until every earlier cell's run and
// its planned evaluations have ended; a stopped earlier run keeps it waiting, saying so; a paused experiment holds all.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExperimentStore } from '../../../main/core/experiments/store';
import { experimentTurn } from '../../../main/core/experiments/turn';
import type { JobStore } from '../../../main/core/jobs/store';
import { RunStore } from '../../../main/core/runs/store';
import type { Job } from '../../../shared/jobs';
import { RunConfig } from '../../../shared/training';
import { tempDir } from '../../helpers/tmp';
import { onePairSnapshot, openStores, type WorkspaceStores } from '../../helpers/workspace';

let stores: WorkspaceStores | undefined;
let cleanup = () => {};
afterEach(() => {
  stores?.close();
  stores = undefined;
  cleanup();
});

/** A workspace with an experiment of three runs (cells 0, 1, 2), each with its queued train job, evaluated on "demo". */
function grid() {
  const t = tempDir();
  cleanup = t.cleanup;
  stores = openStores(join(t.dir, 'ws'));
  const snapshot = onePairSnapshot(stores);
  const jobs: JobStore = stores.jobs;
  const runs = new RunStore(stores.db, jobs);
  const experiments = new ExperimentStore(stores.db);
  const run = (seed: number) => {
    const id = runs.createRun({
      name: `seed ${seed}`,
      jobId: null,
      config: RunConfig.parse({ model: { kind: 'folder', path: '/m' }, seed, evalSuite: 'demo' }),
      modelId: null,
      modelName: 'm',
      snapshotId: snapshot.id,
      trainPairs: 1,
      testPairs: 1,
      totalSteps: 2,
      appVersion: 'test',
      dir: '',
      rerunOf: null,
    });
    const job = jobs.create({ kind: 'train', title: `train ${seed}`, lane: 'device', params: { runId: id, name: `seed ${seed}` } });
    runs.setRunJob(id, job.id);
    return { runId: id, jobId: job.id };
  };
  const cells = [run(1), run(2), run(3)];
  const experimentId = experiments.create(
    'e',
    {},
    cells.map((c, cell) => ({ cell, runId: c.runId, settings: { seed: cell + 1 } })),
  );
  const evalJob = (runId: number, suite: string): Job =>
    jobs.create({ kind: 'eval', title: 'eval', lane: 'device', params: { model: { runId, step: 0 }, suite: { name: suite, items: [] } } });
  const finish = (jobId: number) => {
    jobs.transition(jobId, 'running');
    jobs.transition(jobId, 'succeeded');
  };
  return { jobs, experiments, experimentId, cells, evalJob, finish, turn: experimentTurn(experiments) };
}

describe('experimentTurn', () => {
  it('lets the first unfinished cell go and keeps the later ones queued, waiting their turn, until its evaluations end', () => {
    const { jobs, experimentId, cells, evalJob, finish, turn } = grid();
    const [a, b, c] = cells as [(typeof cells)[0], (typeof cells)[0], (typeof cells)[0]];
    const waits = (jobId: number) => turn(jobs.get(jobId));
    expect(waits(a.jobId)).toBeNull();
    const behindA = `Waiting its turn in experiment #${experimentId}: it trains one run at a time, each followed by its evaluations, and run #${a.runId} (1 of 3) goes first.`;
    expect(waits(b.jobId)).toBe(behindA);
    expect(waits(c.jobId)).toBe(behindA);

    // The first run has trained; its planned evaluation (the run's own suite) is still to run: the next one waits for it.
    finish(a.jobId);
    const planned = evalJob(a.runId, 'demo');
    expect(waits(b.jobId)).toBe(behindA);
    // An evaluation started by hand on another suite is not the experiment's: it holds nothing up.
    evalJob(a.runId, 'mine');
    finish(planned.id);
    expect(waits(b.jobId)).toBeNull();
    expect(waits(c.jobId)).toContain(`run #${b.runId} (2 of 3) goes first`);
    // Evaluations are never held by the turn order (they queue behind their run on the device lane).
    expect(turn(evalJob(b.runId, 'demo'))).toBeNull();
  });

  it('says when an earlier run stopped mid-way holds the grid up, and holds every run of a paused experiment', () => {
    const { jobs, experiments, experimentId, cells, finish, turn } = grid();
    const [a, b, c] = cells as [(typeof cells)[0], (typeof cells)[0], (typeof cells)[0]];
    finish(a.jobId);
    jobs.transition(b.jobId, 'running');
    jobs.transition(b.jobId, 'paused', { error: { code: 'PAUSED', message: 'Paused at step 1 of 2.' } });
    expect(turn(jobs.get(c.jobId))).toBe(
      `Waiting its turn in experiment #${experimentId}, behind run #${b.runId} (2 of 3), which is paused: resume the experiment to continue.`,
    );
    // A failed or cancelled run ends its cell: the grid goes on past it.
    jobs.transition(b.jobId, 'cancelled', { error: { code: 'CANCELLED', message: 'Cancelled.' } });
    expect(turn(jobs.get(c.jobId))).toBeNull();

    experiments.setState(experimentId, 'paused');
    expect(turn(jobs.get(c.jobId))).toBe(`Held: experiment #${experimentId} is paused; resuming it continues the grid.`);
    // A cancelled experiment cancels its jobs itself; a train job outside any experiment is not the gate's.
    experiments.setState(experimentId, 'cancelled');
    expect(turn(jobs.get(c.jobId))).toBeNull();
    expect(turn(jobs.create({ kind: 'train', title: 'alone', lane: 'device', params: {} }))).toBeNull();
  });
});
