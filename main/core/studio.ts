import type { BackendInfo } from '../../shared/contract';
import type { ModelEntry } from '../../shared/runs';
import type { OpenOptions } from './db/open';
import { schemaVersion } from './db/migrate';
import { detectBackend } from './backend-info';
import { EventHub } from './events';
import { registerHandlers, type Dispatch, type Handlers } from './handlers';
import { contract } from '../../shared/contract';
import { forkSpawner, workerEntry } from './jobs/fork-worker';
import type { SpawnWorker } from './jobs/protocol';
import { JobStore } from './jobs/store';
import { JobSupervisor } from './jobs/supervisor';
import { settingsService } from './services/settings';
import { datasetHandlers } from './datasets/service';
import { recoverImports } from './datasets/imports';
import { recoverPendingSnapshots } from './datasets/snapshots';
import { DatasetStore } from './datasets/store';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedDemoDataset } from './datasets/demo';
import { APP_VERSION } from './version';
import { RunStore } from './runs/store';
import { runHandlers, type RunServiceDeps } from './runs/service';
import { exportHandlers } from './export/service';
import { importRunHandlers } from './import-run/service';
import { watchRunEvals } from './runs/run-evals';
import { builtinSuites, findSuite } from './evals/suites';
import { compareHandlers } from './runs/compare';
import { compareReportHandlers } from './runs/compare-report';
import { evalHandlers } from './evals/service';
import { sideBySideHandlers } from './evals/side-by-side-handlers';
import { pairDrilldown } from './evals/drilldown';
import { arenaHandlers } from './labeling/arena';
import { labelingHandlers, labelReviewHandlers } from './labeling/service';
import { candidateHandlers } from './labeling/candidates-service';
import { inviteHandlers } from './invites/service';
import { registerDemoModel } from './runs/demo';
import { removeStaleTemps } from '../training/temp-files';
import { DEMO_RUN_DEFAULTS } from '../../shared/demo';
import { openWorkspace, workspaceSize } from './workspace';
import { WorkspaceStore } from './workspace-store';
import { experimentHandlers } from './experiments/service';
import { ExperimentStore } from './experiments/store';
import { experimentTurn } from './experiments/turn';

export interface StudioOptions extends OpenOptions {
  workspaceDir: string;
  /** How job workers are started; defaults to forking the built worker bundle, or `main/worker.ts` through tsx (fork-worker.ts workerEntry). */
  spawnWorker?: SpawnWorker;
  backend?: () => BackendInfo;
  /** Whether to resume supervision of this workspace's jobs (false for read-only CLI commands). */
  superviseJobs?: boolean;
  /** The app's assets folder (demo data); defaults to the repository's assets/. */
  assetsDir?: string;
  /** Told of an error that threw inside the core without a code (a bug; the caller gets INTERNAL); by default logged with its stack. */
  onInternalError?: (err: unknown) => void;
}

/** Folders a transport needs: the serve mode streams uploads into one and serves downloads from another. */
export interface StudioPaths {
  readonly workspace: string;
  readonly uploads: string;
  readonly exports: string;
}

/**
 * The core as transports see it: one door (`dispatch`, every call checked
 * against the contract), the events, the folders a transport serves, and the
 * lifecycle. Its stores and handlers stay inside; main/core/client.ts's
 * `call` is how code in this process uses the door.
 */
export interface Studio {
  readonly dispatch: Dispatch;
  readonly events: Pick<EventHub, 'subscribe'>;
  readonly paths: StudioPaths;
  /** Seeds the demo dataset when this start created the workspace, and registers the demo model. */
  seedDemo(): Promise<void>;
  /** The shipped demo model, registered in this workspace if it is not yet; null where the app has none. */
  demoModel(): Promise<ModelEntry | null>;
  /** Closes the workspace; with `pauseGraceMs`, running training is first paused at a checkpoint (app quit, serve stop). */
  close(options?: { pauseGraceMs?: number }): Promise<void>;
}

/**
 * The studio's core, transport-free: the same object backs the Electron IPC
 * bridge, the HTTP serve mode and the CLI.
 */
export function createStudio(options: StudioOptions): Studio {
  const workspace = openWorkspace(options.workspaceDir, options);
  const events = new EventHub();
  const jobStore = new JobStore(workspace.db);
  const datasets = new DatasetStore(workspace.db);
  const runs = new RunStore(workspace.db, jobStore);
  // Every job kind (jobs/registry.ts) runs with these.
  const services = {
    datasets,
    runs,
    events,
    dbPath: workspace.dbPath,
    artifactsDir: workspace.artifactsDir,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  };
  const experimentStore = new ExperimentStore(workspace.db);
  const jobs = new JobSupervisor({
    store: jobStore,
    events,
    services,
    spawnWorker: options.spawnWorker ?? forkSpawner(workerEntry()),
    // An experiment's runs are queued at once and wait their turn, one cell at a time (experiments/turn.ts).
    gate: experimentTurn(experimentStore),
  });
  const assetsDir = options.assetsDir ?? fileURLToPath(new URL('../../assets', import.meta.url));
  let backend: BackendInfo | undefined;
  const backendInfo = () => (backend ??= (options.backend ?? detectBackend)());
  const runDeps: RunServiceDeps = {
    runs,
    jobs,
    jobStore,
    events,
    dbPath: workspace.dbPath,
    artifactsDir: workspace.artifactsDir,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    backend: () => backendInfo().name,
    presets: { demo: DEMO_RUN_DEFAULTS },
    suiteNames: () => builtinSuites(datasets, assetsDir).map((suite) => suite.name),
  };
  // A run's status is its job's: tell run pages when a train job changes.
  events.subscribe((event) => {
    if (event.type !== 'job.updated' || event.job.kind !== 'train') return;
    const runId = runs.runIdOfJob(event.job.id);
    if (runId !== null) events.emit({ type: 'run.updated', run: runs.getRun(runId) });
  });
  if (options.superviseJobs !== false) {
    jobs.recover();
    recoverImports(workspace.db);
    recoverPendingSnapshots(workspace.db);
    // A worker killed mid-write (kill -9, an orphan stopped by its watchdog) leaves a temp file behind.
    removeStaleTemps(join(workspace.artifactsDir, 'reference-cache'));
    // A run's evalSuite: eval jobs for step 0 and each checkpoint, queued behind it (runs/run-evals.ts).
    watchRunEvals({ runs, jobs, jobStore, events, suite: (name) => findSuite(datasets, name, assetsDir) });
  }

  const settings = settingsService(workspace.db);
  const workspaceStore = new WorkspaceStore(workspace.db);
  const exportsDir = join(workspace.artifactsDir, 'exports');

  const handlers: Handlers = {
    'workspace.info': () => {
      const backend = backendInfo();
      return {
        name: workspace.meta('name') ?? 'workspace',
        path: workspace.dir,
        dbPath: workspace.dbPath,
        artifactsPath: workspace.artifactsDir,
        sizeBytes: workspaceSize(workspace.dir),
        schemaVersion: schemaVersion(workspace.db),
        appVersion: APP_VERSION,
        createdAt: Number(workspace.meta('created_at') ?? 0),
        backend,
        counts: { ...workspaceStore.counts(), jobs: jobStore.count() },
      };
    },
    'settings.get': () => settings.get(),
    'settings.update': (patch) => settings.update(patch),
    'jobs.list': (args) => jobStore.list(args),
    'jobs.get': ({ id }) => jobStore.get(id),
    'jobs.logs': ({ id, afterSeq, limit, tail }) => (tail === undefined ? jobStore.logs(id, afterSeq, limit) : jobStore.tailLogs(id, tail)),
    'jobs.cancel': ({ id }) => jobs.cancel(id),
    'jobs.retry': ({ id }) => jobs.retry(id),
    'jobs.startSelfTest': (params) => jobs.start('self-test', params),
    ...datasetHandlers({ store: datasets, jobs, jobStore, exportsDir }),
    ...runHandlers(runDeps),
    ...exportHandlers({ runs, jobs, assetsDir, exportsDir }),
    ...importRunHandlers({ jobs }),
    ...compareHandlers({ db: workspace.db, jobs, jobStore }),
    ...compareReportHandlers({ runs, jobs, exportsDir }),
    ...evalHandlers({ runs, datasets, jobs, assetsDir }),
    ...sideBySideHandlers({ runs, datasets, jobs, artifactsDir: workspace.artifactsDir }),
    'compare.pairs': (args) => pairDrilldown(workspace.db, args),
    ...arenaHandlers({ db: workspace.db, runs, datasets, jobs }),
    ...labelingHandlers(workspace.db),
    ...labelReviewHandlers(workspace.db, { exportsDir, jobs }),
    ...candidateHandlers({ db: workspace.db, runs, jobs }),
    ...inviteHandlers(workspace.db),
    // Experiments (issue 19): each grid cell is launched through the runs service's own methods.
    ...experimentHandlers({
      experiments: experimentStore,
      runs,
      jobs,
      jobStore,
      events,
      defaults: (modelId) => handlers['runs.defaults']({ modelId }),
      estimateRun: (launch) => handlers['runs.estimate'](launch),
      createRun: (launch) => handlers['runs.create'](launch),
      supervise: options.superviseJobs !== false,
    }),
  };

  const dispatch = registerHandlers(
    contract,
    handlers,
    options.onInternalError ?? ((err) => console.error('[studio] internal error:', err)),
  );

  return {
    dispatch,
    events,
    paths: { workspace: workspace.dir, uploads: join(workspace.artifactsDir, 'uploads'), exports: exportsDir },
    async seedDemo() {
      if (workspace.created) await seedDemoDataset(datasets, assetsDir);
      await registerDemoModel(runs, assetsDir);
    },
    demoModel: () => registerDemoModel(runs, assetsDir),
    async close(options = {}) {
      await jobs.close(options.pauseGraceMs ?? 0);
      workspace.close();
    },
  };
}
