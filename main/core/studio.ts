import type { BackendInfo } from '../../shared/contract';
import type { OpenOptions } from './db/open';
import { schemaVersion } from './db/migrate';
import { detectBackend } from './backend-info';
import { EventHub } from './events';
import { registerHandlers, type Dispatch, type Handlers } from './handlers';
import { contract } from '../../shared/contract';
import { forkSpawner, sourceWorkerEntry } from './jobs/fork-worker';
import type { SpawnWorker } from './jobs/protocol';
import { SelfTestParams } from './jobs/self-test';
import { JobStore } from './jobs/store';
import { JobSupervisor, type JobKind } from './jobs/supervisor';
import { settingsService } from './services/settings';
import { datasetHandlers } from './datasets/service';
import { importJobKind, recoverImports } from './datasets/imports';
import { DatasetStore } from './datasets/store';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedDemoDataset } from './datasets/demo';
import { APP_VERSION } from './version';
import { openWorkspace, type Workspace, workspaceSize } from './workspace';

export interface StudioOptions extends OpenOptions {
  workspaceDir: string;
  /** How job workers are started; defaults to forking `main/worker.ts` through tsx. */
  spawnWorker?: SpawnWorker;
  backend?: () => BackendInfo;
  /** Whether to resume supervision of this workspace's jobs (false for read-only CLI commands). */
  superviseJobs?: boolean;
  /** The app's assets folder (demo data); defaults to the repository's assets/. */
  assetsDir?: string;
}

export interface Studio {
  readonly workspace: Workspace;
  readonly events: EventHub;
  readonly jobs: JobSupervisor;
  readonly jobStore: JobStore;
  readonly datasets: DatasetStore;
  readonly handlers: Handlers;
  readonly dispatch: Dispatch;
  readonly assetsDir: string;
  /** Seeds the demo dataset when this start created the workspace. */
  seedDemo(): Promise<void>;
  close(): Promise<void>;
}

const selfTestJob: JobKind<SelfTestParams> = {
  kind: 'self-test',
  lane: 'light',
  params: SelfTestParams,
  title: (p) => `Self-test (${p.steps} steps)`,
  run: (ctx) => ctx.runWorker('self-test', ctx.params),
};

/**
 * The studio's core, transport-free: the same object backs the Electron IPC
 * bridge, the HTTP serve mode and the CLI.
 */
export function createStudio(options: StudioOptions): Studio {
  const workspace = openWorkspace(options.workspaceDir, options);
  const events = new EventHub();
  const jobStore = new JobStore(workspace.db);
  const jobs = new JobSupervisor({
    store: jobStore,
    events,
    spawnWorker: options.spawnWorker ?? forkSpawner(sourceWorkerEntry()),
  });
  const datasets = new DatasetStore(workspace.db);
  const assetsDir = options.assetsDir ?? fileURLToPath(new URL('../../assets', import.meta.url));
  jobs.register(selfTestJob);
  jobs.register(importJobKind(datasets));
  if (options.superviseJobs !== false) {
    jobs.recover();
    recoverImports(workspace.db);
  }

  let backend: BackendInfo | undefined;
  const settings = settingsService(workspace.db);

  const handlers: Handlers = {
    'workspace.info': () => {
      backend ??= (options.backend ?? detectBackend)();
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
        counts: {
          datasets: workspace.db.prepare('SELECT count(*) FROM datasets').pluck().get() as number,
          records: workspace.db.prepare('SELECT count(*) FROM records').pluck().get() as number,
          snapshots: workspace.db.prepare('SELECT count(*) FROM snapshots').pluck().get() as number,
          jobs: jobStore.count(),
        },
      };
    },
    'settings.get': () => settings.get(),
    'settings.update': (patch) => settings.update(patch),
    'jobs.list': (args) => jobStore.list(args),
    'jobs.get': ({ id }) => jobStore.get(id),
    'jobs.logs': ({ id, afterSeq, limit }) => jobStore.logs(id, afterSeq, limit),
    'jobs.cancel': ({ id }) => jobs.cancel(id),
    'jobs.retry': ({ id }) => jobs.retry(id),
    'jobs.startSelfTest': (params) => jobs.start('self-test', params),
    ...datasetHandlers({ store: datasets, jobs, exportsDir: join(workspace.artifactsDir, 'exports') }),
  };

  const dispatch = registerHandlers(contract, handlers, (err) => console.error('[studio] internal error:', err));

  return {
    workspace,
    events,
    jobs,
    jobStore,
    datasets,
    handlers,
    dispatch,
    assetsDir,
    async seedDemo() {
      if (workspace.created) await seedDemoDataset(datasets, assetsDir);
    },
    async close() {
      await jobs.close();
      workspace.close();
    },
  };
}
