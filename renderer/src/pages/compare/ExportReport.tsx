import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { CompareReportResult, type CompareReportParams } from '../../../../shared/compare-report';
import { useApi } from '../../api/context';
import { jobQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { JobProgress, isActive, useLiveJob } from '../datasets/actions';
import type { ReportGenerations } from './GenerationsTab';

/**
 * *Export report* (issue 15 item 9): starts a `compare-report` job
 * (compare.startReport) — it reads, renders and writes in a worker — shows
 * its progress with Cancel, then offers the files: downloads in serve mode,
 * their path in the app. The generations are the Generations tab's set, only
 * the prompts its filters keep.
 */
export function ExportReport({
  params,
  generations,
}: {
  params: Omit<CompareReportParams, 'generations' | 'generationsKeep' | 'path'>;
  generations: ReportGenerations | null;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [jobId, setJobId] = useState<number | null>(null);
  const job = useLiveJob(jobId);
  const start = useMutation({
    mutationFn: () =>
      api.call('compare.startReport', {
        ...params,
        ...(generations ? { generations: generations.set, ...(generations.keep ? { generationsKeep: generations.keep } : {}) } : {}),
      }),
    onSuccess: (started) => {
      queryClient.setQueryData(jobQueries.detail(api, started.id).queryKey, (current) => current ?? started);
      setJobId(started.id);
    },
  });
  const parsed = job?.status === 'succeeded' ? CompareReportResult.safeParse(job.result) : null;
  const result = parsed?.success ? parsed.data : null;
  const link = result?.html.downloadName ? api.downloadUrl(result.html.downloadName) : null;
  const busy = start.isPending || isActive(job);
  return (
    <div className="min-w-72 space-y-1 text-xs" data-testid="export-report">
      <div className="flex flex-wrap items-center gap-2">
        <Button onClick={() => start.mutate()} disabled={busy} data-testid="export-report-button">
          {busy ? 'Writing…' : 'Export report'}
        </Button>
        <span className="text-zinc-500" data-testid="export-report-generations">
          {generations
            ? `with the Generations tab’s ${generations.keep ? `${generations.keep.length} kept prompts` : 'prompts'} × ${generations.set.columns.length} columns`
            : 'generations: generate a set on the Generations tab to include it'}
        </span>
      </div>
      {job && job.status !== 'succeeded' && <JobProgress job={job} label="Report progress" testId="export-report-job" />}
      {result &&
        (link ? (
          <div className="flex flex-wrap items-center gap-2">
            <a
              href={link}
              download={result.html.downloadName ?? undefined}
              className="text-indigo-600 hover:underline"
              data-testid="export-report-download"
            >
              Download {result.html.downloadName}
            </a>
            {result.csv.map((c) => (
              <a
                key={c.table}
                href={api.downloadUrl(c.downloadName ?? '') ?? undefined}
                download={c.downloadName ?? undefined}
                className="text-indigo-600 hover:underline"
                data-testid={`export-report-csv-${c.table}`}
              >
                {c.table}.csv
              </a>
            ))}
          </div>
        ) : (
          <span className="font-mono break-all" data-testid="export-report-path">
            {result.html.path} (and {result.csv.length} CSVs beside it)
          </span>
        ))}
      {start.error && <span className="text-rose-600">{start.error.message}</span>}
    </div>
  );
}
