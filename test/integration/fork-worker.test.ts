import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleIsFresh, forkSpawner, workerEntry } from '../../main/core/jobs/fork-worker';
import { REPO_ROOT } from '../helpers/serve';
import { tempDir } from '../helpers/tmp';

let cleanup = () => {};
afterEach(() => cleanup());

/** Blocks this thread, so the event loop cannot see the worker's pipe close. */
const blockFor = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe('forkSpawner', () => {
  // CI once failed on an uncaught EPIPE: a cancel was sent to a worker that
  // had just died, its `connected` still true because the event loop had not
  // yet read the pipe's end. Blocking the loop while the worker kills itself
  // reproduces that window every time.
  it('drops a message sent to a worker that died before the event loop saw it go', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const entry = join(t.dir, 'dies.cjs');
    writeFileSync(entry, "process.send('ready'); process.on('message', () => process.kill(process.pid, 'SIGKILL'));\n");
    const worker = forkSpawner({ entry })();
    await new Promise<void>((resolve) => worker.onMessage(() => resolve()));
    const exited = new Promise<number | null>((resolve) => worker.onExit((code) => resolve(code)));
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      worker.send({ type: 'pause' }); // the worker kills itself on any message
      blockFor(500);
      worker.send({ type: 'cancel' }); // `connected` is still true: this write meets a closed pipe
      await exited;
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });
});

describe('the worker entry', () => {
  it('is the built bundle only while it is at least as new as every source file it is built from', () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const bundle = join(t.dir, 'dist', 'worker.cjs');
    const main = join(t.dir, 'main');
    const nested = join(main, 'core', 'jobs');
    mkdirSync(nested, { recursive: true });
    mkdirSync(join(t.dir, 'dist'));
    const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);
    writeFileSync(join(main, 'worker.ts'), '');
    writeFileSync(join(nested, 'supervisor.ts'), '');
    at(join(main, 'worker.ts'), 1000);
    at(join(nested, 'supervisor.ts'), 1000);
    expect(bundleIsFresh(bundle, [main])).toBe(false); // not built
    writeFileSync(bundle, '');
    at(bundle, 2000);
    expect(bundleIsFresh(bundle, [main])).toBe(true);
    // An edit after the build, however deep: the sources run (through tsx) until the next build.
    at(join(nested, 'supervisor.ts'), 3000);
    expect(bundleIsFresh(bundle, [main])).toBe(false);
    at(bundle, 3000);
    expect(bundleIsFresh(bundle, [main])).toBe(true);
  });

  it('is this checkout’s bundle after `npm test` built it, and the sources otherwise', () => {
    const entry = workerEntry();
    const bundled = entry.entry === join(REPO_ROOT, 'dist', 'main', 'worker.cjs');
    expect(bundled || entry.entry === join(REPO_ROOT, 'main', 'worker.ts')).toBe(true);
    expect(bundled).toBe(
      bundleIsFresh(join(REPO_ROOT, 'dist', 'main', 'worker.cjs'), [join(REPO_ROOT, 'main'), join(REPO_ROOT, 'shared')]),
    );
  });
});
