/**
 * `runs.exportTrl`: a run, or the launcher's payload of a run not started,
 * written as a TRL + Accelerate project (trl-export.ts).
 */
import { join } from 'node:path';
import type { Handlers } from '../handlers';
import { StudioError } from '../../../shared/result';
import { RunConfig } from '../../../shared/training';
import { getSnapshot } from '../datasets/snapshots';
import type { RunStore } from '../runs/store';
import { writeTrlExport, type TrlExportSource } from './trl-export';

export function exportHandlers(deps: { runs: RunStore; assetsDir: string; exportsDir: string }): Pick<Handlers, 'runs.exportTrl'> {
  const { runs } = deps;
  return {
    'runs.exportTrl': ({ id, config: launch, out, modelName }) => {
      let source: TrlExportSource;
      if (id !== undefined) {
        const run = runs.getRun(id);
        source = { runId: id, name: run.name, config: run.config, snapshot: getSnapshot(runs.db, run.snapshotId) };
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
        source = { runId: null, name, config, snapshot };
      }
      const target =
        out ?? join(deps.exportsDir, `trl-${id !== undefined ? `run-${id}` : 'launch'}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
      return writeTrlExport(runs.db, deps.assetsDir, { ...source, ...(modelName ? { modelName } : {}) }, target);
    },
  };
}
