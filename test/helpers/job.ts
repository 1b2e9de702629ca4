import type { Job } from '../../shared/jobs';

/** A queued self-test job as the contract answers one, with `overrides` over it: for tests of what carries jobs, not of jobs. */
export function jobFixture(overrides: Partial<Job> = {}): Job {
  return {
    id: 7,
    kind: 'self-test',
    title: 't',
    status: 'queued',
    lane: 'light',
    params: {},
    progress: 0,
    progressMessage: null,
    queueReason: null,
    result: null,
    error: null,
    createdAt: 1,
    startedAt: null,
    finishedAt: null,
    heartbeatAt: null,
    attempt: 1,
    ...overrides,
  };
}
