import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openWorkspace, type Workspace } from '../../../main/core/workspace';
import { DatasetStore } from '../../../main/core/datasets/store';
import { DEMO_DATASET, demoSplitNote, seedDemoDataset } from '../../../main/core/datasets/demo';
import { listSnapshots } from '../../../main/core/datasets/snapshots';
import { tempDir } from '../../helpers/tmp';

const ASSETS = fileURLToPath(new URL('../../../assets', import.meta.url));

let ws: Workspace | undefined;
let cleanup = () => {};
afterEach(() => {
  ws?.close();
  ws = undefined;
  cleanup();
});

describe('the demo dataset', () => {
  it('describes the split it really holds (a prompt-hash split is only near 90/10)', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    ws = openWorkspace(t.dir);
    const store = new DatasetStore(ws.db);
    const demo = await seedDemoDataset(store, ASSETS);
    expect(demo?.name).toBe(DEMO_DATASET);
    expect(demo!.trainCount + demo!.testCount).toBe(demo!.recordCount);
    expect(demo!.testCount).toBeGreaterThan(0);
    expect(demo!.description).toContain(`${demo!.trainCount} train / ${demo!.testCount} test`);
    expect(demo!.description).not.toMatch(/90\s*\/\s*10/);
    // The frozen snapshot holds the same split the description states.
    const [snapshot] = listSnapshots(ws.db, demo!.id);
    expect([snapshot?.trainCount, snapshot?.testCount]).toEqual([demo!.trainCount, demo!.testCount]);
  });

  it('rounds the held-out share of the counts', () => {
    expect(demoSplitNote({ train: 334, test: 66 })).toBe('Split by prompt hash (seed 42): 334 train / 66 test (17% held out).');
    expect(demoSplitNote({ train: 0, test: 0 })).toContain('(0% held out)');
  });
});
