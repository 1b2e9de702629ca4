/**
 * "Build dataset from labels" (issue 18, item 14): a new dataset whose
 * records are the queue's decided pairs, split and frozen as a snapshot in the
 * same transaction, so the launcher can train on it at once and a failure
 * leaves nothing behind.
 */
import type { Dataset, Message, Snapshot } from '../../../shared/datasets';
import type { PairLabel } from '../../../shared/labeling';
import { StudioError } from '../../../shared/result';
import type { Db } from '../db/open';
import { createSnapshot } from '../datasets/snapshots';
import { splitDataset } from '../datasets/split';
import { DatasetStore, type NewRecord } from '../datasets/store';
import { LabelStore } from './label-store';
import { LabelReview } from './review';

export interface BuildArgs {
  queueId: number;
  datasetName: string;
  /** Keep tied pairs (as unlabeled pairs with their label in meta); left out by default. */
  includeTies?: boolean | undefined;
  /** Keep pairs labeled both bad (likewise); left out by default. */
  includeBothBad?: boolean | undefined;
  /** Standing labels a pair needs to count (an adjudicated pair always counts). */
  minVotes?: number | undefined;
  /** Share of prompts held out for evaluation, split by prompt hash. */
  testFraction?: number | undefined;
  /** The split's seed; the queue's seed by default. */
  seed?: number | undefined;
}

export interface BuildResult {
  dataset: Dataset;
  snapshot: Snapshot;
  /** Records in the new dataset. */
  records: number;
  excluded: { ties: number; bothBad: number; unlabeled: number; conflicts: number };
}

const DEFAULT_TEST_FRACTION = 0.1;

/**
 * Builds the dataset: a decisive label (a or b) makes a preference record
 * (the better response chosen); the decision is the adjudication where there
 * is one, else the label with the most votes; level votes are a conflict and
 * left out (counted), as are ties and both-bad pairs unless asked for, and
 * pairs with fewer than `minVotes` labels. Every record's meta says where it
 * came from: the queue, the pair hash, the votes, the annotators and the
 * adjudicator.
 */
export function buildDatasetFromLabels(db: Db, args: BuildArgs, onProgress?: (fraction: number, message: string) => void): BuildResult {
  const labels = new LabelStore(db);
  const datasets = new DatasetStore(db);
  const queue = labels.queueRow(args.queueId);
  const name = args.datasetName.trim();
  if (!name) throw new StudioError('INVALID_ARGUMENT', 'The new dataset needs a name.');
  if (datasets.findDatasetByName(name)) throw new StudioError('CONFLICT', `A dataset named "${name}" already exists.`, { name });
  const names = new Map(labels.listAnnotators().map((a) => [a.id, a.name]));
  const excluded = { ties: 0, bothBad: 0, unlabeled: 0, conflicts: 0 };
  const records: NewRecord[] = [];
  onProgress?.(0, 'Reading the labels');
  const decisions = new LabelReview(db).decisions(queue.id, args.minVotes ?? 1);
  for (const d of decisions) {
    if (d.status === 'unlabeled') excluded.unlabeled += 1;
    else if (d.status === 'conflict') excluded.conflicts += 1;
    else if (d.label === 'tie' && !args.includeTies) excluded.ties += 1;
    else if (d.label === 'both_bad' && !args.includeBothBad) excluded.bothBad += 1;
    else {
      const item = labels.item(d.itemId);
      const prompt = JSON.parse(item.prompt) as Message[];
      const a = JSON.parse(item.response_a) as Message[];
      const b = JSON.parse(item.response_b) as Message[];
      const label = d.label!;
      const decisive = label === 'a' || label === 'b';
      records.push({
        kind: decisive ? 'preference' : 'unlabeled-pair',
        prompt,
        chosen: decisive ? (label === 'a' ? a : b) : null,
        rejected: decisive ? (label === 'a' ? b : a) : null,
        responses: decisive ? null : [a, b],
        system: item.system,
        meta: {
          labels: {
            queue: { id: queue.id, name: queue.name },
            pair_hash: item.content_hash,
            item_id: item.id,
            source_record_id: item.record_id,
            label: label satisfies PairLabel,
            decision: d.status,
            votes: d.votes,
            annotators: d.labels.map((f) => ({ name: names.get(f.annotatorId) ?? `#${f.annotatorId}`, label: f.label })),
            ...(d.adjudication
              ? { adjudicator: d.adjudication.annotator, adjudication_note: d.adjudication.note, adjudicated_at: d.adjudication.created_at }
              : {}),
          },
        },
        source: { file: `label queue "${queue.name}"`, row: item.position + 1 },
      });
    }
  }
  if (records.length === 0)
    throw new StudioError(
      'INVALID_ARGUMENT',
      `No pair of queue "${queue.name}" has a label to build from: ${excluded.unlabeled} unlabeled, ${excluded.conflicts} unresolved conflicts, ${excluded.ties} ties, ${excluded.bothBad} both bad.`,
      { excluded },
    );
  const built = records.filter((r) => r.kind === 'preference').length;
  const description = `Built from label queue "${queue.name}": ${built} preference pairs from decisive labels (adjudication first, then majority vote)${
    records.length > built ? `, ${records.length - built} tie/both-bad pairs kept as unlabeled pairs` : ''
  }. Left out: ${excluded.conflicts} unresolved conflicts, ${excluded.unlabeled} unlabeled, ${excluded.ties} ties, ${excluded.bothBad} both bad.`;
  onProgress?.(0.3, `Writing ${records.length.toLocaleString('en')} records, their split and a snapshot`);
  // One transaction: the dataset, its records, its split and its snapshot appear together or not at all.
  return datasets.transaction(() => {
    const dataset = datasets.createDataset(name, description);
    datasets.insertRecords(dataset.id, null, records);
    splitDataset(db, dataset.id, args.testFraction ?? DEFAULT_TEST_FRACTION, args.seed ?? queue.seed);
    const snapshot = createSnapshot(db, dataset.id, 'from labels', null);
    return { dataset: datasets.getDataset(dataset.id), snapshot, records: records.length, excluded };
  }, 'immediate');
}
