import type { Dataset } from '../../shared/datasets';
import { call, type StudioDoor } from '../../main/core/client';
import { createSnapshot } from '../../main/core/datasets/snapshots';
import { DatasetStore } from '../../main/core/datasets/store';
import { JobStore } from '../../main/core/jobs/store';
import { openWorkspace, type Workspace } from '../../main/core/workspace';

/**
 * The workspace's own stores on a connection of the test's own, for what no
 * contract method offers: fixtures of many records written at once, or the
 * rows a crash leaves behind. The studio under test is reached only through
 * its door (dispatch); this is the database it works on, opened beside it.
 */
export interface WorkspaceStores {
  readonly db: Workspace['db'];
  readonly datasets: DatasetStore;
  readonly jobs: JobStore;
  close(): void;
}

export function openStores(workspaceDir: string): WorkspaceStores {
  const workspace = openWorkspace(workspaceDir);
  return { db: workspace.db, datasets: new DatasetStore(workspace.db), jobs: new JobStore(workspace.db), close: () => workspace.close() };
}

/** Runs `use` with the workspace's stores and closes them after. */
export function withStores<T>(workspaceDir: string, use: (stores: WorkspaceStores) => T): T {
  const stores = openStores(workspaceDir);
  try {
    return use(stores);
  } finally {
    stores.close();
  }
}

/** One dataset as `datasets.list` reports it. */
export async function datasetById(studio: StudioDoor, id: number): Promise<Dataset> {
  const dataset = (await call(studio, 'datasets.list', {})).find((d) => d.id === id);
  if (!dataset) throw new Error(`There is no dataset #${id}.`);
  return dataset;
}

/** A snapshot `v1` of a dataset holding one preference pair: what a run needs to exist, for tests of runs and their metrics. */
export function onePairSnapshot(stores: WorkspaceStores): { id: number } {
  const dataset = stores.datasets.createDataset('d');
  stores.datasets.insertRecords(dataset.id, null, [
    {
      kind: 'preference',
      prompt: [{ role: 'user', content: 'p' }],
      chosen: [{ role: 'assistant', content: 'c' }],
      rejected: [{ role: 'assistant', content: 'r' }],
      responses: null,
      system: null,
    },
  ]);
  return createSnapshot(stores.db, dataset.id, 'v1', null);
}
