import { createHash } from 'node:crypto';
import { FLAG_BITS } from '../../../shared/datasets';
import type { Db } from '../db/open';

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
  const rows = db.prepare<[number], { id: number; prompt_hash: string }>('SELECT id, prompt_hash FROM records WHERE dataset_id = ?').all(datasetId);
  const update = db.prepare('UPDATE records SET split = ? WHERE id = ?');
  const counts = { train: 0, test: 0 };
  db.transaction(() => {
    for (const row of rows) {
      const side = splitOf(row.prompt_hash, seed, testFraction);
      counts[side]++;
      update.run(side, row.id);
    }
    refreshOverlapFlags(db, datasetId);
  })();
  return counts;
}

/** Flags records whose prompt appears on both sides of the split (possible after edits or hand-made splits). */
export function refreshOverlapFlags(db: Db, datasetId: number): number {
  const bit = FLAG_BITS.overlap;
  db.prepare(`UPDATE records SET flags = flags & ~? WHERE dataset_id = ? AND (flags & ?) != 0`).run(bit, datasetId, bit);
  return db
    .prepare(
      `UPDATE records SET flags = flags | ? WHERE dataset_id = ? AND prompt_hash IN (
         SELECT prompt_hash FROM records WHERE dataset_id = ? AND split IS NOT NULL
         GROUP BY prompt_hash HAVING count(DISTINCT split) > 1)`,
    )
    .run(bit, datasetId, datasetId).changes;
}
