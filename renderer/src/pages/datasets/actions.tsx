import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { RecordFilter, Snapshot, Split } from '../../../../shared/datasets';
import { ExportFormat } from '../../../../shared/datasets';
import { TERMINAL_STATUSES, type Job } from '../../../../shared/jobs';
import { useApi } from '../../api/context';
import { datasetQueries, invalidateDataset, jobQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { JobStatusBadge } from '../../components/Badge';
import { ProgressBar } from '../../components/ProgressBar';
import { isEmptyFilter } from './filters';
import { shortHash } from './text';
import { formatCount } from '../../lib/format';
import { Field, inputClass } from '../../components/Field';
import { SplitFields } from './SplitFields';
import { Stat } from '../../components/Card';

export function SplitDialog({ datasetId, onClose }: { datasetId: number; onClose: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [testFraction, setTestFraction] = useState('0.1');
  const [seed, setSeed] = useState('42');
  const split = useMutation({
    mutationFn: () => api.call('datasets.split', { datasetId, testFraction: Number(testFraction), seed: Number.parseInt(seed, 10) }),
    onSuccess: () => void invalidateDataset(queryClient, datasetId),
  });
  return (
    <Dialog open onClose={onClose} title="Split into train and test" testId="split-dialog">
      <div className="space-y-3">
        <p className="text-sm text-zinc-500">
          Records are assigned by a seeded hash of their prompt, so the same seed always gives the same split and a prompt never sits on
          both sides.
        </p>
        <div className="flex gap-3">
          <SplitFields
            testFraction={testFraction}
            seed={seed}
            onTestFraction={setTestFraction}
            onSeed={setSeed}
            minFraction={0}
            testIdPrefix="split"
          />
        </div>
        {split.data && (
          <div className="flex gap-8 rounded-lg bg-zinc-50 p-3 dark:bg-zinc-800/50" data-testid="split-result">
            <Stat label="Train" value={formatCount(split.data.train)} testId="split-train" />
            <Stat label="Test" value={formatCount(split.data.test)} testId="split-test" />
            <Stat label="Prompt overlap" value={formatCount(split.data.overlapping)} testId="split-overlap" />
          </div>
        )}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>{split.data ? 'Close' : 'Cancel'}</Button>
          <Button variant="primary" onClick={() => split.mutate()} disabled={split.isPending} data-testid="split-run">
            Split
          </Button>
        </div>
      </div>
    </Dialog>
  );
}

/** A job as it changes: events keep it current; polling while it runs is a safety net for an event missed during a reconnect. */
export function useLiveJob(jobId: number | null): Job | undefined {
  const api = useApi();
  const { data } = useQuery({
    ...jobQueries.detail(api, jobId ?? 0),
    enabled: jobId !== null,
    refetchInterval: (q) => (q.state.data && TERMINAL_STATUSES.includes(q.state.data.status) ? false : 2000),
  });
  return jobId === null ? undefined : data;
}

export const isActive = (job: Pick<Job, 'status'> | null | undefined) => job?.status === 'queued' || job?.status === 'running';

/** A dataset job's progress, what it is doing, and a button to cancel it while it runs. */
export function JobProgress({ job, label, testId }: { job: Job; label: string; testId: string }) {
  const api = useApi();
  const cancel = useMutation({ mutationFn: () => api.call('jobs.cancel', { id: job.id }) });
  const note = job.status === 'queued' ? job.queueReason : job.progressMessage;
  return (
    <div className="space-y-1" data-testid={testId} data-status={job.status}>
      <div className="flex items-center gap-2">
        <div className="min-w-0 flex-1">
          <ProgressBar value={job.progress} status={job.status} label={label} />
        </div>
        <JobStatusBadge job={job} />
        {isActive(job) && (
          <Button
            variant="ghost"
            className="!px-2 !py-0.5 text-xs"
            onClick={() => cancel.mutate()}
            disabled={cancel.isPending}
            data-testid={`${testId}-cancel`}
          >
            Cancel
          </Button>
        )}
      </div>
      {note && <p className="text-xs text-zinc-500">{note}</p>}
      {job.error && job.status !== 'succeeded' && (
        <p className="rounded-md bg-rose-50 p-2 text-sm text-rose-800 dark:bg-rose-950 dark:text-rose-200" data-testid={`${testId}-error`}>
          {job.error.message}
        </p>
      )}
    </div>
  );
}

/** Freezing runs as a job in a worker process: the dialog shows its progress and can cancel it (a cancelled snapshot leaves nothing). */
export function SnapshotDialog({ datasetId, filter, onClose }: { datasetId: number; filter: RecordFilter; onClose: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const filtered = !isEmptyFilter(filter);
  const [scope, setScope] = useState<'all' | 'filter'>('all');
  const [jobId, setJobId] = useState<number | null>(null);
  const create = useMutation({
    mutationFn: () =>
      api.call('snapshots.start', { datasetId, ...(name.trim() ? { name: name.trim() } : {}), ...(scope === 'filter' ? { filter } : {}) }),
    onSuccess: (job) => {
      // Seed the job's cache entry: a fetch racing the job's own events could otherwise overwrite a newer state with an older one.
      queryClient.setQueryData(jobQueries.detail(api, job.id).queryKey, (current) => current ?? job);
      setJobId(job.id);
    },
  });
  const job = useLiveJob(jobId);
  const snap = job?.status === 'succeeded' ? (job.result as Snapshot) : null;
  useEffect(() => {
    if (snap) void queryClient.invalidateQueries({ queryKey: ['datasets', datasetId, 'snapshots'] });
  }, [snap, datasetId, queryClient]);
  return (
    <Dialog open onClose={onClose} title="Freeze a snapshot" testId="snapshot-dialog">
      <div className="space-y-3">
        <p className="text-sm text-zinc-500">
          A snapshot is an immutable, content-hashed copy of the records that training runs reference.
        </p>
        <Field label="Name">
          <input
            className={inputClass}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="v1"
            data-testid="snapshot-name"
          />
        </Field>
        <fieldset className="space-y-1 text-sm">
          <label className="flex items-center gap-2">
            <input type="radio" checked={scope === 'all'} onChange={() => setScope('all')} /> Every record of the dataset
          </label>
          <label className={`flex items-center gap-2 ${filtered ? '' : 'text-zinc-400'}`}>
            <input
              type="radio"
              checked={scope === 'filter'}
              disabled={!filtered}
              onChange={() => setScope('filter')}
              data-testid="snapshot-scope-filter"
            />{' '}
            Only the records matching the current filter
          </label>
        </fieldset>
        {job && !snap && <JobProgress job={job} label="Snapshot progress" testId="snapshot-job" />}
        {create.error && <p className="text-sm text-rose-700 dark:text-rose-300">{create.error.message}</p>}
        {snap && (
          <div className="rounded-lg bg-zinc-50 p-3 text-sm dark:bg-zinc-800/50" data-testid="snapshot-result">
            Frozen <span className="font-medium">{snap.name}</span>: {formatCount(snap.recordCount)} records ({formatCount(snap.trainCount)}{' '}
            train, {formatCount(snap.testCount)} test), hash <span className="font-mono">{shortHash(snap.contentHash)}</span>
          </div>
        )}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>{snap ? 'Close' : isActive(job) ? 'Hide' : 'Cancel'}</Button>
          <Button
            variant="primary"
            onClick={() => create.mutate()}
            disabled={create.isPending || isActive(job) || !!snap}
            data-testid="snapshot-run"
          >
            Freeze
          </Button>
        </div>
      </div>
    </Dialog>
  );
}

export function ExportDialog({
  datasetId,
  filter,
  snapshotId,
  onClose,
}: {
  datasetId: number;
  filter: RecordFilter;
  snapshotId?: number;
  onClose: () => void;
}) {
  const api = useApi();
  const { data: snapshots = [] } = useQuery(datasetQueries.snapshots(api, datasetId));
  // '' = the current (filtered) view; otherwise a snapshot id.
  const [source, setSource] = useState(snapshotId !== undefined ? String(snapshotId) : '');
  const [format, setFormat] = useState<ExportFormat>('trl-jsonl');
  const [split, setSplit] = useState<Split | ''>('');
  const run = useMutation({
    mutationFn: () =>
      api.call('datasets.export', {
        ...(source ? { snapshotId: Number(source) } : { datasetId, ...(isEmptyFilter(filter) ? {} : { filter }) }),
        format,
        ...(split ? { split } : {}),
      }),
  });
  const result = run.data;
  const download = result?.downloadName ? api.downloadUrl(result.downloadName) : null;
  return (
    <Dialog open onClose={onClose} title="Export" testId="export-dialog">
      <div className="space-y-3">
        <Field label="What">
          <select className={inputClass} value={source} onChange={(e) => setSource(e.target.value)} data-testid="export-source">
            <option value="">{isEmptyFilter(filter) ? 'The whole dataset as it is now' : 'The current filtered view'}</option>
            {snapshots.map((s) => (
              <option key={s.id} value={s.id}>
                Snapshot {s.name} ({formatCount(s.recordCount)} records, {shortHash(s.contentHash)})
              </option>
            ))}
          </select>
        </Field>
        <div className="flex gap-3">
          <Field label="Format">
            <select
              className={inputClass}
              value={format}
              onChange={(e) => setFormat(e.target.value as ExportFormat)}
              data-testid="export-format"
            >
              {ExportFormat.options.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Split">
            <select
              className={inputClass}
              value={split}
              onChange={(e) => setSplit(e.target.value as Split | '')}
              data-testid="export-split"
            >
              <option value="">All records</option>
              <option value="train">train only</option>
              <option value="test">test only</option>
            </select>
          </Field>
        </div>
        {result && (
          <div className="rounded-lg bg-zinc-50 p-3 text-sm dark:bg-zinc-800/50" data-testid="export-result">
            Wrote {formatCount(result.count)} records to{' '}
            <span className="font-mono break-all" data-testid="export-path">
              {result.path}
            </span>
            {download && (
              <div className="mt-2">
                <a
                  href={download}
                  download={result.downloadName ?? undefined}
                  className="text-indigo-600 hover:underline dark:text-indigo-400"
                  data-testid="export-download"
                >
                  Download {result.downloadName}
                </a>
              </div>
            )}
          </div>
        )}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>{result ? 'Close' : 'Cancel'}</Button>
          <Button variant="primary" onClick={() => run.mutate()} disabled={run.isPending} data-testid="export-run">
            Export
          </Button>
        </div>
      </div>
    </Dialog>
  );
}
