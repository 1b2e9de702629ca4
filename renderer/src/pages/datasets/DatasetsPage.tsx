import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useApi } from '../../api/context';
import { datasetQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { formatTime } from '../../lib/format';
import { navigate } from '../../lib/router';
import { useRowNavigation } from '../../lib/row-navigation';
import { ImportDialog } from './ImportDialog';
import { formatCount, inputClass, Label } from './ui';

function CreateDatasetDialog({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useMutation({
    mutationFn: () => api.call('datasets.create', { name: name.trim(), ...(description.trim() ? { description: description.trim() } : {}) }),
    onSuccess: (dataset) => {
      void queryClient.invalidateQueries({ queryKey: ['datasets', 'list'] });
      onClose();
      navigate(`/datasets/${dataset.id}`);
    },
  });
  return (
    <Dialog open onClose={onClose} title="New dataset" testId="create-dataset-dialog">
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) create.mutate();
        }}
      >
        <Label text="Name">
          <input className={inputClass} value={name} onChange={(e) => setName(e.target.value)} autoFocus data-testid="dataset-name" />
        </Label>
        <Label text="Description (optional)">
          <textarea className={inputClass} rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />
        </Label>
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" disabled={!name.trim() || create.isPending}>
            Create
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

export function DatasetsPage() {
  const api = useApi();
  const { data: datasets = [], isLoading } = useQuery(datasetQueries.list(api));
  const rows = useRowNavigation<HTMLTableSectionElement>(datasets.length > 0);
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);
  return (
    <div className="max-w-5xl space-y-4">
      <div className="flex items-center justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold">Datasets</h1>
          <p className="mt-1 text-sm text-zinc-500">Preference pairs to curate, freeze as snapshots and train on.</p>
        </div>
        <div className="flex gap-2">
          <Button onClick={() => setCreating(true)} data-testid="create-dataset">
            New dataset
          </Button>
          <Button variant="primary" onClick={() => setImporting(true)} data-testid="import-button">
            Import file…
          </Button>
        </div>
      </div>
      {isLoading ? null : datasets.length === 0 ? (
        <p className="text-sm text-zinc-500">No datasets yet. Import a JSONL, JSON, CSV/TSV or Parquet file of preference pairs to start.</p>
      ) : (
        <table className="w-full text-sm" data-testid="datasets-table">
          <thead className="text-left text-xs text-zinc-500 uppercase">
            <tr>
              <th className="py-2 pr-3">Name</th>
              <th className="py-2 pr-3 text-right">Records</th>
              <th className="py-2 pr-3 text-right">Train</th>
              <th className="py-2 pr-3 text-right">Test</th>
              <th className="py-2">Updated</th>
            </tr>
          </thead>
          <tbody ref={rows.ref} onKeyDown={rows.onKeyDown} className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {datasets.map((d) => (
              <tr
                key={d.id}
                tabIndex={0}
                data-nav-row
                data-testid="dataset-row"
                className="cursor-pointer hover:bg-zinc-100 focus:bg-indigo-50 focus:outline-none dark:hover:bg-zinc-900 dark:focus:bg-indigo-950"
                onClick={() => navigate(`/datasets/${d.id}`)}
                onKeyDown={(e) => e.key === 'Enter' && navigate(`/datasets/${d.id}`)}
              >
                <td className="py-2 pr-3">
                  <div className="font-medium">{d.name}</div>
                  {d.description && <div className="max-w-xl truncate text-xs text-zinc-500">{d.description}</div>}
                </td>
                <td className="py-2 pr-3 text-right tabular-nums">{formatCount(d.recordCount)}</td>
                <td className="py-2 pr-3 text-right tabular-nums">{formatCount(d.trainCount)}</td>
                <td className="py-2 pr-3 text-right tabular-nums">{formatCount(d.testCount)}</td>
                <td className="py-2 whitespace-nowrap text-zinc-500">{formatTime(d.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating && <CreateDatasetDialog onClose={() => setCreating(false)} />}
      {importing && <ImportDialog onClose={() => setImporting(false)} />}
    </div>
  );
}
