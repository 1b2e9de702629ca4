import type { RunEstimate } from '../../../../shared/runs';
import { formatBytes, formatCount, formatDuration } from '../../lib/format';
import { EmptyState } from '../../components/EmptyState';

function Row({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="flex justify-between gap-3">
      <dt className="text-zinc-500">{label}</dt>
      <dd className="text-right font-medium tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

/** What the run will cost, from `runs.estimate`, and every problem that blocks the launch. */
export function EstimatePanel({
  estimate,
  pending,
  epochs,
}: {
  estimate: RunEstimate | undefined;
  pending: boolean;
  epochs: number | null;
}) {
  if (!estimate) return <EmptyState>{pending ? 'Estimating…' : 'Choose a model and a snapshot.'}</EmptyState>;
  // With issues the arithmetic was not done: show dashes, not zeros.
  const count = (n: number) => (estimate.effectiveBatch === 0 ? '—' : formatCount(n));
  // Whole-run figures scale the per-epoch ones by the run's share of epochs (maxSteps may stop mid-epoch).
  const epochsOfRun = estimate.stepsPerEpoch > 0 ? estimate.totalSteps / estimate.stepsPerEpoch : null;
  const total = estimate.secondsPerEpoch !== null && epochsOfRun !== null ? estimate.secondsPerEpoch * epochsOfRun : null;
  const range = (scale: number) =>
    estimate.secondsPerEpochRange
      ? ` (${formatDuration(estimate.secondsPerEpochRange[0] * scale * 1000)}–${formatDuration(estimate.secondsPerEpochRange[1] * scale * 1000)})`
      : '';
  return (
    <div className={`space-y-3 text-sm transition-opacity ${pending ? 'opacity-60' : ''}`} data-testid="launch-estimate">
      <dl className="space-y-1">
        <Row label="Pairs (train / test)" value={`${formatCount(estimate.trainPairs)} / ${formatCount(estimate.testPairs)}`} />
        <Row label="Effective batch" value={count(estimate.effectiveBatch)} testId="estimate-effective-batch" />
        <Row label="Steps per epoch" value={count(estimate.stepsPerEpoch)} testId="estimate-steps-per-epoch" />
        <Row label="Total steps" value={count(estimate.totalSteps)} testId="estimate-total-steps" />
        {epochs !== null && <Row label="Epochs" value={String(epochs)} />}
        <Row label="Memory" value={estimate.memoryBytes > 0 ? formatBytes(estimate.memoryBytes) : '—'} testId="estimate-memory" />
        <Row
          label="Time per epoch"
          value={estimate.secondsPerEpoch === null ? 'unknown' : `${formatDuration(estimate.secondsPerEpoch * 1000)}${range(1)}`}
          testId="estimate-time"
        />
        {total !== null && (
          <Row label="Whole run" value={`≈ ${formatDuration(total * 1000)}${range(epochsOfRun!)}`} testId="estimate-total-time" />
        )}
      </dl>
      {estimate.timeBasis && <p className="text-xs text-zinc-500">Time: {estimate.timeBasis}.</p>}
      {estimate.needsReference && (
        <p className="text-xs text-zinc-500" data-testid="estimate-reference">
          {estimate.referenceCached
            ? 'Reference log-probs for this model and snapshot are cached: the run starts training at once.'
            : 'Reference log-probs are computed once before the first step, then cached for later runs on the same data.'}
        </p>
      )}
      {estimate.memoryProblem && (
        <p
          className="rounded-md bg-rose-50 p-2 text-xs text-rose-800 dark:bg-rose-950 dark:text-rose-200"
          data-testid="estimate-memory-problem"
        >
          {estimate.memoryProblem}
        </p>
      )}
      {estimate.issues.length > 0 && (
        <ul
          className="space-y-1 rounded-md bg-rose-50 p-2 text-xs text-rose-800 dark:bg-rose-950 dark:text-rose-200"
          data-testid="estimate-issues"
        >
          {estimate.issues.map((i) => (
            <li key={`${i.path}:${i.message}`}>
              <span className="font-mono">{i.path || 'config'}</span>: {i.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
