import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Dataset } from '../../../../shared/datasets';
import { useApi } from '../../api/context';
import { datasetQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { Field, inputClass } from '../../components/Field';
import { Table, type Column } from '../../components/Table';
import { formatCount, formatTime } from '../../lib/format';
import { navigate } from '../../lib/router';
import { ImportDialog } from './ImportDialog';

function CreateDatasetDialog({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useMutation({
    mutationFn: () =>
      api.call('datasets.create', { name: name.trim(), ...(description.trim() ? { description: description.trim() } : {}) }),
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
        <Field label="Name">
          <input className={inputClass} value={name} onChange={(e) => setName(e.target.value)} autoFocus data-testid="dataset-name" />
        </Field>
        <Field label="Description (optional)">
          <textarea className={inputClass} rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
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

const DATASET_COLUMNS: Column<Dataset>[] = [
  {
    header: 'Name',
    cell: (d) => (
      <>
        <div className="font-medium">{d.name}</div>
        {d.description && <div className="max-w-xl truncate text-xs text-zinc-500">{d.description}</div>}
      </>
    ),
  },
  { header: 'Records', align: 'right', className: 'tabular-nums', cell: (d) => formatCount(d.recordCount) },
  { header: 'Train', align: 'right', className: 'tabular-nums', cell: (d) => formatCount(d.trainCount) },
  { header: 'Test', align: 'right', className: 'tabular-nums', cell: (d) => formatCount(d.testCount) },
  { header: 'Updated', className: 'whitespace-nowrap text-zinc-500', cell: (d) => formatTime(d.updatedAt) },
];

export function DatasetsPage() {
  const api = useApi();
  const { data: datasets = [], isLoading } = useQuery(datasetQueries.list(api));
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
      <Table
        columns={DATASET_COLUMNS}
        rows={datasets}
        rowKey={(d) => d.id}
        loading={isLoading}
        empty="No datasets yet. Import a JSONL, JSON, CSV/TSV or Parquet file of preference pairs to start."
        testId="datasets-table"
        rowTestId="dataset-row"
        onOpen={(d) => navigate(`/datasets/${d.id}`)}
      />
      {creating && <CreateDatasetDialog onClose={() => setCreating(false)} />}
      {importing && <ImportDialog onClose={() => setImporting(false)} />}
    </div>
  );
}
