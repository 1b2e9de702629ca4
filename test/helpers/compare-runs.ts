// Two tiny demo runs (MMPO and DPO) evaluated at their starting model and their one checkpoint on a tiny suite
// (8 of the demo's multiple-choice questions and the demo snapshot's test pairs): what the Compare checkpoint
// tests (the report's integration test, the Checkpoints tab's e2e) need, in a minute instead of the demo
// suite's several. `api` is the contract, in-process (`call`) or over `studio serve`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_RUN_DEFAULTS } from '../../shared/demo';
import type { EvalParams } from '../../shared/evals';
import type { Job } from '../../shared/jobs';
import { PRESETS } from '../../shared/objectives';
import type { ModelEntry, Run } from '../../shared/runs';
import type { Snapshot } from '../../shared/datasets';
import { REPO_ROOT, waitFor } from './serve';

type Api = <T>(method: string, args: unknown) => Promise<T>;

export const TINY_SUITE = 'tiny';

/** The tiny suite's items; the task file is written into `dir`. */
export function tinySuite(dir: string, snapshotId: number): Exclude<EvalParams['suite'], string> {
  const taskPath = join(dir, 'mc-tiny.jsonl');
  const lines = readFileSync(join(REPO_ROOT, 'assets/demo/mc.jsonl'), 'utf8').trim().split('\n').slice(0, 8);
  writeFileSync(taskPath, lines.join('\n') + '\n');
  return {
    name: TINY_SUITE,
    items: [
      { kind: 'multiple-choice', taskPath },
      { kind: 'preference', snapshotId, split: 'test' },
    ],
  };
}

async function settled<T extends { status: string }>(what: string, get: () => Promise<T>, done: (x: T) => boolean): Promise<T> {
  return waitFor(
    async () => {
      const x = await get();
      if (x.status === 'failed' || x.status === 'cancelled') throw new Error(`${what} ${x.status}: ${JSON.stringify(x)}`);
      return done(x) ? x : undefined;
    },
    400_000,
    what,
  );
}

/**
 * Trains `names.length` runs of 4 steps (a checkpoint at 4), one per objective, without an automatic suite, then
 * evaluates step 0 and step 4 of each on the tiny suite. Resolves with the runs' ids once every evaluation ended.
 */
export async function tinyComparedRuns(api: Api, dir: string, runs: { name: string; objective: 'mmpo' | 'dpo' }[]): Promise<number[]> {
  const model = (await api<ModelEntry[]>('models.list', {})).find((m) => m.origin === 'demo')!;
  const snapshot = (await api<Snapshot[]>('snapshots.list', {}))[0]!;
  const suite = tinySuite(dir, snapshot.id);
  const ids: number[] = [];
  for (const r of runs) {
    const config = {
      ...DEMO_RUN_DEFAULTS,
      objective: PRESETS[r.objective],
      maxSteps: 4,
      evalEvery: 4,
      checkpointEvery: 4,
      checkpointEachEpoch: false,
      keepCheckpoints: 1,
      evalSuite: null,
    };
    ids.push((await api<Run>('runs.create', { name: r.name, modelId: model.id, snapshotId: snapshot.id, config })).id);
  }
  const jobs: Job[] = [];
  for (const id of ids) {
    await settled(
      `run #${id}`,
      () => api<Run>('runs.get', { id }),
      (run) => run.status === 'succeeded',
    );
    for (const step of [0, 4]) jobs.push(await api<Job>('evals.start', { model: { runId: id, step }, suite }));
  }
  for (const job of jobs)
    await settled(
      `eval job #${job.id}`,
      () => api<Job>('jobs.get', { id: job.id }),
      (j) => j.status === 'succeeded',
    );
  return ids;
}
