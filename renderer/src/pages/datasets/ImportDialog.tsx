import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { FormatId, type ColumnMapping, type ImportError, type ImportPreview } from '../../../../shared/datasets';
import { TERMINAL_STATUSES } from '../../../../shared/jobs';
import { useApi } from '../../api/context';
import { datasetQueries, jobQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { Table, type Column } from '../../components/Table';
import { JobStatusBadge } from '../../components/Badge';
import { ProgressBar } from '../../components/ProgressBar';
import { navigate } from '../../lib/router';
import { ImportErrorsTable, ImportReportView } from './ImportReportView';
import { messagesText, truncate } from './text';
import { Field, inputClass } from '../../components/Field';
import { EmptyState } from '../../components/EmptyState';

/** The mapping slots a user can point at a column; `responses` and `meta` are lists and follow the format. */
const SLOTS = ['prompt', 'input', 'system', 'history', 'chosen', 'rejected', 'label'] as const;
type Slot = (typeof SLOTS)[number];

interface ImportResult {
  importId: number;
  datasetId: number;
  imported: number;
  rejected: number;
}

/**
 * Format plus one column per slot. A forced format that does not fit the
 * file's fields comes back without a mapping: the user maps the columns here.
 */
function MappingEditor({
  format,
  mapping,
  columns,
  onFormat,
  onMapping,
}: {
  format: FormatId | null;
  mapping: ColumnMapping | null;
  columns: string[];
  onFormat: (f: FormatId) => void;
  onMapping: (next: ColumnMapping) => void;
}) {
  const base: ColumnMapping = mapping ?? { format: format ?? 'trl-standard' };
  const setSlot = (slot: Slot, column: string) => {
    const next: ColumnMapping = { ...base };
    if (column) next[slot] = column;
    else delete next[slot];
    onMapping(next);
  };
  const setResponse = (i: number, column: string) => {
    const responses = [...(base.responses ?? [])];
    responses[i] = column;
    const kept = responses.filter(Boolean);
    const next: ColumnMapping = { ...base };
    if (kept.length) next.responses = kept;
    else delete next.responses;
    onMapping(next);
  };
  const options = (
    <>
      <option value="">—</option>
      {columns.map((c) => (
        <option key={c} value={c}>
          {c}
        </option>
      ))}
    </>
  );
  const showResponses = base.format === 'unlabeled-pair' || !!base.responses?.length;
  return (
    <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
      <Field label="Format">
        <select
          className={inputClass}
          value={format ?? ''}
          onChange={(e) => onFormat(e.target.value as FormatId)}
          data-testid="import-format"
        >
          {format === null && <option value="">(not recognised)</option>}
          {FormatId.options.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
      </Field>
      {SLOTS.map((slot) => (
        <Field key={slot} label={slot}>
          <select
            className={inputClass}
            value={base[slot] ?? ''}
            onChange={(e) => setSlot(slot, e.target.value)}
            data-testid={`mapping-${slot}`}
          >
            {options}
          </select>
        </Field>
      ))}
      {showResponses &&
        [0, 1].map((i) => (
          <Field key={i} label={`response ${i + 1}`}>
            <select
              className={inputClass}
              value={base.responses?.[i] ?? ''}
              onChange={(e) => setResponse(i, e.target.value)}
              data-testid={`mapping-response-${i}`}
            >
              {options}
            </select>
          </Field>
        ))}
    </div>
  );
}

const SAMPLE_COLUMNS: Column<ImportPreview['sample'][number]>[] = [
  { header: 'Line', align: 'right', className: 'tabular-nums', cell: (r) => r.source.line ?? r.source.row },
  { header: 'Kind', className: 'whitespace-nowrap', cell: (r) => r.kind },
  { header: 'Prompt', cell: (r) => truncate((r.system ? `[system] ${r.system} · ` : '') + messagesText(r.prompt), 120) },
  { header: 'Chosen / response 1', cell: (r) => truncate(messagesText(r.chosen ?? r.responses?.[0]), 80) },
  { header: 'Rejected / response 2', cell: (r) => truncate(messagesText(r.rejected ?? r.responses?.[1]), 80) },
];

function PreviewView({ preview }: { preview: ImportPreview }) {
  return (
    <div className="space-y-3">
      <Table
        columns={SAMPLE_COLUMNS}
        rows={preview.sample}
        rowKey={(_, i) => i}
        density="dense"
        frameClassName="max-h-56"
        testId="import-sample"
      />
      {preview.errors.length > 0 && (
        <div>
          <h3 className="mb-1 text-xs font-semibold text-rose-700 dark:text-rose-300">
            Problems in the sample (these rows will be reported, the others imported)
          </h3>
          <ImportErrorsTable errors={preview.errors} testId="preview-errors" />
        </div>
      )}
    </div>
  );
}

function JobProgress({ jobId, onDone }: { jobId: number; onDone: (datasetId: number) => void }) {
  const api = useApi();
  const { data: job } = useQuery({
    ...jobQueries.detail(api, jobId),
    // Events keep the job current; polling while it runs is a safety net for an event missed during a reconnect.
    refetchInterval: (q) => (q.state.data && TERMINAL_STATUSES.includes(q.state.data.status) ? false : 2000),
  });
  const result = job?.status === 'succeeded' ? (job.result as ImportResult) : null;
  const { data: report } = useQuery({ ...datasetQueries.importReport(api, result?.importId ?? 0), enabled: !!result });
  // An import that would have created its dataset and read nothing leaves no dataset; its report comes with the failed job.
  const nothingImported = (job?.error?.details as { nothingImported?: { errors: ImportError[] } } | undefined)?.nothingImported;
  if (!job) return <EmptyState>Starting…</EmptyState>;
  return (
    <div className="space-y-3" data-testid="import-job">
      <div className="flex items-center justify-between text-sm">
        <span>
          #{job.id} {job.title}
        </span>
        <JobStatusBadge status={job.status} />
      </div>
      <ProgressBar value={job.progress} status={job.status} label="Import progress" />
      {job.progressMessage && <p className="text-xs text-zinc-500">{job.progressMessage}</p>}
      {job.error && (
        <p className="rounded-md bg-rose-50 p-2 text-sm text-rose-800 dark:bg-rose-950 dark:text-rose-200">{job.error.message}</p>
      )}
      {nothingImported && <ImportErrorsTable errors={nothingImported.errors} />}
      {report && <ImportReportView report={report} />}
      {result && (
        <div className="flex justify-end">
          <Button variant="primary" onClick={() => onDone(result.datasetId)} data-testid="import-open-dataset">
            Open dataset
          </Button>
        </div>
      )}
    </div>
  );
}

/**
 * Import a file: pick it (uploaded in serve mode) or type a server path,
 * check the detected format and column mapping on a sample, then run the
 * import as a job and read its report.
 */
export function ImportDialog({ datasetId, onClose }: { datasetId?: number; onClose: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [path, setPath] = useState('');
  const [typedPath, setTypedPath] = useState('');
  const [datasetName, setDatasetName] = useState('');
  const [format, setFormat] = useState<FormatId | undefined>();
  const [mapping, setMapping] = useState<ColumnMapping | undefined>();
  const [jobId, setJobId] = useState<number | null>(null);

  const upload = useMutation({
    mutationFn: (file: File) => api.fileToPath(file),
    onSuccess: ({ path: uploaded, name }) => choose(uploaded, name),
  });
  const preview = useQuery({
    queryKey: ['import-preview', path, format, mapping],
    queryFn: () => api.call('datasets.preview', { path, ...(format ? { format } : {}), ...(mapping ? { mapping } : {}) }),
    enabled: !!path,
    staleTime: Infinity,
    gcTime: 0,
  });
  // Only what the user overrode travels with the import; the rest is detected again on the whole file, as in the preview.
  const start = useMutation({
    mutationFn: () =>
      api.call('datasets.import', {
        path,
        ...(datasetId !== undefined ? { datasetId } : { datasetName: datasetName.trim() || 'Imported' }),
        ...(format ? { format } : {}),
        ...(mapping ? { mapping } : {}),
      }),
    onSuccess: (job) => {
      // Seed the job's cache entry: a fetch racing the job's own events could otherwise overwrite a newer state with an older one.
      queryClient.setQueryData(jobQueries.detail(api, job.id).queryKey, (current) => current ?? job);
      setJobId(job.id);
      void queryClient.invalidateQueries({ queryKey: ['datasets', 'list'] });
    },
  });

  function choose(nextPath: string, displayName: string) {
    setPath(nextPath);
    setFormat(undefined);
    setMapping(undefined);
    if (!datasetName) setDatasetName(displayName.replace(/\.[^.]+$/, ''));
  }

  const p = preview.data;
  return (
    <Dialog
      open
      onClose={onClose}
      title={datasetId !== undefined ? 'Import into this dataset' : 'Import a file'}
      wide
      testId="import-dialog"
    >
      <div className="space-y-4">
        {jobId === null ? (
          <>
            <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
              <Field label="Pick a file">
                <input
                  type="file"
                  accept=".jsonl,.json,.csv,.tsv,.parquet,.txt"
                  className="text-sm text-zinc-700 file:mr-2 file:rounded-md file:border file:border-zinc-300 file:bg-white file:px-2 file:py-1 dark:text-zinc-300 dark:file:border-zinc-700 dark:file:bg-zinc-900 dark:file:text-zinc-100"
                  data-testid="import-file"
                  onChange={(e) => {
                    const file = e.target.files?.[0];
                    if (file) upload.mutate(file);
                  }}
                />
              </Field>
              <form
                className="flex items-end gap-2"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (typedPath.trim()) choose(typedPath.trim(), typedPath.trim().split(/[\\/]/).pop() ?? '');
                }}
              >
                <Field label="…or a path the studio can read" className="flex-1">
                  <input
                    className={inputClass}
                    value={typedPath}
                    onChange={(e) => setTypedPath(e.target.value)}
                    placeholder="/data/pairs.jsonl"
                    data-testid="import-path"
                  />
                </Field>
                <Button type="submit" disabled={!typedPath.trim()}>
                  Preview
                </Button>
              </form>
            </div>
            {upload.isPending && <EmptyState>Uploading…</EmptyState>}
            {preview.isFetching && <EmptyState>Reading the head of the file…</EmptyState>}
            {p && (
              <div className="space-y-3" data-testid="import-preview">
                <div className="rounded-lg bg-zinc-50 p-3 text-sm dark:bg-zinc-800/50">
                  <span className="font-medium">{p.file}</span> · {p.container} ·{' '}
                  <span className="font-semibold" data-testid="preview-format">
                    {p.format ?? 'format not recognised'}
                  </span>{' '}
                  <span className="text-zinc-500" data-testid="preview-confidence">
                    ({Math.round(p.confidence * 100)}% confidence)
                  </span>
                  <p className="mt-1 text-xs text-zinc-500" data-testid="preview-explanation">
                    {p.explanation}
                  </p>
                </div>
                <MappingEditor
                  format={format ?? p.format}
                  mapping={mapping ?? p.mapping}
                  columns={p.columns}
                  onFormat={(f) => {
                    setFormat(f);
                    setMapping(undefined);
                  }}
                  onMapping={(next) => {
                    setFormat(next.format);
                    setMapping(next);
                  }}
                />
                <PreviewView preview={p} />
                <div className="flex items-end justify-end gap-2">
                  {datasetId === undefined && (
                    <Field label="Into dataset (created if new)">
                      <input
                        className={inputClass}
                        value={datasetName}
                        onChange={(e) => setDatasetName(e.target.value)}
                        data-testid="import-dataset-name"
                      />
                    </Field>
                  )}
                  <Button variant="primary" disabled={!p.format || start.isPending} onClick={() => start.mutate()} data-testid="import-run">
                    Import
                  </Button>
                </div>
              </div>
            )}
          </>
        ) : (
          <JobProgress
            jobId={jobId}
            onDone={(id) => {
              onClose();
              navigate(`/datasets/${id}`);
            }}
          />
        )}
      </div>
    </Dialog>
  );
}
