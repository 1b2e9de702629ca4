import { useQueries, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { EvalModelRef } from '../../../../shared/evals';
import type { Run } from '../../../../shared/runs';
import { useApi } from '../../api/context';
import { modelQueries, runQueries } from '../../api/queries';

/** A model the checkpoint tabs can put in a column or an arena: a picked run's base or checkpoint, or a registered model. */
export interface ModelOption {
  key: string;
  ref: EvalModelRef;
  label: string;
}

/**
 * The models of the Generations and Arena tabs: each picked run's base (step 0)
 * and checkpoints, then every registered model; by default the first run's base
 * and each run's last checkpoint.
 */
export function useModelOptions(runs: readonly Run[]): { options: ModelOption[]; defaults: string[] } {
  const api = useApi();
  const { data: models = [] } = useQuery(modelQueries.list(api));
  const checkpoints = useQueries({ queries: runs.map((r) => runQueries.checkpoints(api, r.id)) });
  const steps = runs.map((_, i) => (checkpoints[i]?.data ?? []).map((c) => c.step).sort((a, b) => a - b));
  const stepsKey = JSON.stringify(steps);
  return useMemo(() => {
    const byRun: number[][] = JSON.parse(stepsKey) as number[][];
    const options: ModelOption[] = [];
    const defaults: string[] = [];
    if (runs[0]) defaults.push(`r${runs[0].id}:0`);
    runs.forEach((run, i) => {
      options.push({ key: `r${run.id}:0`, ref: { runId: run.id, step: 0 }, label: `#${run.id} ${run.name} — base (step 0)` });
      for (const step of byRun[i] ?? [])
        options.push({ key: `r${run.id}:${step}`, ref: { runId: run.id, step }, label: `#${run.id} ${run.name} — step ${step}` });
      const last = byRun[i]?.at(-1);
      if (last !== undefined) defaults.push(`r${run.id}:${last}`);
    });
    for (const m of models) options.push({ key: `m${m.id}`, ref: { modelId: m.id }, label: `${m.name} (model)` });
    return { options, defaults };
  }, [runs, stepsKey, models]);
}
