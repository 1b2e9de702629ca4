/**
 * The `train` job: the studio's side of a training run. It hands the run to
 * its worker process (train-task.ts) and records every event the worker
 * sends, as it happens: provenance, metrics, MMPO's weights, checkpoints, the
 * reference cache and the exported model.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { formatDiagnosticLine } from '../../../shared/run-log';
import { defineJobKind, JobPaused, type EventHandlers } from '../jobs/kind';
import { diagnose } from './diagnostics';
import { inspectModelFolder } from './models';
import { TrainPayload, TrainResult, type TrainEvents } from './train-protocol';

export const TrainParams = z.object({ runId: z.number().int().positive(), name: z.string() });
export type TrainParams = z.infer<typeof TrainParams>;

export const trainJob = defineJobKind({
  kind: 'train',
  lane: 'device',
  pausable: true,
  params: TrainParams,
  result: TrainResult,
  title: (p) => `Train: ${p.name}`,
  // Loaded only inside the worker: it brings the engine and TensorFlow.js.
  worker: { payload: TrainPayload, result: TrainResult, load: async () => (await import('./train-task')).trainTask },
  async run(ctx) {
    const { runs, events, artifactsDir, nativeBinding } = ctx.services;
    const runId = ctx.params.runId;
    const run = runs.getRun(runId);
    mkdirSync(run.dir, { recursive: true });
    const payload: TrainPayload = {
      runId,
      dbPath: ctx.services.dbPath,
      ...(nativeBinding ? { nativeBinding } : {}),
      snapshotId: run.snapshotId,
      config: run.config,
      dir: run.dir,
      referenceDir: join(artifactsDir, 'reference-cache'),
    };
    const changed = () => events.emit({ type: 'run.updated', run: runs.getRun(runId) });
    const handlers: Required<EventHandlers<TrainEvents>> = {
      start: (d) => {
        runs.setProvenance(runId, { modelHash: d.modelHash, backend: d.backend });
        // Steps after the checkpoint are replayed with the same data order: drop their stale values first.
        runs.truncateAfter(runId, d.step);
        if (d.resumedFrom) ctx.log('info', `Continuing at step ${d.step} of ${d.totalSteps}.`);
        changed();
      },
      reference: (d) => runs.putReference(d),
      step: (record) => {
        const points = runs.recordMetrics(runId, record.step, record.metrics);
        if (record.weightChosen) runs.recordWeights(runId, record.step, record.weightChosen);
        events.emit({ type: 'run.metrics', runId, points });
      },
      eval: (e) => {
        const points = runs.recordMetrics(runId, e.step, {
          [`eval/logp_accuracy`]: e.logpAccuracy,
          [`eval/logp_margin`]: e.logpMargin,
          [`eval/loss`]: e.loss,
          ...(e.rewardAccuracy === null ? {} : { [`eval/reward_accuracy`]: e.rewardAccuracy }),
          ...(e.rewardMargin === null ? {} : { [`eval/reward_margin`]: e.rewardMargin }),
        });
        events.emit({ type: 'run.metrics', runId, points });
      },
      checkpoints: (list) => {
        runs.syncCheckpoints(runId, list);
        changed();
      },
      exported: ({ path }) => {
        if (runs.findModelByPath(path)) return;
        void inspectModelFolder(path).then(
          ({ entry }) => runs.addModel({ ...entry, name: `${run.name} (run #${runId})`, origin: 'run' }),
          (err: unknown) =>
            ctx.log('warn', `The exported model could not be registered: ${err instanceof Error ? err.message : String(err)}`),
        );
      },
    };
    const result = await ctx.runWorker(payload, handlers);
    // What `studio train` prints at the end, kept in the job log too.
    for (const d of diagnose(runs.series(runId), null)) ctx.log(d.level, formatDiagnosticLine(d));
    if (result.paused) throw new JobPaused(`Paused at step ${result.step} of ${result.totalSteps}; resume continues from this checkpoint.`);
    return result;
  },
});
