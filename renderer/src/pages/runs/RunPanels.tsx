import { useQuery } from '@tanstack/react-query';
import type { CheckpointEntry, Run, RunDiagnostic } from '../../../../shared/runs';
import { useApi } from '../../api/context';
import { jobQueries, workspaceQueries } from '../../api/queries';
import { LogView } from '../../components/LogView';
import { formatBytes, formatTime } from '../../lib/format';
import { histogram } from '../../lib/series';
import { navigate } from '../../lib/router';
import { cardClass, Detail } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { Table, type Column } from '../../components/Table';
import { ImportTrlRun } from './ImportTrlRun';
import { shortHash } from './run-format';

/** Where the run came from: enough to reproduce it (mmpo-spec.md: record the micro-batch, the snapshot, the model hash). */
export function Provenance({ run }: { run: Run }) {
  const api = useApi();
  // Before its worker starts, a run has no backend of its own: say which one the studio will use (detected without loading it).
  const { data: info } = useQuery({ ...workspaceQueries.info(api), enabled: run.backend === null });
  const { model: _model, ...config } = run.config;
  return (
    <section className={`${cardClass} p-4`} data-testid="run-provenance">
      <dl className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Detail label="Model" title={run.modelHash ?? undefined} className="truncate">
          {run.modelName} <span className="font-mono text-xs text-zinc-500">{shortHash(run.modelHash)}</span>
        </Detail>
        <Detail label="Snapshot" title={run.snapshotHash} className="truncate">
          {run.datasetName} · {run.snapshotName} <span className="font-mono text-xs text-zinc-500">{shortHash(run.snapshotHash)}</span>
        </Detail>
        <Detail label="Pairs (train / test)" className="truncate">
          {run.trainPairs} / {run.testPairs}
        </Detail>
        <Detail label="Backend · studio" className="truncate">
          <span data-testid="run-backend">{run.backend ?? (info ? `${info.backend.name} (when it starts)` : '…')}</span> · v{run.appVersion}
        </Detail>
        <Detail label="Created" className="truncate">
          {formatTime(run.createdAt)}
        </Detail>
        <Detail label="Started" className="truncate">
          {formatTime(run.startedAt)}
        </Detail>
        <Detail label="Finished" className="truncate">
          {formatTime(run.finishedAt)}
        </Detail>
        <Detail label="Folder" title={run.dir} className="truncate">
          <span className="font-mono text-xs">{run.dir}</span>
        </Detail>
      </dl>
      {run.imported && (
        <div className="mt-2 flex flex-wrap items-center gap-2 text-xs text-zinc-500" data-testid="run-imported-from">
          <span>
            Trained elsewhere with TRL; imported from <span className="font-mono">{run.imported.sourceDir}</span>
            {run.imported.snapshotMatched
              ? '.'
              : run.imported.snapshotHash
                ? ` on a snapshot not in this workspace (content hash ${shortHash(run.imported.snapshotHash)}).`
                : ' without an export manifest, so on no known snapshot.'}
          </span>
          <ImportTrlRun initialDir={run.imported.sourceDir} label="Import again" />
        </div>
      )}
      {run.rerunOf !== null && (
        <p className="mt-2 text-xs text-zinc-500">
          Re-run of{' '}
          <button
            type="button"
            className="text-indigo-600 hover:underline dark:text-indigo-400"
            onClick={() => navigate(`/runs/${run.rerunOf}`)}
          >
            run #{run.rerunOf}
          </button>
        </p>
      )}
      <details className="mt-3">
        <summary className="cursor-pointer text-xs font-medium text-zinc-500">Config (JSON)</summary>
        <pre className="mt-2 max-h-80 overflow-auto rounded-md bg-zinc-50 p-3 font-mono text-xs dark:bg-zinc-950" data-testid="run-config">
          {JSON.stringify(config, null, 2)}
        </pre>
      </details>
    </section>
  );
}

const BINS = 10;

/** MMPO's w_w for each pair of the latest step (M4): near 0/1 means one-hot weights. It splits the update only when λ_pair = 0 (the charts' hint says how to read it). */
export function WeightHistogram({ data }: { data: { step: number; weights: number[] } | null | undefined }) {
  if (!data || data.weights.length === 0) return null;
  const counts = histogram(data.weights, BINS);
  const max = Math.max(...counts, 1);
  const mean = data.weights.reduce((a, b) => a + b, 0) / data.weights.length;
  return (
    <figure className={`${cardClass} p-3`} data-testid="weight-histogram">
      <figcaption className="mb-2 flex justify-between text-sm">
        <span className="font-medium">Chosen weight w_w per pair</span>
        <span className="text-xs text-zinc-500 tabular-nums">
          step {data.step} · {data.weights.length} pairs · mean {mean.toFixed(2)}
        </span>
      </figcaption>
      <div className="flex h-24 items-end gap-0.5" aria-label="Distribution of w_w from 0 to 1">
        {counts.map((c, i) => (
          <div
            key={i}
            className="flex-1 rounded-t bg-emerald-500/80"
            style={{ height: `${(c / max) * 100}%`, minHeight: c > 0 ? 2 : 0 }}
            title={`${(i / BINS).toFixed(1)}–${((i + 1) / BINS).toFixed(1)}: ${c}`}
          />
        ))}
      </div>
      <div className="mt-1 flex justify-between text-xs text-zinc-500">
        <span>0 (model favours rejected)</span>
        <span>1 (favours chosen)</span>
      </div>
    </figure>
  );
}

const DIAGNOSTIC_STYLE: Record<RunDiagnostic['level'], string> = {
  info: 'border-sky-200 bg-sky-50 text-sky-900 dark:border-sky-900 dark:bg-sky-950 dark:text-sky-100',
  warn: 'border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100',
  error: 'border-rose-300 bg-rose-50 text-rose-900 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-100',
};

export function Diagnostics({ items, steps }: { items: RunDiagnostic[] | undefined; steps: number }) {
  return (
    <section data-testid="run-diagnostics">
      <h2 className="mb-2 text-sm font-semibold">What the metrics say</h2>
      {!items || items.length === 0 ? (
        <EmptyState>{steps < 10 ? 'Checks start after 10 steps.' : 'Nothing unusual so far.'}</EmptyState>
      ) : (
        <ul className="space-y-2">
          {items.map((d) => (
            <li
              key={`${d.code}-${d.step ?? ''}`}
              className={`rounded-lg border p-3 text-sm ${DIAGNOSTIC_STYLE[d.level]}`}
              data-testid="diagnostic"
              data-level={d.level}
            >
              <span className="mr-2 text-xs font-semibold uppercase">{d.level === 'warn' ? 'warning' : d.level}</span>
              {d.message}
              {d.step !== null && <span className="ml-1 text-xs opacity-70">(step {d.step})</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The run's job log, live: the same lines `studio train` prints (steps, evals, checkpoints, warnings), with follow and search. */
export function LogTail({ jobId }: { jobId: number }) {
  const api = useApi();
  const { data: lines = [] } = useQuery({ ...jobQueries.logs(api, jobId), enabled: jobId > 0 });
  return (
    <section>
      <h2 className="mb-2 text-sm font-semibold">Log</h2>
      <LogView lines={lines} testId="run-log" />
    </section>
  );
}

const CHECKPOINT_COLUMNS: Column<CheckpointEntry>[] = [
  { header: 'Step', align: 'right', className: 'tabular-nums', cell: (c) => c.step },
  { header: 'Epoch', align: 'right', className: 'tabular-nums', cell: (c) => c.epoch.toFixed(2) },
  { header: 'Size', align: 'right', className: 'whitespace-nowrap tabular-nums', cell: (c) => formatBytes(c.bytes) },
  {
    header: 'Folder',
    cell: (c) => (
      <div className="max-w-xs truncate font-mono text-xs text-zinc-500 xl:max-w-md" title={c.path}>
        {c.path}
      </div>
    ),
  },
];

export function Checkpoints({ items }: { items: CheckpointEntry[] | undefined }) {
  return (
    <section>
      <h2 className="mb-2 text-sm font-semibold">Checkpoints</h2>
      <Table
        columns={CHECKPOINT_COLUMNS}
        rows={items ?? []}
        rowKey={(c) => c.step}
        empty="None yet."
        density="compact"
        testId="run-checkpoints"
        rowTestId="checkpoint-row"
      />
    </section>
  );
}
