/**
 * The evaluation methods of the contract (`evals.*`): start an `eval` job,
 * read stored results (with their per-item rows, paged) and list the suites.
 */
import type { Handlers } from '../handlers';
import type { DatasetStore } from '../datasets/store';
import type { JobSupervisor } from '../jobs/supervisor';
import type { RunStore } from '../runs/store';
import { EvalStore } from './eval-store';
import { builtinSuites, findSuite } from './suites';

export interface EvalServiceDeps {
  runs: RunStore;
  datasets: DatasetStore;
  jobs: JobSupervisor;
  /** The app's assets folder (the demo suite's task files). */
  assetsDir: string;
}

type EvalMethods = 'evals.start' | 'evals.list' | 'evals.get' | 'evals.suites';

export function evalHandlers(deps: EvalServiceDeps): Pick<Handlers, EvalMethods> {
  const { runs, datasets, jobs, assetsDir } = deps;
  const store = new EvalStore(runs.db);
  return {
    'evals.start': ({ model, suite, settings }) => {
      // Refused here, before a job exists, when the model or the suite is unknown.
      if ('modelId' in model) runs.getModel(model.modelId);
      else runs.getRun(model.runId);
      const items = typeof suite === 'string' ? { name: suite, items: findSuite(datasets, suite, assetsDir).items } : suite;
      return jobs.start('eval', { model, suite: items, settings });
    },
    'evals.list': ({ modelId }) => store.list(modelId === undefined ? {} : { modelId }),
    'evals.get': ({ id, offset, limit }) => {
      const result = store.get(id);
      return { result, ...store.items(id, offset, limit) };
    },
    'evals.suites': () => builtinSuites(datasets, assetsDir),
  };
}
