import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { FormatId, type ColumnMapping, type ImportError, type ImportPreview } from '../../../../shared/datasets';
import { TERMINAL_STATUSES } from '../../../../shared/jobs';
import { useApi } from '../../api/context';
import { datasetQueries, jobQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { ProgressBar, StatusBadge } from '../../components/ProgressBar';
import { navigate } from '../../lib/router';
import { ImportErrorsTable, ImportReportView } from './ImportReportView';
import { messagesText, truncate } from './text';
import { inputClass, Label } from './ui';

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
      <Label text="Format">
        <select className={inputClass} value={format ?? ''} onChange={(e) => onFormat(e.target.value as FormatId)} data-testid="import-format">
          {format === null && <option value="">(not recognised)</option>}
          {FormatId.options.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
      </Label>
      {SLOTS.map((slot) => (
        <Label key={slot} text={slot}>
          <select className={inputClass} value={base[slot] ?? ''} onChange={(e) => setSlot(slot, e.target.value)} data-testid={`mapping-${slot}`}>
            {options}
          </select>
        </Label>
      ))}
      {showResponses &&
        [0, 1].map((i) => (
          <Label key={i} text={`response ${i + 1}`}>
            <select className={inputClass} value={base.responses?.[i] ?? ''} onChange={(e) => setResponse(i, e.target.value)} data-testid={`mapping-response-${i}`}>
              {options}
            </select>
          </Label>
        ))}
    </div>
  );
}

function PreviewView({ preview }: { preview: ImportPreview }) {
  return (
    <div className="space-y-3">
      {preview.sample.length > 0 && (
        <div className="max-h-56 overflow-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
          <table className="w-full text-xs" data-testid="import-sample">
            <thead className="sticky top-0 bg-zinc-50 text-left text-zinc-500 uppercase dark:bg-zinc-900">
              <tr>
                <th className="px-2 py-1.5 text-right">Line</th>
                <th className="px-2 py-1.5">Kind</th>
                <th className="px-2 py-1.5">Prompt</th>
                <th className="px-2 py-1.5">Chosen / response 1</th>
                <th className="px-2 py-1.5">Rejected / response 2</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {preview.sample.map((r, i) => (
                <tr key={i}>
                  <td className="px-2 py-1 text-right tabular-nums">{r.source.line ?? r.source.row}</td>
                  <td className="px-2 py-1 whitespace-nowrap">{r.kind}</td>
                  <td className="px-2 py-1">{truncate((r.system ? `[system] ${r.system} · ` : '') + messagesText(r.prompt), 120)}</td>
                  <td className="px-2 py-1">{truncate(messagesText(r.chosen ?? r.responses?.[0]), 80)}</td>
                  <td className="px-2 py-1">{truncate(messagesText(r.rejected ?? r.responses?.[1]), 80)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {preview.errors.length > 0 && (
        <div>
          <h3 className="mb-1 text-xs font-semibold text-rose-700 dark:text-rose-300">Problems in the sample (these rows will be reported, the others imported)</h3>
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
  if (!job) return <p className="text-sm text-zinc-500">Starting…</p>;
  return (
    <div className="space-y-3" data-testid="import-job">
      <div className="flex items-center justify-between text-sm">
        <span>
          #{job.id} {job.title}
        </span>
        <StatusBadge status={job.status} />
      </div>
      <ProgressBar value={job.progress} status={job.status} label="Import progress" />
      {job.progressMessage && <p className="text-xs text-zinc-500">{job.progressMessage}</p>}
      {job.error && <p className="rounded-md bg-rose-50 p-2 text-sm text-rose-800 dark:bg-rose-950 dark:text-rose-200">{job.error.message}</p>}
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
    <Dialog open onClose={onClose} title={datasetId !== undefined ? 'Import into this dataset' : 'Import a file'} wide testId="import-dialog">
      <div className="space-y-4">
        {jobId === null ? (
          <>
            <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
              <Label text="Pick a file">
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
              </Label>
              <form
                className="flex items-end gap-2"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (typedPath.trim()) choose(typedPath.trim(), typedPath.trim().split(/[\\/]/).pop() ?? '');
                }}
              >
                <Label text="…or a path the studio can read" className="flex-1">
                  <input className={inputClass} value={typedPath} onChange={(e) => setTypedPath(e.target.value)} placeholder="/data/pairs.jsonl" data-testid="import-path" />
                </Label>
                <Button type="submit" disabled={!typedPath.trim()}>
                  Preview
                </Button>
              </form>
            </div>
            {upload.isPending && <p className="text-sm text-zinc-500">Uploading…</p>}
            {preview.isFetching && <p className="text-sm text-zinc-500">Reading the head of the file…</p>}
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
                    <Label text="Into dataset (created if new)">
                      <input className={inputClass} value={datasetName} onChange={(e) => setDatasetName(e.target.value)} data-testid="import-dataset-name" />
                    </Label>
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
