/**
 * `studio import-run DIR [--project DIR]`: a TRL output folder (finished, or
 * still written by a cluster job) imported as a run (issue 16, "Import back");
 * the same as the Runs page's "Import a TRL run…" (runs.importTrl). Run it
 * again on the same folder to pick up new log entries and checkpoints.
 */
import { resolve } from 'node:path';
import { call } from '../core/client';
import { CliError, type Command } from './commands';

export const importRunCommand: Command = {
  name: 'import-run',
  usage:
    'studio import-run DIR [--project DIR] [--workspace DIR] [--json]\n\n' +
    'DIR: the TRL output folder (trainer_state.json and/or checkpoint-N/ folders), or the exported project holding it in output/.\n' +
    'Its log_history becomes a run’s metrics under the studio’s names, its checkpoints (full safetensors or PEFT adapters) the\n' +
    'run’s checkpoints; the snapshot is matched by the content hash in the export’s data/manifest.json (searched in DIR’s parent,\n' +
    'or --project when train.py wrote elsewhere). Importing the same folder again updates the same run. Prints what it skipped.',
  summary: 'Import a TRL run’s output folder (log history and checkpoints) as a run; again to pick up a running job’s progress.',
  options: { project: { type: 'string' } },
  async run(ctx) {
    const dir = ctx.positionals[0];
    if (dir === undefined) throw new CliError('name the TRL output folder: studio import-run DIR');
    const project = typeof ctx.values.project === 'string' ? resolve(ctx.values.project) : undefined;
    const studio = ctx.openStudio(false);
    try {
      // Hashing checkpoints is a trl-import job in a worker process; this waits for it, showing its progress.
      const off = ctx.json
        ? () => {}
        : studio.events.subscribe((e) => {
            if (e.type === 'job.updated' && e.job.kind === 'trl-import' && e.job.status === 'running' && process.stderr.isTTY)
              process.stderr.write(`\r${Math.round(e.job.progress * 100)}% ${e.job.progressMessage ?? ''}   `);
          });
      let result;
      try {
        result = await call(studio, 'runs.importTrl', { dir: resolve(dir), ...(project ? { project } : {}) });
      } finally {
        off();
        if (process.stderr.isTTY && !ctx.json) process.stderr.write('\r\x1b[K');
      }
      if (ctx.json) {
        ctx.io.out(JSON.stringify(result));
        return 0;
      }
      const c = result.checkpoints;
      ctx.io.out(
        `${result.created ? 'Imported' : 'Updated'} run #${result.runId} from ${result.dir}: ${result.logEntries} log entries ` +
          `(${result.valuesAdded} new values, last step ${result.lastStep}), checkpoints ${c.added.length} new` +
          `${c.added.length ? ` (${c.added.join(', ')})` : ''}, ${c.known.length} already imported${c.removed.length ? `, ${c.removed.length} gone` : ''}.`,
      );
      ctx.io.out(result.snapshot.message);
      if (result.skipped.length > 0) {
        ctx.io.out(`Skipped (${result.skipped.length}):`);
        for (const s of result.skipped) ctx.io.out(`  ${s.what}: ${s.reason}`);
      }
      return 0;
    } finally {
      await studio.close();
    }
  },
};
