import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import type { MetricSeries, Run } from '../../../shared/runs';
import { RunConfig } from '../../../shared/training';
import type { ApiClient } from '../../../renderer/src/api/client';
import { applyEvent, isOlderRun, runQueries } from '../../../renderer/src/api/queries';

function run(patch: Partial<Run> = {}): Run {
  return {
    id: 7,
    name: 'MMPO on demo v1',
    jobId: 3,
    attempt: 1,
    status: 'running',
    queueReason: null,
    error: null,
    config: RunConfig.parse({ model: { kind: 'folder', path: '/m' } }),
    modelId: 1,
    modelName: 'tiny',
    modelHash: null,
    snapshotId: 1,
    snapshotName: 'demo v1',
    snapshotHash: 'abc',
    datasetName: 'Demo',
    trainPairs: 10,
    testPairs: 2,
    totalSteps: 40,
    step: 2,
    progressMessage: null,
    backend: 'cpu',
    appVersion: '0.1.0',
    dir: '/runs/7',
    latest: { loss: 3 },
    createdAt: 0,
    startedAt: 0,
    finishedAt: null,
    rerunOf: null,
    ...patch,
  };
}

describe('applyEvent for runs', () => {
  it('appends metric events to a loaded series and moves the list and header values along', () => {
    const client = new QueryClient();
    client.setQueryData<MetricSeries>(['runs', 'metrics', 7], { loss: { steps: [1, 2], values: [4, 3] } });
    client.setQueryData<Run>(['runs', 'detail', 7], run());
    client.setQueryData<Run[]>(['runs', 'list'], [run(), run({ id: 8 })]);
    applyEvent(client, {
      type: 'run.metrics',
      runId: 7,
      points: [
        { step: 3, name: 'loss', value: 2.5 },
        { step: 3, name: 'rewards/chosen', value: -1 },
      ],
    });
    expect(client.getQueryData(['runs', 'metrics', 7])).toEqual({
      loss: { steps: [1, 2, 3], values: [4, 3, 2.5] },
      'rewards/chosen': { steps: [3], values: [-1] },
    });
    expect(client.getQueryData<Run>(['runs', 'detail', 7])).toMatchObject({ step: 3, latest: { loss: 2.5, 'rewards/chosen': -1 } });
    const [first, second] = client.getQueryData<Run[]>(['runs', 'list'])!;
    expect(first).toMatchObject({ step: 3, latest: { loss: 2.5 } });
    expect(second).toMatchObject({ id: 8, step: 2, latest: { loss: 3 } });
  });

  it('leaves a series that was never loaded alone (the first fetch brings everything)', () => {
    const client = new QueryClient();
    applyEvent(client, { type: 'run.metrics', runId: 7, points: [{ step: 1, name: 'loss', value: 1 }] });
    expect(client.getQueryData(['runs', 'metrics', 7])).toBeUndefined();
  });

  it('on run.updated stores the run and forgets values after its step (a resume replays them)', () => {
    const client = new QueryClient();
    client.setQueryData<MetricSeries>(['runs', 'metrics', 7], {
      loss: { steps: [1, 2, 3, 4], values: [4, 3, 2, 1] },
      'eval/loss': { steps: [4], values: [2] },
    });
    client.setQueryData<Run[]>(['runs', 'list'], []);
    applyEvent(client, { type: 'run.updated', run: run({ status: 'running', step: 2 }) });
    expect(client.getQueryData(['runs', 'metrics', 7])).toEqual({ loss: { steps: [1, 2], values: [4, 3] } });
    expect(client.getQueryData<Run>(['runs', 'detail', 7])?.step).toBe(2);
    expect(client.getQueryData<Run[]>(['runs', 'list'])!.map((r) => r.id)).toEqual([7]);
  });

  it('orders states of a run by attempt, then status, then step', () => {
    expect(isOlderRun(run({ attempt: 1, status: 'paused', step: 9 }), run({ attempt: 2, status: 'queued', step: 4 }))).toBe(true);
    expect(isOlderRun(run({ status: 'queued', step: 0 }), run({ status: 'running', step: 0 }))).toBe(true);
    expect(isOlderRun(run({ status: 'running', step: 3 }), run({ status: 'running', step: 5 }))).toBe(true);
    expect(isOlderRun(run({ status: 'running', step: 5 }), run({ status: 'succeeded', step: 5 }))).toBe(true);
    expect(isOlderRun(run({ status: 'succeeded', step: 5 }), run({ status: 'running', step: 9 }))).toBe(false);
  });

  it('keeps the newer run when a runs.get answer arrives after a run.updated event', async () => {
    const client = new QueryClient();
    const stale = run({ attempt: 2, status: 'running', step: 3 });
    let calls = 0;
    const api = { call: () => Promise.resolve((calls++, stale)) } as unknown as ApiClient;
    applyEvent(client, { type: 'run.updated', run: run({ attempt: 2, status: 'running', step: 5 }) });
    await client.fetchQuery(runQueries.detail(api, 7));
    expect(calls).toBe(1);
    expect(client.getQueryData<Run>(['runs', 'detail', 7])?.step).toBe(5);
    // A later attempt (a resume) replaces it even with fewer steps.
    const resumed = run({ attempt: 3, status: 'queued', step: 4 });
    await client.fetchQuery({ ...runQueries.detail({ call: () => Promise.resolve(resumed) } as unknown as ApiClient, 7), staleTime: 0 });
    expect(client.getQueryData<Run>(['runs', 'detail', 7])).toMatchObject({ attempt: 3, step: 4 });
  });
});
