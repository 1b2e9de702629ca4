import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { forkSpawner } from '../../main/core/jobs/fork-worker';
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
