import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { RecordFilter, Split } from '../../../../shared/datasets';
import { ExportFormat } from '../../../../shared/datasets';
import { useApi } from '../../api/context';
import { datasetQueries, invalidateDataset } from '../../api/queries';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { isEmptyFilter } from './filters';
import { shortHash } from './text';
import { formatCount, inputClass, Label, Stat } from './ui';

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
          Records are assigned by a seeded hash of their prompt, so the same seed always gives the same split and a prompt never sits on both sides.
        </p>
        <div className="flex gap-3">
          <Label text="Test fraction (0–0.9)">
            <input className={`${inputClass} w-28`} type="number" min={0} max={0.9} step={0.05} value={testFraction} onChange={(e) => setTestFraction(e.target.value)} data-testid="split-fraction" />
          </Label>
          <Label text="Seed">
            <input className={`${inputClass} w-28`} type="number" step={1} value={seed} onChange={(e) => setSeed(e.target.value)} data-testid="split-seed" />
          </Label>
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

export function SnapshotDialog({ datasetId, filter, onClose }: { datasetId: number; filter: RecordFilter; onClose: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const filtered = !isEmptyFilter(filter);
  const [scope, setScope] = useState<'all' | 'filter'>('all');
  const create = useMutation({
    mutationFn: () => api.call('snapshots.create', { datasetId, ...(name.trim() ? { name: name.trim() } : {}), ...(scope === 'filter' ? { filter } : {}) }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['datasets', datasetId, 'snapshots'] }),
  });
  const snap = create.data;
  return (
    <Dialog open onClose={onClose} title="Freeze a snapshot" testId="snapshot-dialog">
      <div className="space-y-3">
        <p className="text-sm text-zinc-500">A snapshot is an immutable, content-hashed copy of the records that training runs reference.</p>
        <Label text="Name">
          <input className={inputClass} value={name} onChange={(e) => setName(e.target.value)} placeholder="v1" data-testid="snapshot-name" />
        </Label>
        <fieldset className="space-y-1 text-sm">
          <label className="flex items-center gap-2">
            <input type="radio" checked={scope === 'all'} onChange={() => setScope('all')} /> Every record of the dataset
          </label>
          <label className={`flex items-center gap-2 ${filtered ? '' : 'text-zinc-400'}`}>
            <input type="radio" checked={scope === 'filter'} disabled={!filtered} onChange={() => setScope('filter')} data-testid="snapshot-scope-filter" /> Only the
            records matching the current filter
          </label>
        </fieldset>
        {snap && (
          <div className="rounded-lg bg-zinc-50 p-3 text-sm dark:bg-zinc-800/50" data-testid="snapshot-result">
            Frozen <span className="font-medium">{snap.name}</span>: {formatCount(snap.recordCount)} records ({formatCount(snap.trainCount)} train,{' '}
            {formatCount(snap.testCount)} test), hash <span className="font-mono">{shortHash(snap.contentHash)}</span>
          </div>
        )}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>{snap ? 'Close' : 'Cancel'}</Button>
          <Button variant="primary" onClick={() => create.mutate()} disabled={create.isPending || !!snap} data-testid="snapshot-run">
            Freeze
          </Button>
        </div>
      </div>
    </Dialog>
  );
}

export function ExportDialog({ datasetId, filter, snapshotId, onClose }: { datasetId: number; filter: RecordFilter; snapshotId?: number; onClose: () => void }) {
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
        <Label text="What">
          <select className={inputClass} value={source} onChange={(e) => setSource(e.target.value)} data-testid="export-source">
            <option value="">{isEmptyFilter(filter) ? 'The whole dataset as it is now' : 'The current filtered view'}</option>
            {snapshots.map((s) => (
              <option key={s.id} value={s.id}>
                Snapshot {s.name} ({formatCount(s.recordCount)} records, {shortHash(s.contentHash)})
              </option>
            ))}
          </select>
        </Label>
        <div className="flex gap-3">
          <Label text="Format">
            <select className={inputClass} value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)} data-testid="export-format">
              {ExportFormat.options.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </Label>
          <Label text="Split">
            <select className={inputClass} value={split} onChange={(e) => setSplit(e.target.value as Split | '')} data-testid="export-split">
              <option value="">All records</option>
              <option value="train">train only</option>
              <option value="test">test only</option>
            </select>
          </Label>
        </div>
        {result && (
          <div className="rounded-lg bg-zinc-50 p-3 text-sm dark:bg-zinc-800/50" data-testid="export-result">
            Wrote {formatCount(result.count)} records to <span className="font-mono break-all" data-testid="export-path">{result.path}</span>
            {download && (
              <div className="mt-2">
                <a href={download} download={result.downloadName ?? undefined} className="text-indigo-600 hover:underline dark:text-indigo-400" data-testid="export-download">
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
