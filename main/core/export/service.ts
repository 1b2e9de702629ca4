/**
 * `runs.exportTrl`: a run, or the launcher's payload of a run not started,
 * written as a TRL + Accelerate project (trl-export.ts) by a `trl-export` job
 * in a worker process; the handler checks what it can at once (the model can
 * be named, the folder is free) so those refusals come back in one sentence
 * without a job.
 */
import { join } from 'node:path';
import type { Handlers } from '../handlers';
import { StudioError } from '../../../shared/result';
import { RunConfig } from '../../../shared/training';
import { missingSnapshotReason } from '../../../shared/trl-import';
import { getSnapshot } from '../datasets/snapshots';
import type { JobSupervisor } from '../jobs/supervisor';
import { resultOf } from '../jobs/registry';
import type { RunStore } from '../runs/store';
import { assertFreeFolder, modelNameOrPath, type TrlExportSource } from './trl-export';

export interface ExportDeps {
  runs: RunStore;
  jobs: JobSupervisor;
  assetsDir: string;
  exportsDir: string;
}

export function exportHandlers(deps: ExportDeps): Pick<Handlers, 'runs.exportTrl'> {
  const { runs } = deps;
  return {
    'runs.exportTrl': async ({ id, config: launch, out, modelName }) => {
      let source: Omit<TrlExportSource, 'snapshot'> & { snapshotId: number };
      if (id !== undefined) {
        const run = runs.getRun(id);
        const noSnapshot = missingSnapshotReason(run);
        if (noSnapshot) throw new StudioError('CONFLICT', noSnapshot);
        source = { runId: id, name: run.name, config: run.config, snapshotId: run.snapshotId };
      } else {
        const model = runs.getModel(launch!.modelId);
        const snapshot = getSnapshot(runs.db, launch!.snapshotId);
        const parsed = RunConfig.safeParse({ ...launch!.config, model: { kind: 'folder', path: model.path } });
        if (!parsed.success)
          throw new StudioError(
            'INVALID_ARGUMENT',
            `The run's config is not valid: ${parsed.error.issues.map((i) => `config.${i.path.join('.')}: ${i.message}`).join('; ')}.`,
          );
        const config = parsed.data;
        const name = launch!.name?.trim() || `${config.objective.objective.toUpperCase()} on ${snapshot.name} (${model.name})`;
        source = { runId: null, name, config, snapshotId: snapshot.id };
      }
      modelNameOrPath({ ...source, ...(modelName ? { modelName } : {}) });
      const target =
        out ?? join(deps.exportsDir, `trl-${id !== undefined ? `run-${id}` : 'launch'}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
      assertFreeFolder(target);
      const job = await deps.jobs.outcome(
        deps.jobs.start('trl-export', { ...source, ...(modelName ? { modelName } : {}), out: target, assetsDir: deps.assetsDir }).id,
      );
      return resultOf(job, 'trl-export');
    },
  };
}
