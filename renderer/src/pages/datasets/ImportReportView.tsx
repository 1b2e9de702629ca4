import { useMutation } from '@tanstack/react-query';
import type { ImportError, ImportReport } from '../../../../shared/datasets';
import { useApi } from '../../api/context';
import { Button } from '../../components/Button';
import { Stat } from '../../components/Card';
import { Table, type Column } from '../../components/Table';
import { formatCount, formatTime } from '../../lib/format';

const ERROR_COLUMNS: Column<ImportError>[] = [
  { header: 'File', className: 'font-mono', cell: (e) => e.file },
  { header: 'Line', align: 'right', className: 'tabular-nums', testId: 'import-error-line', cell: (e) => e.line ?? '—' },
  { header: 'Row', align: 'right', className: 'tabular-nums', cell: (e) => e.row ?? '—' },
  { header: 'Field', className: 'font-mono', cell: (e) => e.field ?? '—' },
  {
    header: 'Reason',
    cell: (e) => (
      <>
        {e.severity === 'warning' && <span className="mr-1 font-semibold">warning:</span>}
        {e.reason} <span className="font-mono text-zinc-400">{e.code}</span>
        {e.raw !== null && (
          <details className="mt-0.5">
            <summary className="cursor-pointer text-zinc-500">row as it was</summary>
            <pre className="max-h-32 overflow-auto font-mono break-all whitespace-pre-wrap text-zinc-600 dark:text-zinc-300">{e.raw}</pre>
          </details>
        )}
      </>
    ),
  },
];

export function ImportErrorsTable({ errors, testId = 'import-errors' }: { errors: ImportError[]; testId?: string }) {
  return (
    <Table
      columns={ERROR_COLUMNS}
      rows={errors}
      rowKey={(_, i) => i}
      density="dense"
      frameClassName="max-h-72"
      testId={testId}
      rowTestId="import-error-row"
      rowClassName={(e) => (e.severity === 'warning' ? 'text-amber-700 dark:text-amber-300' : '')}
    />
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
        <span className="font-mono">{report.file}</span> · {report.format ?? 'format unknown'} · {report.status} ·{' '}
        {formatTime(report.createdAt)}
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
