import { createHash } from 'node:crypto';
import type { Db } from '../db/open';
import { DatasetStore } from './store';

/**
 * Where a prompt falls, from its hash and the seed alone: the same prompt
 * always lands on the same side (so a prompt never sits in both train and
 * test), and the same seed always gives the same split.
 */
export function splitOf(promptHash: string, seed: number, testFraction: number): 'train' | 'test' {
  const digest = createHash('sha256').update(`${seed}:${promptHash}`).digest();
  const unit = digest.readUInt32BE(0) / 2 ** 32;
  return unit < testFraction ? 'test' : 'train';
}

/** Assigns every record of a dataset to train or test by prompt hash, then refreshes overlap flags. */
export function splitDataset(db: Db, datasetId: number, testFraction: number, seed: number): { train: number; test: number } {
  const store = new DatasetStore(db);
  const rows = store.promptHashes(datasetId);
  const counts = { train: 0, test: 0 };
  store.transaction(() => {
    for (const row of rows) {
      const side = splitOf(row.prompt_hash, seed, testFraction);
      counts[side]++;
      store.setSplit(row.id, side);
    }
    store.refreshOverlapFlags(datasetId);
  });
  return counts;
}

/** Flags records whose prompt appears on both sides of the split (possible after edits or hand-made splits). */
export function refreshOverlapFlags(db: Db, datasetId: number): number {
  return new DatasetStore(db).refreshOverlapFlags(datasetId);
}
