import type { DatasetStore } from '../main/core/datasets/store';
import type { Dataset } from '../shared/datasets';

/** The texts of one synthetic pair. */
export interface SyntheticPair {
  prompt: string;
  chosen: string;
  rejected: string;
}

/** Records written a transaction at a time: 20k keeps the fixture's memory small at 100k pairs. */
const BATCH = 20_000;

/**
 * A new dataset of `count` preference pairs (a user prompt, two assistant answers; `pair(i)` gives the i-th one's
 * texts) written straight through the workspace's store: the large workspace a suite then measures the studio on.
 */
export function insertSyntheticPairs(datasets: DatasetStore, name: string, count: number, pair: (i: number) => SyntheticPair): Dataset {
  const dataset = datasets.createDataset(name);
  for (let start = 0; start < count; start += BATCH) {
    datasets.insertRecords(
      dataset.id,
      null,
      Array.from({ length: Math.min(BATCH, count - start) }, (_, k) => {
        const { prompt, chosen, rejected } = pair(start + k);
        return {
          kind: 'preference' as const,
          prompt: [{ role: 'user', content: prompt }],
          chosen: [{ role: 'assistant', content: chosen }],
          rejected: [{ role: 'assistant', content: rejected }],
          responses: null,
          system: null,
        };
      }),
    );
  }
  return dataset;
}
