import { join } from 'node:path';
import type { Dataset } from '../../../shared/datasets';
import { parseFile } from './formats';
import { createSnapshot } from './snapshots';
import { splitDataset } from './split';
import { fromParsed, type DatasetStore } from './store';

export const DEMO_DATASET = 'Demo: rule following';
const DEMO_FILE = join('demo', 'preferences.jsonl');

/**
 * A new workspace starts with something to explore: a few hundred preference
 * pairs whose chosen answers follow a checkable rule (see
 * scripts/make-demo-data.ts), split 90/10 and frozen as a snapshot, ready for
 * training.
 */
export async function seedDemoDataset(store: DatasetStore, assetsDir: string): Promise<Dataset | null> {
  if (store.findDatasetByName(DEMO_DATASET)) return null;
  const parsed = await parseFile(join(assetsDir, DEMO_FILE), { file: DEMO_FILE });
  const dataset = store.createDataset(
    DEMO_DATASET,
    'Short instructions with a rule a program can check (uppercase, word count, question mark, commas, opening word). The chosen answer follows the rule; the rejected one breaks it.',
  );
  store.insertRecords(
    dataset.id,
    null,
    parsed.records.map(fromParsed),
  );
  splitDataset(store.db, dataset.id, 0.1, 42);
  createSnapshot(store.db, dataset.id, 'demo v1', null);
  return store.getDataset(dataset.id);
}
