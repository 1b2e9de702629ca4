import { useMutation } from '@tanstack/react-query';
import type { ImportError, ImportReport } from '../../../../shared/datasets';
import { useApi } from '../../api/context';
import { Button } from '../../components/Button';
import { formatTime } from '../../lib/format';
import { formatCount, Stat } from './ui';

export function ImportErrorsTable({ errors, testId = 'import-errors' }: { errors: ImportError[]; testId?: string }) {
  if (errors.length === 0) return null;
  return (
    <div className="max-h-72 overflow-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
      <table className="w-full text-xs" data-testid={testId}>
        <thead className="sticky top-0 bg-zinc-50 text-left text-zinc-500 uppercase dark:bg-zinc-900">
          <tr>
            <th className="px-2 py-1.5">File</th>
            <th className="px-2 py-1.5 text-right">Line</th>
            <th className="px-2 py-1.5 text-right">Row</th>
            <th className="px-2 py-1.5">Field</th>
            <th className="px-2 py-1.5">Reason</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {errors.map((e, i) => (
            <tr key={i} data-testid="import-error-row" className={e.severity === 'warning' ? 'text-amber-700 dark:text-amber-300' : ''}>
              <td className="px-2 py-1 font-mono">{e.file}</td>
              <td className="px-2 py-1 text-right tabular-nums" data-testid="import-error-line">
                {e.line ?? '—'}
              </td>
              <td className="px-2 py-1 text-right tabular-nums">{e.row ?? '—'}</td>
              <td className="px-2 py-1 font-mono">{e.field ?? '—'}</td>
              <td className="px-2 py-1">
                {e.severity === 'warning' && <span className="mr-1 font-semibold">warning:</span>}
                {e.reason} <span className="font-mono text-zinc-400">{e.code}</span>
                {e.raw !== null && (
                  <details className="mt-0.5">
                    <summary className="cursor-pointer text-zinc-500">row as it was</summary>
                    <pre className="max-h-32 overflow-auto font-mono break-all whitespace-pre-wrap text-zinc-600 dark:text-zinc-300">{e.raw}</pre>
                  </details>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Saves the rejected rows as they were, to fix and import again. */
function SaveRejected({ importId }: { importId: number }) {
  const api = useApi();
  const save = useMutation({ mutationFn: () => api.call('datasets.exportRejected', { importId }) });
  const link = save.data ? api.downloadUrl(save.data.downloadName) : null;
  return (
    <div className="flex flex-wrap items-center gap-3 text-xs" data-testid="save-rejected">
      <Button onClick={() => save.mutate()} disabled={save.isPending}>
        Save rejected rows to fix
      </Button>
      {save.data && (
        <span>
          {formatCount(save.data.count)} rows written to <span className="font-mono">{save.data.path}</span>
          {link && (
            <>
              {' · '}
              <a className="text-indigo-600 underline" href={link} data-testid="rejected-download">
                download
              </a>
            </>
          )}
          {' — fix them, then import the file again.'}
        </span>
      )}
    </div>
  );
}

/** What an import did: counts, flagged pairs, and every rejected row with its location. */
export function ImportReportView({ report }: { report: ImportReport }) {
  return (
    <div className="space-y-3" data-testid="import-report">
      <div className="flex flex-wrap gap-x-8 gap-y-2">
        <Stat label="Rows read" value={formatCount(report.rowsSeen)} />
        <Stat label="Imported" value={formatCount(report.imported)} testId="report-imported" />
        <Stat label="Rejected" value={formatCount(report.rejected)} testId="report-rejected" />
        <Stat label="Warnings" value={formatCount(report.warnings)} />
        <Stat label="Identical pairs" value={formatCount(report.flagged.identical)} />
        <Stat label="Empty sides" value={formatCount(report.flagged.empty)} />
      </div>
      <p className="text-xs text-zinc-500">
        <span className="font-mono">{report.file}</span> · {report.format ?? 'format unknown'} · {report.status} · {formatTime(report.createdAt)}
        {report.explanation ? ` · ${report.explanation}` : ''}
      </p>
      <ImportErrorsTable errors={report.errors} />
      {report.rejected > 0 && <SaveRejected importId={report.id} />}
      {report.errorCount > report.errors.length && (
        <p className="text-xs text-zinc-500">
          Showing the first {formatCount(report.errors.length)} of {formatCount(report.errorCount)} problems.
        </p>
      )}
    </div>
  );
}
