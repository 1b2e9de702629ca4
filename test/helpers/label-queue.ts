import type { LabelStore } from '../../main/core/labeling/label-store';
import { mulberry32 } from './db';

/**
 * A pairs queue named `q<seed>` of `pairs` items ("Question i": "Good answer
 * i" against "Bad answer i") at positions shuffled by mulberry32(seed), so
 * the queue's order is not the items' id order — written through the store,
 * not the service. Returns the queue and the stream, so what a test draws
 * next comes from the same seed.
 */
export function shuffledPairsQueue(
  store: LabelStore,
  seed: number,
  pairs: number,
  overlap: number,
): { queueId: number; rand: () => number } {
  const queueId = store.insertQueue({
    name: `q${seed}`,
    kind: 'pairs',
    datasetId: null,
    snapshotId: null,
    guidelines: '',
    order: 'random',
    seed,
    overlap,
    skipped: 0,
    notes: [],
  });
  const rand = mulberry32(seed);
  const positions = Array.from({ length: pairs }, (_, i) => i).sort(() => rand() - 0.5);
  store.insertItems(
    queueId,
    positions.map((position, i) => ({
      recordId: null,
      prompt: JSON.stringify([{ role: 'user', content: `Question ${i}` }]),
      system: null,
      a: JSON.stringify([{ role: 'assistant', content: `Good answer ${i}` }]),
      b: JSON.stringify([{ role: 'assistant', content: `Bad answer ${i}` }]),
      contentHash: `${seed}-${i}`.padStart(64, '0'),
      position,
    })),
  );
  return { queueId, rand };
}
