import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Dataset, Snapshot } from '../../../../shared/datasets';
import { useApi } from '../../api/context';
import { invalidateDataset } from '../../api/queries';
import { Button } from '../../components/Button';
import { formatCount } from '../../lib/format';
import { SplitFields } from '../datasets/SplitFields';

/** Records of a dataset that sit on neither side of a split. */
export function unsplitCount(d: Pick<Dataset, 'recordCount' | 'trainCount' | 'testCount'>): number {
  return Math.max(0, d.recordCount - d.trainCount - d.testCount);
}

/**
 * What a dataset still needs before a run can train on it: a frozen snapshot,
 * and a test split for held-out metrics. Null when it is ready.
 */
export function trainingNeeds(
  dataset: Pick<Dataset, 'recordCount' | 'trainCount' | 'testCount'>,
  snapshot: Pick<Snapshot, 'testCount'> | null,
): string | null {
  if (dataset.recordCount === 0) return 'Training needs records: import a file first.';
  if (!snapshot) {
    return dataset.testCount === 0
      ? 'Training needs a snapshot of the dataset, split into train and test (the test side gives held-out accuracy).'
      : 'Training needs a snapshot: runs train on a frozen copy of the records.';
  }
  if (snapshot.testCount === 0) return 'This snapshot has no test split, so a run on it reports no held-out accuracy.';
  return null;
}

/**
 * Offered in the launcher when the chosen dataset has no snapshot (or one
 * without a test split): split it by prompt hash (fraction and seed shown)
 * and freeze a snapshot, in place, then select it.
 */
export function PrepareSnapshot({
  dataset,
  snapshot,
  onReady,
}: {
  dataset: Dataset;
  snapshot: Snapshot | null;
  onReady: (snapshot: Snapshot) => void;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  // A dataset already split on every record keeps its split; otherwise it is split here.
  const keepSplit = dataset.testCount > 0 && unsplitCount(dataset) === 0;
  const [testFraction, setTestFraction] = useState('0.1');
  const [seed, setSeed] = useState('42');
  const prepare = useMutation({
    mutationFn: async () => {
      if (!keepSplit)
        await api.call('datasets.split', { datasetId: dataset.id, testFraction: Number(testFraction), seed: Number.parseInt(seed, 10) });
      return api.call('snapshots.create', { datasetId: dataset.id });
    },
    onSuccess: async (created) => {
      await Promise.all([invalidateDataset(queryClient, dataset.id), queryClient.invalidateQueries({ queryKey: ['snapshots', 'all'] })]);
      onReady(created);
    },
  });
  const need = trainingNeeds(dataset, snapshot);
  const fraction = Number(testFraction);
  const valid =
    keepSplit || (Number.isFinite(fraction) && fraction > 0 && fraction <= 0.9 && Number.isInteger(Number(seed)) && seed.trim() !== '');
  return (
    <div
      className="space-y-3 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
      data-testid="prepare-snapshot"
    >
      <p data-testid="prepare-snapshot-need">
        <span className="font-medium">{dataset.name}</span> ({formatCount(dataset.recordCount)} records, {formatCount(dataset.trainCount)}{' '}
        train / {formatCount(dataset.testCount)} test
        {unsplitCount(dataset) > 0 ? ` / ${formatCount(unsplitCount(dataset))} not split` : ''}): {need}
      </p>
      {keepSplit ? (
        <p className="text-xs">Its split is kept; the snapshot freezes it.</p>
      ) : (
        <div className="flex flex-wrap items-end gap-3">
          <SplitFields
            testFraction={testFraction}
            seed={seed}
            onTestFraction={setTestFraction}
            onSeed={setSeed}
            minFraction={0.05}
            testIdPrefix="prepare"
          />
          <p className="max-w-xs text-xs">
            By a seeded hash of the prompt: the same seed gives the same split, and no prompt sits on both sides.
          </p>
        </div>
      )}
      <Button variant="primary" onClick={() => prepare.mutate()} disabled={!valid || prepare.isPending} data-testid="prepare-run">
        {prepare.isPending ? 'Freezing…' : keepSplit ? 'Snapshot it here' : 'Split and snapshot here'}
      </Button>
    </div>
  );
}
