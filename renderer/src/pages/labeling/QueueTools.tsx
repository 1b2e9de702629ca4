import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { Job } from '../../../../shared/jobs';
import type { GenerateCandidatesResult, LabelImportReport, LabelQueue, UncertaintyResult } from '../../../../shared/labeling';
import { useApi } from '../../api/context';
import { jobQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { EmptyState } from '../../components/EmptyState';
import { Field, inputClass } from '../../components/Field';
import { ModelRefSelect, parseModelRefKey } from '../../components/ModelRefSelect';
import { formatCount } from '../../lib/format';
import { isActive, JobProgress, useLiveJob } from '../datasets/actions';
import { InviteDialog } from './InviteDialog';

const generatesCandidates = (queue: LabelQueue) => queue.kind === 'prompts' || queue.kind === 'arena';

/** The queue's order as the header says it: "uncertain (model demo)" once a model ordered it. */
export function orderLabel(queue: LabelQueue): string {
  if (queue.order === 'uncertain') return `uncertain (model ${queue.orderedBy?.modelName ?? 'unknown'})`;
  return queue.order === 'random' ? `random (seed ${queue.seed})` : 'as stored';
}

/** A queue job followed inline: its progress and Cancel while it runs, then what it did; the queue list refreshes when it ends. */
function QueueJob({ jobId, label, summary }: { jobId: number; label: string; summary: (job: Job) => string | null }) {
  const job = useLiveJob(jobId);
  const queryClient = useQueryClient();
  const ended = job?.finishedAt ?? null;
  useEffect(() => {
    if (ended) void queryClient.invalidateQueries({ queryKey: ['labeling'] });
  }, [ended, queryClient]);
  if (!job) return null;
  const text = job.status === 'succeeded' ? summary(job) : null;
  return (
    <div className="space-y-1">
      <JobProgress job={job} label={label} testId="queue-job" />
      {text && (
        <p className="text-sm" data-testid="queue-job-result">
          {text}
        </p>
      )}
    </div>
  );
}

const numberInput = (value: number, set: (n: number) => void, props: { min: number; max: number; step?: number; testId: string }) => (
  <input
    className={`${inputClass} w-24`}
    type="number"
    min={props.min}
    max={props.max}
    step={props.step ?? 1}
    value={value}
    onChange={(e) => set(Number(e.target.value))}
    data-testid={props.testId}
  />
);

/** Generate candidates for a prompts or arena queue: one model (n samples paired) or two (blind, A against B). */
function CandidatesDialog({ queue, onStarted, onClose }: { queue: LabelQueue; onStarted: (job: Job) => void; onClose: () => void }) {
  const api = useApi();
  const settings = queue.candidates;
  const [modelA, setModelA] = useState('');
  const [modelB, setModelB] = useState('');
  const [temperature, setTemperature] = useState(settings?.sampling.temperature ?? 0.7);
  const [topP, setTopP] = useState(settings?.sampling.topP ?? 0.95);
  const [topK, setTopK] = useState(settings?.sampling.topK ?? 0);
  const [maxTokens, setMaxTokens] = useState(settings?.sampling.maxTokens ?? 64);
  const [seed, setSeed] = useState(settings?.sampling.seed ?? 1);
  const [n, setN] = useState(settings?.n ?? (queue.kind === 'arena' ? 1 : 2));
  const start = useMutation({
    mutationFn: () =>
      api.call('labeling.generateCandidates', {
        queueId: queue.id,
        models: [modelA, modelB].filter(Boolean).map(parseModelRefKey),
        sampling: { temperature, topP, topK, maxTokens, seed },
        n,
      }),
    onSuccess: (job) => {
      onStarted(job);
      onClose();
    },
  });
  const arena = queue.kind === 'arena';
  const ready = modelA !== '' && (!arena || modelB !== '');
  return (
    <Dialog open onClose={onClose} title="Generate candidates" testId="candidates-dialog">
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) start.mutate();
        }}
      >
        <p className="text-xs text-zinc-500">
          {arena
            ? 'Two models answer each prompt; the labeler sees them blind, each on a side drawn from the queue’s seed.'
            : 'One model answers each prompt n times; its distinct answers are paired neighbour with neighbour. A second model makes it A against B.'}
          {settings && ' This queue has started generating: the same settings continue it.'}
        </p>
        <Field label="Model A">
          <ModelRefSelect value={modelA} onChange={setModelA} testId="candidates-model-a" />
        </Field>
        <Field label="Model B">
          <ModelRefSelect
            value={modelB}
            onChange={setModelB}
            optional={arena ? undefined : 'None (one model)'}
            testId="candidates-model-b"
          />
        </Field>
        <div className="flex flex-wrap gap-3">
          <Field label="Temperature" hint="0 = greedy">
            {numberInput(temperature, setTemperature, { min: 0, max: 5, step: 0.05, testId: 'candidates-temperature' })}
          </Field>
          <Field label="Top-p" hint="1 = off">
            {numberInput(topP, setTopP, { min: 0.01, max: 1, step: 0.01, testId: 'candidates-top-p' })}
          </Field>
          <Field label="Top-k" hint="0 = off">
            {numberInput(topK, setTopK, { min: 0, max: 1_000_000, testId: 'candidates-top-k' })}
          </Field>
          <Field label="Max tokens">{numberInput(maxTokens, setMaxTokens, { min: 1, max: 4096, testId: 'candidates-max-tokens' })}</Field>
          <Field label="Seed">{numberInput(seed, setSeed, { min: -2_147_483_648, max: 2_147_483_647, testId: 'candidates-seed' })}</Field>
          <Field label="n per prompt" hint={modelB ? 'samples from each model' : 'samples, at least 2'}>
            {numberInput(n, setN, { min: 1, max: 16, testId: 'candidates-n' })}
          </Field>
        </div>
        {start.error && (
          <p role="alert" className="text-sm text-rose-600" data-testid="candidates-error">
            {start.error.message}
          </p>
        )}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" disabled={!ready || start.isPending} data-testid="candidates-start">
            Generate
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/** Order by uncertainty: a model scores every pair; the queue then serves the pairs it can tell apart least first. */
function UncertaintyDialog({ queue, onStarted, onClose }: { queue: LabelQueue; onStarted: (job: Job) => void; onClose: () => void }) {
  const api = useApi();
  const [model, setModel] = useState('');
  const start = useMutation({
    mutationFn: () => api.call('labeling.orderByUncertainty', { queueId: queue.id, model: parseModelRefKey(model) }),
    onSuccess: (job) => {
      onStarted(job);
      onClose();
    },
  });
  return (
    <Dialog open onClose={onClose} title="Order by uncertainty" testId="uncertainty-dialog">
      <div className="space-y-3">
        <p className="text-xs text-zinc-500">
          The model scores both responses of every pair; pairs with the smallest per-token margin (the ones it cannot tell apart) are served
          first. Labels stay as they are.
        </p>
        <Field label="Model">
          <ModelRefSelect value={model} onChange={setModel} testId="uncertainty-model" />
        </Field>
        {start.error && (
          <p role="alert" className="text-sm text-rose-600">
            {start.error.message}
          </p>
        )}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" onClick={() => start.mutate()} disabled={!model || start.isPending} data-testid="uncertainty-start">
            Order
          </Button>
        </div>
      </div>
    </Dialog>
  );
}

/** Export labels: the queue's events as JSONL, offered for download in serve mode (as a dataset export is). */
function ExportLabelsDialog({ queue, onClose }: { queue: LabelQueue; onClose: () => void }) {
  const api = useApi();
  const run = useMutation({ mutationFn: () => api.call('labeling.exportLabels', { queueId: queue.id }) });
  const result = run.data;
  const download = result?.downloadName ? api.downloadUrl(result.downloadName) : null;
  return (
    <Dialog open onClose={onClose} title="Export labels" testId="export-labels-dialog">
      <div className="space-y-3">
        <p className="text-xs text-zinc-500">
          Every label, skip, undo, re-serve answer and adjudication of this queue as JSONL, keyed by pair content hash and annotator name,
          so another workspace with the same records can import it.
        </p>
        {result && (
          <div className="rounded-lg bg-zinc-50 p-3 text-sm dark:bg-zinc-800/50" data-testid="export-labels-result">
            Wrote {formatCount(result.count)} events to <span className="font-mono break-all">{result.path}</span>
            {download && (
              <div className="mt-2">
                <a
                  href={download}
                  download={result.downloadName ?? undefined}
                  className="text-indigo-600 hover:underline dark:text-indigo-400"
                  data-testid="export-labels-download"
                >
                  Download {result.downloadName}
                </a>
              </div>
            )}
          </div>
        )}
        {run.error && (
          <p role="alert" className="text-sm text-rose-600">
            {run.error.message}
          </p>
        )}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>{result ? 'Close' : 'Cancel'}</Button>
          <Button variant="primary" onClick={() => run.mutate()} disabled={run.isPending} data-testid="export-labels-run">
            Export
          </Button>
        </div>
      </div>
    </Dialog>
  );
}

function ImportReport({ report }: { report: LabelImportReport }) {
  return (
    <div className="space-y-2 text-sm" data-testid="import-labels-report">
      <p>
        <span className="font-medium" data-testid="import-labels-imported">
          {formatCount(report.imported)} imported
        </span>
        , {formatCount(report.duplicates)} duplicates (already in this queue)
        {report.annotatorsCreated.length > 0 && `, new annotators: ${report.annotatorsCreated.join(', ')}`}.
      </p>
      {report.errors.length > 0 && (
        <div>
          <p className="text-rose-700 dark:text-rose-300">
            {formatCount(report.errors.length + report.moreErrors)} bad lines
            {report.moreErrors > 0 && ` (the first ${report.errors.length})`}:
          </p>
          <ul className="max-h-48 overflow-auto font-mono text-xs" data-testid="import-labels-errors">
            {report.errors.map((e) => (
              <li key={e.line}>
                line {e.line}: {e.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

function ImportJob({ jobId }: { jobId: number }) {
  const job = useLiveJob(jobId);
  const queryClient = useQueryClient();
  const ended = job?.finishedAt ?? null;
  useEffect(() => {
    if (ended) void queryClient.invalidateQueries({ queryKey: ['labeling'] });
  }, [ended, queryClient]);
  if (!job) return null;
  return (
    <div className="space-y-2">
      <JobProgress job={job} label="Importing labels" testId="import-labels-job" />
      {job.status === 'succeeded' && <ImportReport report={job.result as LabelImportReport} />}
    </div>
  );
}

/** Import labels: a file picked (uploaded in serve mode) or a path the studio can read → a label-import job → its report. */
function ImportLabelsDialog({ queue, onClose }: { queue: LabelQueue; onClose: () => void }) {
  const api = useApi();
  const [typedPath, setTypedPath] = useState('');
  const [jobId, setJobId] = useState<number | null>(null);
  const start = useMutation({
    mutationFn: (path: string) => api.call('labeling.startImport', { queueId: queue.id, path }),
    onSuccess: (job) => setJobId(job.id),
  });
  const upload = useMutation({
    mutationFn: (file: File) => api.fileToPath(file),
    onSuccess: ({ path }) => start.mutate(path),
  });
  const error = upload.error ?? start.error;
  return (
    <Dialog open onClose={onClose} title="Import labels" testId="import-labels-dialog">
      <div className="space-y-3">
        {jobId === null ? (
          <>
            <p className="text-xs text-zinc-500">
              A labels file exported from this queue in another workspace (same records, same pair hashes). People are matched by name;
              events already here count as duplicates.
            </p>
            <Field label="Pick a file">
              <input
                type="file"
                accept=".jsonl,.json,.txt"
                className="text-sm"
                data-testid="import-labels-file"
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
                if (typedPath.trim()) start.mutate(typedPath.trim());
              }}
            >
              <Field label="…or a path the studio can read" className="flex-1">
                <input
                  className={inputClass}
                  value={typedPath}
                  onChange={(e) => setTypedPath(e.target.value)}
                  placeholder="/data/labels.jsonl"
                  data-testid="import-labels-path"
                />
              </Field>
              <Button type="submit" disabled={!typedPath.trim() || start.isPending} data-testid="import-labels-start">
                Import
              </Button>
            </form>
            {upload.isPending && <EmptyState>Uploading…</EmptyState>}
          </>
        ) : (
          <ImportJob jobId={jobId} />
        )}
        {error && (
          <p role="alert" className="text-sm text-rose-600">
            {error.message}
          </p>
        )}
        <div className="flex justify-end">
          <Button onClick={onClose}>Close</Button>
        </div>
      </div>
    </Dialog>
  );
}

type DialogName = 'candidates' | 'uncertainty' | 'export' | 'import' | 'invite';

/** The queue's owner tools: generate candidates, order by uncertainty, export and import labels, invite annotators (serve mode). */
export function QueueTools({ queue }: { queue: LabelQueue }) {
  const api = useApi();
  // Invite links open serve mode to another browser; the desktop app has no server to send anyone to.
  const canInvite = api.transport === 'http';
  const [open, setOpen] = useState<DialogName | null>(null);
  const [started, setJob] = useState<{ id: number; kind: 'candidates' | 'uncertainty' } | null>(null);
  // A generation or scoring started before this page opened (another window, the CLI, a reload) is followed too.
  const { data: jobs } = useQuery(jobQueries.list(api));
  const running = jobs?.find(
    (j) =>
      isActive(j) &&
      (j.kind === 'label-candidates' || j.kind === 'label-uncertainty') &&
      (j.params as { queueId?: number } | null)?.queueId === queue.id,
  );
  const job =
    started ??
    (running ? { id: running.id, kind: running.kind === 'label-candidates' ? ('candidates' as const) : ('uncertainty' as const) } : null);
  const close = () => setOpen(null);
  const noPairsYet = generatesCandidates(queue) && queue.total === 0;
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2" data-testid="queue-tools">
        {generatesCandidates(queue) && (
          <Button variant={noPairsYet ? 'primary' : 'secondary'} onClick={() => setOpen('candidates')} data-testid="generate-candidates">
            Generate candidates
          </Button>
        )}
        <Button onClick={() => setOpen('uncertainty')} disabled={queue.total === 0} data-testid="order-uncertainty">
          Order by uncertainty
        </Button>
        <Button onClick={() => setOpen('export')} data-testid="export-labels">
          Export labels
        </Button>
        <Button onClick={() => setOpen('import')} data-testid="import-labels">
          Import labels
        </Button>
        {canInvite && (
          <Button onClick={() => setOpen('invite')} data-testid="invite-annotator">
            Invite annotator
          </Button>
        )}
      </div>
      {job && (
        <QueueJob
          key={job.id}
          jobId={job.id}
          label={job.kind === 'candidates' ? 'Generating candidates' : 'Scoring pairs'}
          summary={(j) => {
            if (job.kind === 'candidates') {
              const r = j.result as GenerateCandidatesResult;
              return `${formatCount(r.pairs)} pairs from ${formatCount(r.prompts)} prompts${r.alreadyFilled ? ` (${r.alreadyFilled} prompts were already filled)` : ''}${r.identical ? `; ${r.identical} identical responses left out` : ''}.`;
            }
            const r = j.result as UncertaintyResult;
            return `Ordered by ${r.modelName}: ${formatCount(r.scored)} pairs scored, ${formatCount(r.cached)} from the cache${r.unscored ? `, ${r.unscored} could not be scored (served last)` : ''}.`;
          }}
        />
      )}
      {open === 'candidates' && (
        <CandidatesDialog queue={queue} onStarted={(j) => setJob({ id: j.id, kind: 'candidates' })} onClose={close} />
      )}
      {open === 'uncertainty' && (
        <UncertaintyDialog queue={queue} onStarted={(j) => setJob({ id: j.id, kind: 'uncertainty' })} onClose={close} />
      )}
      {open === 'export' && <ExportLabelsDialog queue={queue} onClose={close} />}
      {open === 'import' && <ImportLabelsDialog queue={queue} onClose={close} />}
      {open === 'invite' && <InviteDialog queue={queue} onClose={close} />}
    </div>
  );
}

/** What the Label tab says for a prompts or arena queue that has no pairs yet, instead of an empty labeler. */
export function NoPairsYet({ queue }: { queue: LabelQueue }) {
  return (
    <EmptyState testId="generate-first">
      This {queue.kind} queue has {formatCount(queue.prompts?.total ?? 0)} prompts and no pairs yet: generate candidates first (the button
      above).
    </EmptyState>
  );
}
