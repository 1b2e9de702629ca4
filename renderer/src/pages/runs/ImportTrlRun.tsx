import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { TrlImportResult } from '../../../../shared/trl-import';
import { useApi } from '../../api/context';
import { jobQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { Field, inputClass } from '../../components/Field';
import { ProgressBar } from '../../components/ProgressBar';
import { navigate } from '../../lib/router';

/** The import's report: the run, what it added, the snapshot, and every thing it skipped with why. */
function ImportReport({ result }: { result: TrlImportResult }) {
  const c = result.checkpoints;
  return (
    <div className="space-y-2" data-testid="import-trl-result">
      <p>
        {result.created ? 'Imported' : 'Updated'} run #{result.runId}: {result.logEntries} log entries ({result.valuesAdded} new values,
        last step {result.lastStep}); checkpoints {c.added.length} new{c.added.length > 0 && ` (steps ${c.added.join(', ')})`},{' '}
        {c.known.length} already imported{c.removed.length > 0 && `, ${c.removed.length} gone from the folder`}.
      </p>
      <p className="text-zinc-500">{result.snapshot.message}</p>
      {result.skipped.length > 0 && (
        <div>
          <p className="font-medium">Skipped ({result.skipped.length}):</p>
          <ul className="max-h-48 list-disc space-y-1 overflow-auto pl-5 text-zinc-500" data-testid="import-trl-skipped">
            {result.skipped.map((s, i) => (
              <li key={i}>
                <span className="font-mono">{s.what}</span>: {s.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
      <Button variant="primary" onClick={() => navigate(`/runs/${result.runId}`)} data-testid="import-trl-open">
        Open the run
      </Button>
    </div>
  );
}

/** Follows the trl-import job (hashing checkpoints can take minutes on a real model), then shows its report. */
function ImportJob({ jobId }: { jobId: number }) {
  const api = useApi();
  const { data: job } = useQuery({ ...jobQueries.detail(api, jobId), refetchInterval: (q) => (q.state.data?.finishedAt ? false : 1000) });
  if (!job) return null;
  if (job.status === 'succeeded') return <ImportReport result={job.result as TrlImportResult} />;
  return (
    <div className="space-y-1" data-testid="import-trl-job">
      <ProgressBar value={job.progress} status={job.status} label="Importing" />
      <p className={job.error ? 'text-rose-600' : 'text-zinc-500'}>{job.error?.message ?? job.progressMessage ?? job.status}</p>
    </div>
  );
}

/**
 * "Import a TRL run…" (issue 16): a TRL output folder on the studio's machine
 * (a path, as the app may be served over HTTP) read into a run by a
 * trl-import job; importing the same folder again picks up a running job's
 * new log entries and checkpoints.
 */
export function ImportTrlRun({ initialDir = '', label = 'Import a TRL run…' }: { initialDir?: string; label?: string }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [dir, setDir] = useState(initialDir);
  const [project, setProject] = useState('');
  const [jobId, setJobId] = useState<number | null>(null);
  const start = useMutation({
    mutationFn: () => api.call('runs.startImportTrl', { dir: dir.trim(), ...(project.trim() ? { project: project.trim() } : {}) }),
    onSuccess: (job) => setJobId(job.id),
  });
  return (
    <>
      <Button
        onClick={() => {
          setJobId(null);
          start.reset();
          setOpen(true);
        }}
        data-testid="import-trl"
        title="Read a TRL output folder (trainer_state.json, checkpoint-N/) into a run, to compare it with the runs trained here"
      >
        {label}
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title="Import a TRL run" testId="import-trl-dialog">
        <form
          className="space-y-3 text-sm"
          onSubmit={(e) => {
            e.preventDefault();
            if (dir.trim()) start.mutate();
          }}
        >
          <p className="text-zinc-500">
            The output folder of a TRL run — finished, or still being written by a cluster job: its log history becomes the run’s metrics,
            its checkpoints (full model or PEFT adapter) the run’s checkpoints. Import the same folder again to pick up new steps.
          </p>
          <Field label="TRL output folder (or the exported project holding it in output/)">
            <input className={inputClass} value={dir} onChange={(e) => setDir(e.target.value)} data-testid="import-trl-dir" />
          </Field>
          <Field label="Exported project (only when train.py wrote its output elsewhere)">
            <input className={inputClass} value={project} onChange={(e) => setProject(e.target.value)} />
          </Field>
          <Button variant="primary" type="submit" disabled={!dir.trim() || start.isPending} data-testid="import-trl-start">
            Import
          </Button>
          {start.error && (
            <p role="alert" className="text-rose-600">
              {start.error.message}
            </p>
          )}
          {jobId !== null && <ImportJob key={jobId} jobId={jobId} />}
        </form>
      </Dialog>
    </>
  );
}
