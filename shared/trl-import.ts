import { z } from 'zod';
import type { RunImport } from './runs';

/**
 * `runs.importTrl` (issue 16, "Import back"): a TRL output folder — finished
 * or still being written by a cluster job — read into a run of this
 * workspace. Importing the same folder again updates the same run.
 */
export const TrlImportArgs = z.object({
  /** The TRL output folder (holding trainer_state.json and/or checkpoint-N/ folders), or the exported project holding it in output/. */
  dir: z.string().min(1),
  /**
   * The exported project (with data/manifest.json and config.json) when the output was written elsewhere
   * (`train.py --output_dir`); by default the output folder and its parent are searched.
   */
  project: z.string().min(1).optional(),
});
export type TrlImportArgs = z.input<typeof TrlImportArgs>;

/** Something the import left out, and why (a file, a log entry's key, a checkpoint). */
export const TrlImportSkip = z.object({ what: z.string(), reason: z.string() });
export type TrlImportSkip = z.infer<typeof TrlImportSkip>;

export const TrlImportResult = z.object({
  runId: z.number().int().positive(),
  /** False when the folder had been imported before (the same run was updated). */
  created: z.boolean(),
  /** The folder read (resolved; the run's sourceDir). */
  dir: z.string(),
  /** The trainer_state.json the log history was read from. */
  stateFile: z.string(),
  /** log_history entries read, and the metric values (name × step) this import added that the run did not have. */
  logEntries: z.number().int(),
  valuesAdded: z.number().int(),
  /** The last step with a training loss. */
  lastStep: z.number().int(),
  checkpoints: z.object({
    /** Steps of checkpoints new to the run (hashed by this import). */
    added: z.array(z.number().int()),
    /** Steps of checkpoints it had already (not hashed again). */
    known: z.array(z.number().int()),
    /** Steps the run had whose folders are gone (a cluster job's save_total_limit removes old ones). */
    removed: z.array(z.number().int()),
  }),
  snapshot: z.object({
    /** The content hash the export's manifest names; null without a manifest. */
    hash: z.string().nullable(),
    /** The workspace snapshot with that hash, if any. */
    id: z.number().int().nullable(),
    name: z.string().nullable(),
    /** In words: which snapshot, or why none. */
    message: z.string(),
  }),
  skipped: z.array(TrlImportSkip),
});
export type TrlImportResult = z.infer<typeof TrlImportResult>;

/**
 * Why a run imported from TRL cannot be re-run or exported again: the snapshot it trained on is not in this
 * workspace (only its content hash is known, or nothing without the export's manifest), so there are no records
 * to train on. Null for every other run. The run service refuses with this sentence; the run page shows it
 * beside the buttons it disables.
 */
export function missingSnapshotReason(run: { id: number; imported?: RunImport | undefined }): string | null {
  const imported = run.imported;
  if (!imported || imported.snapshotMatched) return null;
  return imported.snapshotHash
    ? `Run #${run.id} was imported from ${imported.sourceDir} on a snapshot this workspace lacks (content hash ${imported.snapshotHash}); import that snapshot and import the run again to match it, or pick a snapshot in the run launcher.`
    : `Run #${run.id} was imported from ${imported.sourceDir} without the export's data/manifest.json, so the snapshot it trained on is unknown; import the run again naming its exported project, or pick a snapshot in the run launcher.`;
}
