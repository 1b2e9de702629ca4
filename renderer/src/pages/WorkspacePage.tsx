import { useMutation, useQuery } from '@tanstack/react-query';
import { useApi } from '../api/context';
import { workspaceQueries } from '../api/queries';
import { Button } from '../components/Button';
import { formatBytes, formatTime } from '../lib/format';
import { ui } from '../lib/ui-store';
import { EmptyState } from '../components/EmptyState';
import { cardClass, Detail } from '../components/Card';

function Field({ label, value, mono = false }: { label: string; value: string; mono?: boolean }) {
  return (
    <Detail label={label} className={`break-all ${mono ? 'font-mono' : ''}`}>
      {value}
    </Detail>
  );
}

export function WorkspacePage() {
  const api = useApi();
  const { data: info } = useQuery(workspaceQueries.info(api));
  const selfTest = useMutation({
    mutationFn: () => api.call('jobs.startSelfTest', { steps: 20, stepMs: 150 }),
    onSuccess: () => ui.toggleJobsPanel(true),
  });
  if (!info) return <EmptyState>Loading workspace…</EmptyState>;
  return (
    <div className="max-w-4xl space-y-6">
      <header>
        <h1 className="text-xl font-semibold">Workspace</h1>
        <p className="mt-1 text-sm text-zinc-500">
          Everything the studio keeps — datasets, runs, checkpoints — lives in this folder: one SQLite file plus an artifacts folder.
        </p>
      </header>
      <section className={`${cardClass} p-5`} data-testid="workspace-info">
        <dl className="grid grid-cols-1 gap-4 sm:grid-cols-2">
          <Field label="Folder" value={info.path} mono />
          <Field label="Database" value={info.dbPath} mono />
          <Field label="Artifacts" value={info.artifactsPath} mono />
          <Field label="Size on disk" value={formatBytes(info.sizeBytes)} />
          <Field label="Schema version" value={String(info.schemaVersion)} />
          <Field label="Studio version" value={info.appVersion} />
          <Field label="Created" value={formatTime(info.createdAt)} />
          <Field label="Tensor backend" value={`${info.backend.name} — ${info.backend.detail}`} />
          {Object.entries(info.counts).map(([k, v]) => (
            <Field key={k} label={k} value={String(v)} />
          ))}
        </dl>
      </section>
      <section className={`${cardClass} p-5`}>
        <h2 className="text-sm font-semibold">Diagnostics</h2>
        <p className="mt-1 text-sm text-zinc-500">
          The self-test runs a short job in a separate worker process — the same path training and evaluation take — and reports its
          progress here and in the jobs panel.
        </p>
        <Button variant="primary" className="mt-3" onClick={() => selfTest.mutate()} disabled={selfTest.isPending}>
          Run self-test
        </Button>
      </section>
    </div>
  );
}
