import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { RunEstimate } from '../../../../shared/runs';
import { OBJECTIVE_SETTINGS, PRESET_SETTINGS, type PresetName } from '../../../../shared/run-settings';
import { useApi } from '../../api/context';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { Field, inputClass } from '../../components/Field';
import { formatDuration } from '../../lib/format';
import { navigate } from '../../lib/router';

/** The launcher's run, as runs.create takes it: the experiment shares everything but what the sweep varies. */
export interface SweepBase {
  modelId: number;
  snapshotId: number;
  config: Record<string, unknown>;
  name?: string;
}

/** The MMPO paper's grid (mmpo-spec.md), the dialog's starting point. */
const PAPER_OBJECTIVES: PresetName[] = ['mmpo', 'mmpo-mml', 'dpo', 'simpo'];
const PAPER_BETAS = '0.01, 0.05, 0.1, 0.5';
const DEFAULT_SEEDS = '1, 2';

/** Presets whose objective has a β to vary (ORPO and SFT have none). */
const hasBeta = (preset: PresetName) => 'beta' in OBJECTIVE_SETTINGS[PRESET_SETTINGS[preset].objective];

/** A comma- or space-separated list of numbers; the error names the entry that is not one. */
export function parseList(text: string, what: string, check: (n: number) => string | null): { values: number[]; error: string | null } {
  const parts = text
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) return { values: [], error: `${what}: give at least one value.` };
  const values: number[] = [];
  for (const [i, part] of parts.entries()) {
    const n = Number(part);
    const problem = Number.isFinite(n) ? check(n) : 'is not a number';
    if (problem) return { values: [], error: `${what}: "${part}" (entry ${i + 1}) ${problem}.` };
    if (values.includes(n)) return { values: [], error: `${what}: ${part} is listed twice.` };
    values.push(n);
  }
  return { values, error: null };
}

/** One run's time from the launcher's estimate (per epoch × the run's share of epochs); null when unknown. */
function runSeconds(estimate: RunEstimate | undefined): { seconds: number; range: [number, number] | null } | null {
  if (!estimate || estimate.secondsPerEpoch === null || estimate.stepsPerEpoch <= 0) return null;
  const epochs = estimate.totalSteps / estimate.stepsPerEpoch;
  const range = estimate.secondsPerEpochRange;
  return { seconds: estimate.secondsPerEpoch * epochs, range: range ? [range[0] * epochs, range[1] * epochs] : null };
}

/**
 * Sweep (issue 19 item 1): the launcher's run as the shared settings of an
 * experiment, crossed with the objectives, β values and seeds picked here.
 * Shows how many runs that makes and roughly how long, creates it with
 * `experiments.create` and opens its page.
 */
export function SweepDialog({
  open,
  onClose,
  base,
  estimate,
}: {
  open: boolean;
  onClose: () => void;
  base: SweepBase;
  estimate: RunEstimate | undefined;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [objectives, setObjectives] = useState<Set<PresetName>>(new Set(PAPER_OBJECTIVES));
  const [betaText, setBetaText] = useState(PAPER_BETAS);
  const [seedText, setSeedText] = useState(DEFAULT_SEEDS);
  const [name, setName] = useState('');
  const betas = parseList(betaText, 'β values', (n) => (n > 0 ? null : 'must be above 0'));
  const seeds = parseList(seedText, 'Seeds', (n) => (Number.isInteger(n) && n >= 0 ? null : 'must be a whole number ≥ 0'));
  const picked = (Object.keys(PRESET_SETTINGS) as PresetName[]).filter((p) => objectives.has(p));
  const problem =
    picked.length === 0
      ? 'Objectives: pick at least one.'
      : (betas.error ?? seeds.error ?? (picked.some((p) => !hasBeta(p)) ? 'Objectives: ORPO and SFT have no β to vary.' : null));
  const count = picked.length * betas.values.length * seeds.values.length;
  const perRun = runSeconds(estimate);
  const evalSuite = base.config['evalSuite'];

  const create = useMutation({
    mutationFn: () =>
      api.call('experiments.create', {
        ...(name.trim() ? { name: name.trim() } : {}),
        modelId: base.modelId,
        snapshotId: base.snapshotId,
        config: base.config,
        vary: { objective: picked, 'objective.beta': betas.values, seed: seeds.values },
      }),
    onSuccess: (experiment) => {
      void queryClient.invalidateQueries({ queryKey: ['experiments'] });
      void queryClient.invalidateQueries({ queryKey: ['runs', 'list'] });
      navigate(`/experiments/${experiment.id}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!problem && !create.isPending) create.mutate();
  };
  const toggle = (preset: PresetName) =>
    setObjectives((current) => {
      const next = new Set(current);
      if (!next.delete(preset)) next.add(preset);
      return next;
    });

  return (
    <Dialog open={open} onClose={onClose} title="Sweep: a grid of runs" testId="sweep-dialog">
      <form className="space-y-4" onSubmit={submit}>
        <p className="text-sm text-zinc-600 dark:text-zinc-300">
          Every run shares this form’s settings, model and snapshot; each combination of the values below is one run. Each objective starts
          from its preset.
        </p>
        <fieldset className="space-y-1" data-testid="sweep-objectives">
          <legend className="text-xs font-medium text-zinc-500">Objectives</legend>
          <div className="grid grid-cols-2 gap-x-4 gap-y-1">
            {(Object.keys(PRESET_SETTINGS) as PresetName[]).map((preset) => (
              <label key={preset} className="flex items-center gap-2 text-sm" title={hasBeta(preset) ? undefined : 'Has no β to vary'}>
                <input
                  type="checkbox"
                  checked={objectives.has(preset)}
                  disabled={!hasBeta(preset) && !objectives.has(preset)}
                  onChange={() => toggle(preset)}
                  data-testid={`sweep-objective-${preset}`}
                />
                {PRESET_SETTINGS[preset].label}
              </label>
            ))}
          </div>
        </fieldset>
        <Field label="β values (comma-separated)">
          <input className={inputClass} value={betaText} onChange={(e) => setBetaText(e.target.value)} data-testid="sweep-betas" />
        </Field>
        <Field label="Seeds (comma-separated)">
          <input className={inputClass} value={seedText} onChange={(e) => setSeedText(e.target.value)} data-testid="sweep-seeds" />
        </Field>
        <Field label="Name (optional)">
          <input
            className={inputClass}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="Chosen from the grid"
            data-testid="sweep-name"
          />
        </Field>
        <div className="space-y-1 text-sm" data-testid="sweep-summary">
          {problem ? (
            <p className="text-rose-600" data-testid="sweep-problem">
              {problem}
            </p>
          ) : (
            <>
              <p className="font-medium" data-testid="sweep-count">
                {picked.length} objective{picked.length === 1 ? '' : 's'} × {betas.values.length} β × {seeds.values.length} seed
                {seeds.values.length === 1 ? '' : 's'} = {count} run{count === 1 ? '' : 's'}
              </p>
              <p className="text-zinc-500" data-testid="sweep-estimate">
                {perRun
                  ? `Training ≈ ${formatDuration(perRun.seconds * count * 1000)}${
                      perRun.range
                        ? ` (${formatDuration(perRun.range[0] * count * 1000)}–${formatDuration(perRun.range[1] * count * 1000)})`
                        : ''
                    } one run after another, from this form’s estimate of one run; evaluations at step 0 and each checkpoint come on top. The experiment’s page refines it from measured times.`
                  : 'Time: unknown until this model has trained here; the experiment’s page prices the rest from its first measured steps.'}
              </p>
              {seeds.values.length < 2 && (
                <p className="text-amber-700 dark:text-amber-300">
                  With one seed the seed-to-seed range is unknown, so every verdict will be inconclusive.
                </p>
              )}
            </>
          )}
          {(evalSuite === null || evalSuite === undefined || evalSuite === '') && (
            <p className="text-amber-700 dark:text-amber-300" data-testid="sweep-no-suite">
              Evaluation suite is off in this form: the runs will train but the report will have nothing to compare. Set one under
              Evaluation and checkpoints.
            </p>
          )}
          {create.error && (
            <p className="text-rose-600" data-testid="sweep-error">
              {create.error.message}
            </p>
          )}
        </div>
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Close</Button>
          <Button type="submit" variant="primary" disabled={problem !== null || create.isPending} data-testid="sweep-create">
            {create.isPending ? 'Creating…' : `Create ${count} run${count === 1 ? '' : 's'}`}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
