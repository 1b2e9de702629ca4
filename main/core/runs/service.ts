/**
 * Training runs in the core: the model registry, the launcher's defaults and
 * estimate, run creation (a row plus a durable `train` job on the device
 * lane; its job is train-job.ts), pause / resume / cancel / re-run, and the
 * queries the run page draws from.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { z } from 'zod';
import type { Handlers } from '../handlers';
import type { EventHub } from '../events';
import type { Run } from '../../../shared/runs';
import { RESUMABLE_STATUSES, type RunLaunch } from '../../../shared/runs';
import { StudioError } from '../../../shared/result';
import { fileError } from '../file-errors';
import { RunConfig } from '../../../shared/training';
import { missingSnapshotReason } from '../../../shared/trl-import';
import { getSnapshot } from '../datasets/snapshots';
import type { JobSupervisor } from '../jobs/supervisor';
import type { JobStore } from '../jobs/store';
import { APP_VERSION } from '../version';
import { diagnose } from './diagnostics';
import { exportMetrics } from './metrics-export';
import { runEvalPoints } from './run-eval-points';
import { defaultsFor, estimateRun } from './estimate';
import { defaultModelName, inspectModelFolder, readModelFolderConfig } from './models';
import { type RunStore } from './store';

// runs.exportTrl is the TRL export's (main/core/export/service.ts); runs.importTrl the TRL import's (main/core/import-run/service.ts).
type RunMethods = Exclude<
  Extract<keyof Handlers, `runs.${string}` | `models.${string}`>,
  'runs.exportTrl' | 'runs.importTrl' | 'runs.startImportTrl'
>;

export interface RunServiceDeps {
  runs: RunStore;
  jobs: JobSupervisor;
  jobStore: JobStore;
  events: EventHub;
  dbPath: string;
  artifactsDir: string;
  nativeBinding?: string;
  /** The backend jobs will use (for estimates and provenance before the worker reports). */
  backend: () => string;
  /** Launcher presets by model origin (the demo model's tuned defaults). */
  presets?: Partial<Record<'demo' | 'folder' | 'run', Record<string, unknown>>>;
  /** The evaluation suites a run's `evalSuite` may name. */
  suiteNames?: () => string[];
}

export function runsDir(artifactsDir: string): string {
  return join(artifactsDir, 'runs');
}

export function runHandlers(deps: RunServiceDeps): Pick<Handlers, RunMethods> {
  const { runs, jobs } = deps;

  const launchParts = async (launch: z.output<typeof RunLaunch>) => {
    const model = runs.getModel(launch.modelId);
    const modelConfig = await readModelFolderConfig(model.path);
    const snapshot = getSnapshot(runs.db, launch.snapshotId);
    return { model, modelConfig, snapshot };
  };

  const estimate = async (launch: z.output<typeof RunLaunch>) => {
    const { model, modelConfig, snapshot } = await launchParts(launch);
    const meanRecordChars = runs.meanRecordChars(snapshot.id);
    const backend = deps.backend();
    const config = launch.config;
    const estimate = estimateRun({
      model,
      modelConfig,
      snapshot,
      meanRecordChars,
      config,
      backend,
      observedTokensPerSecond: runs.observedTokensPerSecond(model.id, backend),
      observedStepTimes: runs.observedStepTimes(model.id, backend),
      referenceCached: runs.hasReferenceFor(model.id, snapshot.contentHash, config),
    });
    const suite = config['evalSuite'];
    const suites = deps.suiteNames?.() ?? [];
    if (typeof suite === 'string' && !suites.includes(suite)) {
      const known = suites.map((s) => `"${s}"`).join(', ');
      estimate.issues.push({
        path: 'evalSuite',
        message: `There is no suite "${suite}" (${known ? `known: ${known}` : 'this workspace has no suites'}).`,
      });
    }
    return { model, estimate, snapshot };
  };

  const create = async (launch: z.output<typeof RunLaunch>, rerunOf: number | null): Promise<Run> => {
    const { model, estimate: est, snapshot } = await estimate(launch);
    if (est.issues.length > 0) {
      throw new StudioError('INVALID_ARGUMENT', `The run cannot start: ${est.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
        issues: est.issues,
      });
    }
    if (est.memoryProblem) throw new StudioError('INVALID_ARGUMENT', est.memoryProblem);
    const config = RunConfig.parse({ ...launch.config, model: { kind: 'folder', path: model.path } });
    const name = launch.name?.trim() || `${config.objective.objective.toUpperCase()} on ${snapshot.name} (${model.name})`;
    // The run row, its folder and its job in one transaction: a crash never leaves a run without a job.
    // (A job started inside a transaction launches once it has committed: JobSupervisor.start.)
    const runId = runs.transaction(() => {
      const id = runs.createRun({
        name,
        jobId: null,
        config,
        modelId: model.id,
        modelName: model.name,
        snapshotId: snapshot.id,
        trainPairs: est.trainPairs,
        testPairs: est.testPairs,
        totalSteps: est.totalSteps,
        appVersion: APP_VERSION,
        dir: '',
        rerunOf,
      });
      runs.setRunDir(id, join(runsDir(deps.artifactsDir), `run-${String(id).padStart(5, '0')}`));
      runs.setRunJob(id, jobs.start('train', { runId: id, name }).id);
      return id;
    });
    const run = runs.getRun(runId);
    deps.events.emit({ type: 'run.updated', run });
    return run;
  };

  return {
    'models.list': () => runs.listModels(),
    'models.register': async ({ path, name }) => {
      const { entry } = await inspectModelFolder(path);
      const existing = runs.findModelByPath(entry.path);
      if (existing) return existing;
      return runs.addModel({ ...entry, name: name?.trim() || defaultModelName(entry.path), origin: 'folder' });
    },
    'models.remove': ({ id }) => ({ removed: runs.removeModel(id) }),

    'runs.list': () => runs.listRuns(),
    'runs.get': ({ id }) => runs.getRun(id),
    'runs.defaults': async ({ modelId }) => {
      const model = runs.getModel(modelId);
      return defaultsFor(model, await readModelFolderConfig(model.path), deps.presets?.[model.origin]);
    },
    'runs.estimate': async (launch) => (await estimate(launch)).estimate,
    'runs.create': (launch) => create(launch, null),
    'runs.metrics': ({ id, afterStep }) => {
      runs.getRun(id);
      return runs.series(id, afterStep);
    },
    'runs.weights': ({ id }) => runs.latestWeights(id),
    'runs.checkpoints': ({ id }) => {
      runs.getRun(id);
      return runs.checkpoints(id);
    },
    'runs.diagnostics': ({ id }) => {
      const run = runs.getRun(id);
      return diagnose(runs.series(id), run.error);
    },
    'runs.exportMetrics': ({ id, format, path }) => {
      const run = runs.getRun(id);
      const { text, rows } = exportMetrics(run, runs.series(id), format);
      const downloadName = `run-${id}-${
        run.name
          .replace(/[^\w.-]+/g, '-')
          .replace(/^-+|-+$/g, '')
          .slice(0, 60) || 'metrics'
      }-metrics.${format}`;
      const target = path ?? join(deps.artifactsDir, 'exports', downloadName);
      try {
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, text);
      } catch (err) {
        throw fileError(err, target, 'write');
      }
      return { path: target, rows, downloadName: path ? null : downloadName };
    },
    'runs.pause': ({ id }) => {
      const run = runs.getRun(id);
      if (run.status !== 'running') throw new StudioError('CONFLICT', `Run #${id} is ${run.status}; only a running run can be paused.`);
      jobs.pause(run.jobId);
      return runs.getRun(id);
    },
    'runs.resume': ({ id }) => {
      const run = runs.getRun(id);
      if (!RESUMABLE_STATUSES.includes(run.status))
        throw new StudioError(
          'CONFLICT',
          // A queued run says why it waits (its turn in an experiment, whose own Resume drives it; or the device).
          `Run #${id} is ${run.status}${run.queueReason ? ` (${run.queueReason.replace(/\.$/, '')})` : ''}; only a paused, interrupted or failed run can be resumed.`,
        );
      jobs.retry(run.jobId);
      return runs.getRun(id);
    },
    'runs.cancel': ({ id }) => {
      const run = runs.getRun(id);
      if (run.status === 'paused' || run.status === 'running' || run.status === 'queued') {
        jobs.cancel(run.jobId, run.status === 'paused' ? `Cancelled while paused at step ${run.step}.` : undefined);
      } else {
        throw new StudioError('CONFLICT', `Run #${id} is ${run.status}; there is nothing to cancel.`);
      }
      const after = runs.getRun(id);
      deps.events.emit({ type: 'run.updated', run: after });
      return after;
    },
    'runs.evals': ({ id }) => {
      runs.getRun(id);
      return runEvalPoints(runs, id);
    },
    'runs.rerun': ({ id }) => {
      const run = runs.getRun(id);
      const noSnapshot = missingSnapshotReason(run);
      if (noSnapshot) throw new StudioError('CONFLICT', noSnapshot);
      if (run.modelId === null)
        throw new StudioError('CONFLICT', `Run #${id}'s model is no longer registered; register it again to re-run.`);
      const { model: _model, ...config } = run.config;
      return create({ name: `${run.name} (re-run)`, snapshotId: run.snapshotId, modelId: run.modelId, config }, id);
    },
  };
}
