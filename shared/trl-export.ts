import { z } from 'zod';
import { RunLaunch } from './runs';

/**
 * `runs.exportTrl` (issue 16): a run — or a run.json never started — as a
 * self-contained TRL + Accelerate project in a folder.
 */
export const TrlExportArgs = z
  .object({
    /** The run to export … */
    id: z.number().int().positive().optional(),
    /** … or the launcher's payload of a run not started (what `studio export-job --config run.json` resolves). */
    config: RunLaunch.optional(),
    /** The folder to write (it must not exist or be empty); defaults to a new folder in the workspace's artifacts/exports. */
    out: z.string().min(1).optional(),
    /** A Hugging Face id or a path on the cluster to load the model from, instead of the run's local folder. */
    modelName: z.string().min(1).optional(),
  })
  .refine((a) => (a.id === undefined) !== (a.config === undefined), { message: 'give exactly one of id or config' });

export const TrlUnsupported = z.object({ setting: z.string(), reason: z.string() });

export const TrlExportResult = z.object({
  path: z.string(),
  /** The project's files, relative to `path`. */
  files: z.array(z.string()),
  /** Every setting TRL cannot express, with why (also in the export's README). */
  unsupported: z.array(TrlUnsupported),
});
export type TrlExportResult = z.infer<typeof TrlExportResult>;
