import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call } from '../../../main/core/client';
import { createStudio, type Studio } from '../../../main/core/studio';
import { tempDir } from '../../helpers/tmp';

let studio: Studio | undefined;
let cleanup = () => {};
afterEach(async () => {
  await studio?.close();
  studio = undefined;
  cleanup();
});

/** The labeler prefetches the pair after the one on screen with `labeling.next({exclude})`; it must be the pair `record` then answers. */
describe('labeling.next with exclude (the labeler’s prefetch)', () => {
  it('gives the pair record() will answer next, for labels, skips and after an undo', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    studio = createStudio({ workspaceDir: join(t.dir, 'ws'), superviseJobs: false });
    await studio.seedDemo();
    const s = studio;
    const demo = (await call(s, 'datasets.list', {}))[0]!;
    const queue = await call(s, 'labeling.createQueue', { name: 'prefetch', datasetId: demo.id, order: 'random', seed: 7 });
    const me = await call(s, 'labeling.createAnnotator', { name: 'pat' });
    const ids = { queueId: queue.id, annotatorId: me.id };

    let shown = (await call(s, 'labeling.next', ids))!;
    const actions = ['label', 'skip', 'label', 'label'] as const;
    for (const action of actions) {
      const prefetched = await call(s, 'labeling.next', { ...ids, exclude: [shown.id] });
      expect(prefetched?.id).not.toBe(shown.id);
      // Counted as if the pair on screen were labeled.
      expect(prefetched?.remaining).toBe(shown.remaining - 1);
      const { next } = await call(s, 'labeling.record', { ...ids, action, itemId: shown.id, choice: 'left' });
      expect(next?.id).toBe(prefetched?.id);
      shown = next!;
    }
    // Two pairs ahead: passing over the one on screen and the one being saved.
    const twoAhead = await call(s, 'labeling.next', { ...ids, exclude: [shown.id] });
    const { next: afterUndo } = await call(s, 'labeling.record', { ...ids, action: 'undo' });
    expect(afterUndo?.reopened).toBe(true);
    // The reopened pair itself, once passed over, gives way to the first open pair.
    const pastReopened = await call(s, 'labeling.next', { ...ids, exclude: [afterUndo!.id] });
    expect(pastReopened?.reopened).toBe(false);
    expect(pastReopened?.id).toBe(shown.id);
    expect(twoAhead?.id).not.toBe(shown.id);
  });
});
