import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { PresetName } from '../../../../shared/objectives';
import { DEFAULT_LORA, LORA_HELP, PRESET_SETTINGS, settingAt, type DescribedSetting } from '../../../../shared/run-settings';
import { useApi } from '../../api/context';
import { datasetQueries, evalQueries, modelQueries, snapshotQueries } from '../../api/queries';
import { BackLink, Button } from '../../components/Button';
import { navigate } from '../../lib/router';
import { useDebounced } from '../../lib/use-debounced';
import { EstimatePanel } from './EstimatePanel';
import { Fieldset, SettingsGrid, type FormBinding } from './fields';
import {
  EFFECTIVE_BATCH,
  FORM_SECTIONS,
  getAt,
  objectiveFields,
  presetConfig,
  presetOf,
  RUN_LENGTH,
  setAt,
  type FormConfig,
} from './launch-form';
import { ModelPicker } from './ModelPicker';
import { PrepareSnapshot } from './PrepareSnapshot';
import { cardClass } from '../../components/Card';
import { formatCount } from '../../lib/format';
import { Field, inputClass, ReadOnlyField } from '../../components/Field';
import { EmptyState } from '../../components/EmptyState';
import { ExportForCluster } from './ExportForCluster';
import { SweepDialog } from './SweepDialog';

function ObjectiveSection({ form }: { form: FormBinding }) {
  const objective = getAt(form.config, 'objective');
  return (
    <Fieldset title="Objective">
      <div className="space-y-3">
        <Field label="Preset">
          <select
            className={inputClass}
            value={presetOf(objective)}
            onChange={(e) => form.set('objective', presetConfig(e.target.value as PresetName))}
            data-testid="launch-preset"
          >
            {(Object.keys(PRESET_SETTINGS) as PresetName[]).map((p) => (
              <option key={p} value={p}>
                {PRESET_SETTINGS[p].label}
              </option>
            ))}
          </select>
        </Field>
        <div data-testid="objective-fields">
          <SettingsGrid form={form} settings={objectiveFields(objective)} />
        </div>
      </div>
    </Fieldset>
  );
}

/** A section's settings by path (launch-form.ts FORM_SECTIONS), described in run-settings.ts. */
function sectionSettings(items: readonly string[], config: FormConfig): (DescribedSetting | string)[] {
  const bySteps = getAt(config, 'maxSteps') !== null;
  return items.flatMap((item) => {
    if (item === EFFECTIVE_BATCH) return [item];
    // The run's length: a switch, then epochs or max steps.
    if (item === RUN_LENGTH) return [item, settingAt(bySteps ? 'maxSteps' : 'epochs')!];
    const setting = settingAt(item);
    if (!setting) throw new Error(`The launcher lists "${item}", which shared/run-settings.ts does not describe.`);
    return [setting];
  });
}

function TrainingSection({ form, effectiveBatch }: { form: FormBinding; effectiveBatch: number | null }) {
  const bySteps = getAt(form.config, 'maxSteps') !== null;
  const extra = (item: string) =>
    item === EFFECTIVE_BATCH ? (
      <ReadOnlyField label="Effective batch">
        <span className="py-1 text-sm text-zinc-900 tabular-nums dark:text-zinc-100" data-testid="effective-batch">
          {effectiveBatch === null ? '—' : `${formatCount(effectiveBatch)} pairs / step`}
        </span>
      </ReadOnlyField>
    ) : (
      <ReadOnlyField label="Length of the run">
        <select
          className={inputClass}
          value={bySteps ? 'steps' : 'epochs'}
          onChange={(e) => form.set('maxSteps', e.target.value === 'steps' ? 100 : null)}
          data-testid="launch-length-mode"
          aria-label="Length of the run"
        >
          <option value="epochs">epochs</option>
          <option value="steps">max steps</option>
        </select>
      </ReadOnlyField>
    );
  return (
    <Fieldset title="Training">
      <SettingsGrid form={form} settings={sectionSettings(FORM_SECTIONS.training, form.config)} extra={extra} />
    </Fieldset>
  );
}

function EvalSection({ form }: { form: FormBinding }) {
  return (
    <Fieldset title="Evaluation and checkpoints">
      <SettingsGrid form={form} settings={sectionSettings(FORM_SECTIONS.evaluation, form.config)} />
    </Fieldset>
  );
}

function LoraSection({ form }: { form: FormBinding }) {
  const on = getAt(form.config, 'lora') !== null && getAt(form.config, 'lora') !== undefined;
  return (
    <Fieldset
      title="LoRA"
      aside={
        <input
          type="checkbox"
          checked={on}
          onChange={(e) => form.set('lora', e.target.checked ? { ...DEFAULT_LORA } : null)}
          aria-label="Train LoRA adapters"
          data-testid="launch-lora"
          title={LORA_HELP}
        />
      }
    >
      {on ? (
        <SettingsGrid form={form} settings={sectionSettings(FORM_SECTIONS.lora, form.config)} />
      ) : (
        <p className="text-xs text-zinc-500">
          Off: every weight trains (full fine-tuning). On: only small adapters train, saved in PEFT format.
        </p>
      )}
    </Fieldset>
  );
}

export function LaunchPage() {
  const api = useApi();
  const queryClient = useQueryClient();
  const { data: models = [] } = useQuery(modelQueries.list(api));
  const { data: snapshots = [] } = useQuery(snapshotQueries.all(api));
  const { data: datasets = [] } = useQuery(datasetQueries.list(api));
  const [modelId, setModelId] = useState<number | null>(null);
  const [snapshotId, setSnapshotId] = useState<number | null>(null);
  /** A dataset with no snapshot yet, chosen to be split and frozen here. */
  const [unfrozenId, setUnfrozenId] = useState<number | null>(null);
  const [name, setName] = useState('');
  const [config, setConfig] = useState<FormConfig | null>(null);
  const [sweeping, setSweeping] = useState(false);

  useEffect(() => {
    // Start from a model the person brought (or the demo) rather than one a run exported.
    const first = models.find((m) => m.origin !== 'run') ?? models[0];
    if (modelId === null && first) setModelId(first.id);
  }, [modelId, models]);
  useEffect(() => {
    if (snapshotId === null && unfrozenId === null && snapshots[0]) setSnapshotId(snapshots[0].id);
  }, [snapshotId, unfrozenId, snapshots]);

  const suites = useQuery(evalQueries.suites(api));
  const defaults = useQuery({
    queryKey: ['runs', 'defaults', modelId],
    queryFn: () => api.call('runs.defaults', { modelId: modelId! }),
    enabled: modelId !== null,
  });
  useEffect(() => {
    // A new model brings its own defaults (lengths, chat template); the chosen objective stays.
    if (defaults.data) setConfig((current) => ({ ...defaults.data, ...(current ? { objective: current['objective'] } : {}) }));
  }, [defaults.data]);

  const launch =
    modelId !== null && snapshotId !== null && config
      ? { modelId, snapshotId, config, ...(name.trim() ? { name: name.trim() } : {}) }
      : null;
  const settled = useDebounced(launch, 300);
  const estimate = useQuery({
    queryKey: ['runs', 'estimate', settled],
    queryFn: () => api.call('runs.estimate', settled!),
    enabled: settled !== null,
    placeholderData: keepPreviousData,
    staleTime: 5_000,
  });
  const current = JSON.stringify(launch) === JSON.stringify(settled) && !estimate.isPlaceholderData;
  const issues = estimate.data?.issues ?? [];

  const create = useMutation({
    mutationFn: () => api.call('runs.create', launch!),
    onSuccess: (run) => {
      void queryClient.invalidateQueries({ queryKey: ['runs', 'list'] });
      navigate(`/runs/${run.id}`);
    },
  });

  const form: FormBinding | null = config
    ? {
        config,
        issues,
        set: (path, value) => setConfig((c) => (c ? setAt(c, path, value) : c)),
        suggestions: { evalSuite: (suites.data ?? []).map((s) => s.name) },
      }
    : null;
  const micro = config ? getAt(config, 'microBatchSize') : null;
  const accumulation = config ? getAt(config, 'gradAccumulation') : null;
  const effectiveBatch =
    typeof micro === 'number' && typeof accumulation === 'number' && Number.isFinite(micro * accumulation) ? micro * accumulation : null;
  const blocked = !launch || !current || estimate.isFetching || !estimate.data || issues.length > 0 || estimate.data.memoryProblem !== null;
  const datasetName = (id: number) => datasets.find((d) => d.id === id)?.name ?? `dataset #${id}`;
  // Datasets with records and no snapshot are offered too: the launcher can split and freeze them in place.
  const unfrozen = datasets.filter((d) => d.recordCount > 0 && !snapshots.some((s) => s.datasetId === d.id));
  const chosenSnapshot = snapshots.find((s) => s.id === snapshotId) ?? null;
  const preparing =
    unfrozenId !== null
      ? datasets.find((d) => d.id === unfrozenId)
      : chosenSnapshot?.testCount === 0
        ? datasets.find((d) => d.id === chosenSnapshot.datasetId)
        : undefined;

  return (
    <div className="max-w-6xl space-y-4" data-testid="launch-page">
      <div>
        <BackLink to="/runs">Runs</BackLink>
        <h1 className="mt-1 text-xl font-semibold">New run</h1>
      </div>
      <div className="flex flex-col gap-4 lg:flex-row lg:items-start">
        <div className="min-w-0 flex-1 space-y-4">
          <Fieldset title="Start from">
            <div className="space-y-3">
              <ModelPicker modelId={modelId} onChange={setModelId} />
              <Field label="Dataset snapshot">
                <select
                  className={inputClass}
                  value={unfrozenId !== null ? `dataset-${unfrozenId}` : (snapshotId ?? '')}
                  onChange={(e) => {
                    const dataset = /^dataset-(\d+)$/.exec(e.target.value);
                    setUnfrozenId(dataset ? Number(dataset[1]) : null);
                    setSnapshotId(dataset ? null : Number(e.target.value));
                  }}
                  data-testid="launch-snapshot"
                >
                  {snapshotId === null && unfrozenId === null && (
                    <option value="">
                      {snapshots.length === 0 && unfrozen.length === 0 ? 'No datasets yet: import one in Datasets' : 'Choose a snapshot…'}
                    </option>
                  )}
                  {snapshots.map((s) => (
                    <option key={s.id} value={s.id}>
                      {datasetName(s.datasetId)} · {s.name} · {formatCount(s.trainCount)} train / {formatCount(s.testCount)} test ·{' '}
                      {s.contentHash.slice(0, 8)}
                    </option>
                  ))}
                  {unfrozen.length > 0 && (
                    <optgroup label="No snapshot yet (split and snapshot here)">
                      {unfrozen.map((d) => (
                        <option key={d.id} value={`dataset-${d.id}`}>
                          {d.name} · {formatCount(d.recordCount)} records · no snapshot
                        </option>
                      ))}
                    </optgroup>
                  )}
                </select>
              </Field>
              {preparing && (
                <PrepareSnapshot
                  key={preparing.id}
                  dataset={preparing}
                  snapshot={unfrozenId !== null ? null : chosenSnapshot}
                  onReady={(created) => {
                    setUnfrozenId(null);
                    setSnapshotId(created.id);
                  }}
                />
              )}
              <Field label="Name (optional)">
                <input
                  className={inputClass}
                  value={name}
                  onChange={(e) => setName(e.target.value)}
                  placeholder="MMPO on … (chosen from the objective, snapshot and model)"
                  data-testid="launch-name"
                />
              </Field>
            </div>
          </Fieldset>
          {form ? (
            <>
              <ObjectiveSection form={form} />
              <TrainingSection form={form} effectiveBatch={effectiveBatch} />
              <EvalSection form={form} />
              <LoraSection form={form} />
            </>
          ) : (
            <EmptyState>
              {modelId === null ? 'Register or choose a model to see its defaults.' : 'Loading the defaults for this model…'}
            </EmptyState>
          )}
        </div>
        <aside className={`${cardClass} w-full shrink-0 space-y-4 p-4 lg:sticky lg:top-0 lg:w-80`}>
          <h2 className="text-sm font-semibold">Estimate</h2>
          <EstimatePanel
            estimate={estimate.data}
            pending={!current || estimate.isFetching}
            epochs={config && getAt(config, 'maxSteps') === null ? (getAt(config, 'epochs') as number) : null}
          />
          <Button
            variant="primary"
            className="w-full justify-center"
            disabled={blocked || create.isPending}
            onClick={() => create.mutate()}
            data-testid="launch-run"
          >
            {create.isPending ? 'Launching…' : 'Launch'}
          </Button>
          <Button
            className="w-full justify-center"
            disabled={blocked}
            onClick={() => setSweeping(true)}
            data-testid="launch-sweep"
            title="Run this setup as a grid: objectives × β values × seeds, with a report that checks the MMPO paper's claims"
          >
            Sweep…
          </Button>
          {launch && <SweepDialog open={sweeping} onClose={() => setSweeping(false)} base={launch} estimate={estimate.data} />}
          {launch && <ExportForCluster source={{ config: launch }} disabled={blocked} />}
        </aside>
      </div>
    </div>
  );
}
