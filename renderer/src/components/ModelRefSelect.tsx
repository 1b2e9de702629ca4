import { useQueries, useQuery } from '@tanstack/react-query';
import type { EvalModelRef } from '../../../shared/evals';
import { useApi } from '../api/context';
import { modelQueries, runQueries } from '../api/queries';
import { inputClass } from './Field';

/** A model as a select keys it: "model:3" for a registered model, "run:2:14" for a run's checkpoint. */
export const modelRefKey = (ref: EvalModelRef): string => ('modelId' in ref ? `model:${ref.modelId}` : `run:${ref.runId}:${ref.step}`);

export function parseModelRefKey(key: string): EvalModelRef {
  const [kind, a, b] = key.split(':');
  return kind === 'model' ? { modelId: Number(a) } : { runId: Number(a), step: Number(b) };
}

/**
 * One model to generate or score with: a registered model (the demo model
 * among them) or any run's checkpoint on disk. `value` is a key of
 * `modelRefKey`, '' for none (offered only when `optional` names it).
 */
export function ModelRefSelect({
  value,
  onChange,
  optional,
  testId,
}: {
  value: string;
  onChange: (key: string) => void;
  /** The label of the empty choice; without it a model must be picked. */
  optional?: string;
  testId?: string;
}) {
  const api = useApi();
  const { data: models = [] } = useQuery(modelQueries.list(api));
  const { data: runs = [] } = useQuery(runQueries.list(api));
  const checkpoints = useQueries({ queries: runs.map((r) => runQueries.checkpoints(api, r.id)) });
  return (
    <select className={inputClass} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
      {optional !== undefined ? <option value="">{optional}</option> : !value && <option value="">Pick a model…</option>}
      <optgroup label="Models">
        {models.map((m) => (
          <option key={m.id} value={`model:${m.id}`}>
            {m.name}
          </option>
        ))}
      </optgroup>
      {runs.map((run, i) => {
        const steps = (checkpoints[i]?.data ?? []).map((c) => c.step).sort((x, y) => x - y);
        if (steps.length === 0) return null;
        return (
          <optgroup key={run.id} label={`#${run.id} ${run.name}`}>
            {steps.map((step) => (
              <option key={step} value={`run:${run.id}:${step}`}>
                {run.name}, step {step}
              </option>
            ))}
          </optgroup>
        );
      })}
    </select>
  );
}
