/**
 * Suites: named, versioned lists of evaluation items. Resolving a suite reads
 * each item's data (a snapshot split, a multiple-choice task file, a text set)
 * and pins its content hash, so a cached result is only reused for the same
 * data. The demo workspace's default suite is "demo" v3.
 */
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GenerationSampling, type EvalProblem, type Suite, type SuiteItem } from '../../../shared/evals';
import { StudioError } from '../../../shared/result';
import { DEMO_DATASET } from '../datasets/demo';
import { getSnapshot, listSnapshots } from '../datasets/snapshots';
import type { DatasetStore } from '../datasets/store';
import { loadMcTask, loadTextSet, type McItem, type TaskProblem, type TextDocument } from './task-files';
import type { ResolvedWinRate } from './win-rate-item';
import { sha256Json } from './hash';

export const DEMO_SUITE = 'demo';

/** The repository's (or the app's) assets folder. */
export const defaultAssetsDir = (): string => fileURLToPath(new URL('../../../assets', import.meta.url));

/** The built-in suites of a workspace (the demo one needs the demo dataset's snapshot). */
export function builtinSuites(datasets: DatasetStore, assetsDir: string = defaultAssetsDir()): Suite[] {
  const demo = datasets.findDatasetByName(DEMO_DATASET);
  const snapshot = demo ? listSnapshots(datasets.db, demo.id)[0] : undefined;
  if (!snapshot) return [];
  return [
    {
      name: DEMO_SUITE,
      // v3: the regenerated demo (1000 distinct prompts, a quarter held out) and its re-pre-trained model (issue 19).
      version: 3,
      description:
        "Preference accuracy on the demo snapshot's test split, the demo multiple-choice task (assets/demo/mc.jsonl), perplexity on assets/demo/general.jsonl, and the win rate against the base model on the test split's prompts, judged by the demo's rule checker (a run checkpoint against its starting model; a registered model skips it).",
      items: [
        { kind: 'preference', snapshotId: snapshot.id, split: 'test' },
        { kind: 'multiple-choice', taskPath: join(assetsDir, 'demo', 'mc.jsonl') },
        { kind: 'perplexity', textPath: join(assetsDir, 'demo', 'general.jsonl') },
        {
          kind: 'win-rate',
          prompts: { snapshotId: snapshot.id, split: 'test' },
          judge: { kind: 'rules' },
          // Demo answers are a few words: 24 new tokens hold every one and keep the item to seconds.
          sampling: { ...GenerationSampling.parse({}), maxTokens: 24 },
        },
      ],
    },
  ];
}

export function findSuite(datasets: DatasetStore, name: string, assetsDir?: string): Suite {
  const suites = builtinSuites(datasets, assetsDir);
  const suite = suites.find((s) => s.name === name);
  if (!suite) {
    const known = suites.map((s) => `"${s.name}"`).join(', ');
    throw new StudioError('NOT_FOUND', `There is no suite "${name}"${known ? ` (known: ${known})` : ' (this workspace has no suites)'}.`);
  }
  return suite;
}

/** An item with its data read and its content hash pinned: what the eval job scores (or finds in the cache). */
export type ResolvedItem =
  | ({ label: string; dataHash: string; problems: EvalProblem[] } & (
      | { kind: 'preference'; snapshotId: number; split: 'test' | 'train' }
      | { kind: 'multiple-choice'; items: McItem[]; targetDelimiter: string }
      | { kind: 'perplexity'; documents: TextDocument[] }
    ))
  | ResolvedWinRate;

export { sha256Json };

const toProblem = (p: TaskProblem): EvalProblem => ({
  ...(p.line !== undefined ? { line: p.line } : {}),
  ...(p.row !== undefined ? { row: p.row } : {}),
  severity: p.severity,
  code: p.code,
  reason: p.reason,
});

/** Reads an item's data and hashes it; a file that cannot be read at all is a StudioError naming it. */
export async function resolveItem(item: SuiteItem, datasets: DatasetStore): Promise<ResolvedItem> {
  switch (item.kind) {
    case 'preference': {
      const snapshot = getSnapshot(datasets.db, item.snapshotId);
      const count = item.split === 'test' ? snapshot.testCount : snapshot.trainCount;
      if (count === 0) throw new StudioError('INVALID_ARGUMENT', `Snapshot "${snapshot.name}" has no ${item.split} records to evaluate.`);
      const dataset = datasets.getDataset(snapshot.datasetId);
      return {
        kind: 'preference',
        label: `${dataset.name} / ${snapshot.name} (${item.split})`,
        dataHash: sha256Json({ kind: 'preference', v: 1, snapshot: snapshot.contentHash, split: item.split }),
        problems: [],
        snapshotId: snapshot.id,
        split: item.split,
      };
    }
    case 'multiple-choice': {
      const path = resolve(item.taskPath);
      const task = await loadMcTask(path);
      return {
        kind: 'multiple-choice',
        label: basename(path),
        dataHash: task.hash,
        problems: task.problems.map(toProblem),
        items: task.items,
        targetDelimiter: task.targetDelimiter,
      };
    }
    case 'win-rate':
      // Its baseline and hashes depend on the model evaluated: the eval job resolves it (win-rate-item.ts).
      throw new StudioError('INVALID_ARGUMENT', 'A win-rate item is resolved for the model it evaluates (resolveWinRate).');
    case 'perplexity': {
      const path = resolve(item.textPath);
      const set = await loadTextSet(path);
      return {
        kind: 'perplexity',
        label: basename(path),
        dataHash: set.hash,
        problems: set.problems.map(toProblem),
        documents: set.documents,
      };
    }
  }
}
