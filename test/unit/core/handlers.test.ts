import { describe, expect, it } from 'vitest';
import { contract, METHOD_NAMES } from '../../../shared/contract';
import { StudioError } from '../../../shared/result';
import { registerHandlers, type Handlers } from '../../../main/core/handlers';
import { jobFixture } from '../../helpers/job';

const job = jobFixture();

function fakeHandlers(overrides: Partial<Handlers> = {}): Handlers {
  const fail = () => {
    throw new Error('not used in this test');
  };
  return {
    ...(Object.fromEntries(METHOD_NAMES.map((m) => [m, fail])) as unknown as Handlers),
    'settings.get': () => ({ theme: 'system' }),
    'settings.update': (p) => ({ theme: p.theme ?? 'system' }),
    'jobs.list': () => [],
    'jobs.get': ({ id }) => ({ ...job, id }),
    'jobs.logs': () => [],
    ...overrides,
  };
}

describe('registerHandlers', () => {
  it('answers {ok:true, value} for valid arguments, with defaults applied', async () => {
    let seen: unknown;
    const dispatch = registerHandlers(contract, fakeHandlers({ 'jobs.list': (args) => ((seen = args), []) }));
    expect(await dispatch('jobs.list', {})).toEqual({ ok: true, value: [] });
    expect(seen).toEqual({ limit: 100 });
    expect(await dispatch('jobs.get', { id: 3 })).toMatchObject({ ok: true, value: { id: 3 } });
  });

  it('rejects bad arguments with INVALID_ARGUMENT naming the field, without calling the handler', async () => {
    let called = false;
    const dispatch = registerHandlers(contract, fakeHandlers({ 'jobs.get': () => ((called = true), job) }));
    const res = await dispatch('jobs.get', { id: 'seven' });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.code).toBe('INVALID_ARGUMENT');
    expect(res.error.message).toMatch(/jobs\.get/);
    expect(res.error.message).toMatch(/id:/);
    expect(called).toBe(false);
    expect(await dispatch('jobs.list', { limit: 10_000 })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await dispatch('settings.update', { theme: 'neon' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it('rejects unknown methods, including prototype names', async () => {
    const dispatch = registerHandlers(contract, fakeHandlers());
    expect(await dispatch('jobs.delete', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(await dispatch('__proto__', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(await dispatch('toString', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
  });

  it('passes StudioError codes through and hides other exceptions behind INTERNAL', async () => {
    const errors: unknown[] = [];
    const dispatch = registerHandlers(
      contract,
      fakeHandlers({
        'jobs.get': ({ id }) => {
          throw new StudioError('NOT_FOUND', `There is no job #${id}.`, { id });
        },
        'jobs.list': () => {
          throw new TypeError('boom');
        },
      }),
      (err) => errors.push(err),
    );
    expect(await dispatch('jobs.get', { id: 9 })).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'There is no job #9.', details: { id: 9 } },
    });
    const internal = await dispatch('jobs.list', {});
    expect(internal).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(errors).toHaveLength(1);
  });

  it('refuses a handler result that breaks the contract', async () => {
    const dispatch = registerHandlers(contract, fakeHandlers({ 'jobs.get': () => ({ ...job, status: 'exploded' }) as never }), () => {});
    expect(await dispatch('jobs.get', { id: 1 })).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });
});
