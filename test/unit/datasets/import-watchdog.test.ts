// The import job's no-progress watchdog (issue 12, item 5): a read that never
// returns ends the wait with a clear error instead of leaving the job
// running forever; a cancel reaches it too; and time the event loop spends
// blocked by the import's own parsing is not taken for a stall.
import { describe, expect, it } from 'vitest';
import { Watchdog } from '../../../main/core/datasets/imports';

const never = () => new Promise<never>(() => {});

describe('the import watchdog', () => {
  it('fails a wait on a read that never returns', async () => {
    const watchdog = new Watchdog(50, (ms) => `stalled for ${ms} ms`);
    try {
      await expect(watchdog.race(never(), new AbortController().signal)).rejects.toThrow(/^stalled for \d+ ms$/);
    } finally {
      watchdog.stop();
    }
  });

  it('lets a cancel through to an import stuck in a read', async () => {
    const watchdog = new Watchdog(60_000, () => 'stalled');
    const controller = new AbortController();
    const waiting = watchdog.race(never(), controller.signal);
    controller.abort(new Error('cancelled by you'));
    try {
      await expect(waiting).rejects.toThrow('cancelled by you');
    } finally {
      watchdog.stop();
    }
  });

  it('does not count a loop blocked by synchronous parsing as a stall', async () => {
    const watchdog = new Watchdog(200, () => 'stalled');
    try {
      const parsed = new Promise<string>((resolve) =>
        setTimeout(() => {
          // A long synchronous parse, as of a big CSV read whole: no timer can run meanwhile.
          const until = Date.now() + 1500;
          while (Date.now() < until);
          // Rows come out a moment later, after the watchdog has looked again.
          setTimeout(() => resolve('rows'), 20);
        }, 0),
      );
      await expect(watchdog.race(parsed, new AbortController().signal)).resolves.toBe('rows');
    } finally {
      watchdog.stop();
    }
  });
});
