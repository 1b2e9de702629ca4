import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useApi } from '../../api/context';
import { datasetQueries } from '../../api/queries';
import { formatCount, formatTime } from '../../lib/format';
import { ImportReportView } from './ImportReportView';
import { cardClass } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';

function FullReport({ id }: { id: number }) {
  const api = useApi();
  const { data } = useQuery(datasetQueries.importReport(api, id));
  return data ? <ImportReportView report={data} /> : <EmptyState>Loading…</EmptyState>;
}

/** Every import into the dataset, newest first; open one to read its full report. */
export function ImportsTab({ datasetId }: { datasetId: number }) {
  const api = useApi();
  const { data: imports = [], isLoading } = useQuery(datasetQueries.imports(api, datasetId));
  const [open, setOpen] = useState<number | null>(null);
  if (isLoading) return null;
  if (imports.length === 0) return <EmptyState>No imports into this dataset yet.</EmptyState>;
  return (
    <ul className="space-y-2 overflow-y-auto" data-testid="imports-list">
      {imports.map((r) => (
        <li key={r.id} className={cardClass}>
          <button
            type="button"
            className="flex w-full items-center justify-between gap-3 px-4 py-2 text-left text-sm focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
            aria-expanded={open === r.id}
            onClick={() => setOpen(open === r.id ? null : r.id)}
            data-testid="import-item"
          >
            <span className="min-w-0 truncate">
              <span className="font-mono">{r.file}</span>{' '}
              <span className="text-zinc-500">
                · {r.format ?? '?'} · {formatTime(r.createdAt)}
              </span>
            </span>
            <span className="shrink-0 text-xs tabular-nums">
              {formatCount(r.imported)} imported ·{' '}
              <span className={r.rejected > 0 ? 'text-rose-600 dark:text-rose-400' : ''}>{formatCount(r.rejected)} rejected</span> ·{' '}
              {r.status}
            </span>
          </button>
          {open === r.id && (
            <div className="border-t border-zinc-200 p-4 dark:border-zinc-800">
              <FullReport id={r.id} />
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}
