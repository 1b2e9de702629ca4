import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call } from '../../../main/core/client';
import { createStudio, type Studio } from '../../../main/core/studio';
import type { MethodName } from '../../../shared/contract';
import type { ApiClient } from '../../../renderer/src/api/client';
import { LabelSession } from '../../../renderer/src/pages/labeling/label-session';
import { tempDir } from '../../helpers/tmp';

let studio: Studio | undefined;
let cleanup = () => {};
afterEach(async () => {
  await studio?.close();
  studio = undefined;
  cleanup();
});

/** The renderer's API client over the real core (SQLite file, services); `failNext` makes the next call of a method fail as a transport would. */
function coreClient(s: Studio) {
  const failing = new Set<MethodName>();
  const client = {
    transport: 'http',
    call: (method: MethodName, args: unknown) => {
      if (failing.delete(method)) return Promise.reject(new Error('The studio did not answer.'));
      return call(s, method, args as never);
    },
    onEvent: () => () => {},
    fileToPath: () => Promise.reject(new Error('no files here')),
    downloadUrl: () => null,
  } as unknown as ApiClient;
  return { client, failNext: (method: MethodName) => failing.add(method) };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

async function demoSession() {
  const t = tempDir();
  cleanup = t.cleanup;
  studio = createStudio({ workspaceDir: join(t.dir, 'ws'), superviseJobs: false });
  await studio.seedDemo();
  const demo = (await call(studio, 'datasets.list', {}))[0]!;
  const queue = await call(studio, 'labeling.createQueue', { name: 'q', datasetId: demo.id, recheckShare: 0 });
  const me = await call(studio, 'labeling.createAnnotator', { name: 'sam' });
  const api = coreClient(studio);
  const session = new LabelSession(api.client, queue.id, me.id);
  await session.start();
  await until(() => session.get().ready);
  const stats = async () => (await call(studio!, 'labeling.stats', { queueId: queue.id })).annotators[0];
  return { session, api, stats };
}

describe('the labeler’s session (prefetch, writes, what counts as saved)', () => {
  it('shows the prefetched pair at the key press and counts the label only once the backend answered', async () => {
    const { session, stats } = await demoSession();
    const first = session.get().current!;
    session.act('label', 'left');
    // At once: the next pair, the write still out.
    const view = session.get();
    expect(view.current?.id).not.toBe(first.id);
    expect(view.current?.position).toBe(1);
    expect(view).toMatchObject({ pending: 1, acknowledged: 0, lastSaved: null });
    await until(() => session.get().pending === 0);
    expect(session.get()).toMatchObject({ acknowledged: 1, lastSaved: 'Saved: left better on pair 1' });
    expect(await stats()).toMatchObject({ labeled: 1 });
  });

  it('puts a pair whose write failed back on screen, says so, and saves nothing for it', async () => {
    const { session, api, stats } = await demoSession();
    const first = session.get().current!;
    api.failNext('labeling.record');
    session.act('label', 'right');
    await until(() => session.get().pending === 0);
    expect(session.get().current?.id).toBe(first.id);
    expect(session.get().acknowledged).toBe(0);
    expect(session.get().error).toBe('Pair 1 was not saved: The studio did not answer. It is back on screen.');
    expect(await stats()).toBeUndefined();
    // Labeling it again works, and clears the error.
    await until(() => session.get().ready);
    session.act('label', 'right');
    await until(() => session.get().pending === 0);
    expect(session.get().error).toBeNull();
    expect(await stats()).toMatchObject({ labeled: 1 });
  });

  it('undo reopens the last labeled pair after the writes before it', async () => {
    const { session, stats } = await demoSession();
    const first = session.get().current!;
    session.act('label', 'left');
    session.undo();
    await until(() => session.get().pending === 0);
    expect(session.get().current).toMatchObject({ id: first.id, reopened: true });
    expect(session.get().acknowledged).toBe(2);
    expect(await stats()).toMatchObject({ labeled: 0 });
  });
});
