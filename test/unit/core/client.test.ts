import { describe, expect, it } from 'vitest';
import { contract, METHOD_NAMES } from '../../../shared/contract';
import type { Job } from '../../../shared/jobs';
import { StudioError } from '../../../shared/result';
import { call, jobSettled } from '../../../main/core/client';
import { EventHub } from '../../../main/core/events';
import { registerHandlers, type Handlers } from '../../../main/core/handlers';
import { jobFixture } from '../../helpers/job';

const job = (id: number, status: Job['status']): Job => jobFixture({ id, status });

/** A studio's door over a table of jobs, with its events. */
function door(jobs: Map<number, Job>) {
  const notUsed = () => {
    throw new Error('not used in this test');
  };
  const handlers = {
    ...(Object.fromEntries(METHOD_NAMES.map((m) => [m, notUsed])) as unknown as Handlers),
    'jobs.get': ({ id }) => {
      const found = jobs.get(id);
      if (!found) throw new StudioError('NOT_FOUND', `There is no job #${id}.`);
      return found;
    },
  } satisfies Handlers;
  return { dispatch: registerHandlers(contract, handlers), events: new EventHub() };
}

describe('call', () => {
  it('returns the value, or throws the StudioError the door answered, with its code', async () => {
    const studio = door(new Map([[1, job(1, 'queued')]]));
    expect(await call(studio, 'jobs.get', { id: 1 })).toMatchObject({ id: 1, status: 'queued' });
    await expect(call(studio, 'jobs.get', { id: 2 })).rejects.toMatchObject({
      name: 'StudioError',
      code: 'NOT_FOUND',
      message: 'There is no job #2.',
    });
    const refused = await call(studio, 'jobs.get', { id: 'two' } as never).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(StudioError);
    expect(refused).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/^Invalid arguments for jobs\.get: id:/) as unknown,
    });
  });
});

describe('jobSettled', () => {
  it('answers at once for a job that has ended, and after its event for one that has not', async () => {
    const jobs = new Map([
      [1, job(1, 'succeeded')],
      [2, job(2, 'running')],
    ]);
    const studio = door(jobs);
    expect((await jobSettled(studio, 1)).status).toBe('succeeded');

    const waiting = jobSettled(studio, 2);
    await new Promise((resolve) => setTimeout(resolve, 10));
    // A progress event is not the end; a paused job has ended (it resumes as a new attempt).
    studio.events.emit({ type: 'job.updated', job: job(2, 'running') });
    jobs.set(2, job(2, 'paused'));
    studio.events.emit({ type: 'job.updated', job: job(2, 'paused') });
    expect((await waiting).status).toBe('paused');
    expect(studio.events.size).toBe(0);
  });

  it('rejects with NOT_FOUND for a job that does not exist', async () => {
    const studio = door(new Map());
    await expect(jobSettled(studio, 9)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(studio.events.size).toBe(0);
  });
});
