import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { LabelQueue } from '../../../../shared/labeling';
import { useApi } from '../../api/context';
import { jobQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { cardClass } from '../../components/Card';
import { Field, inputClass } from '../../components/Field';
import { ProgressBar } from '../../components/ProgressBar';
import { formatCount } from '../../lib/format';
import { navigate } from '../../lib/router';

interface BuildResult {
  datasetId: number;
  snapshotId: number;
  records: number;
  excluded: { ties: number; bothBad: number; unlabeled: number; conflicts: number };
}

function BuildJob({ jobId }: { jobId: number }) {
  const api = useApi();
  const { data: job } = useQuery({ ...jobQueries.detail(api, jobId), refetchInterval: (q) => (q.state.data?.finishedAt ? false : 1000) });
  if (!job) return null;
  if (job.status === 'succeeded') {
    const result = job.result as BuildResult;
    const { excluded } = result;
    return (
      <div className="space-y-2 text-sm" data-testid="build-result">
        <p>
          <span className="font-medium">{formatCount(result.records)} records</span> in the new dataset, split and frozen as a snapshot.
          Left out: {excluded.ties} ties, {excluded.bothBad} both bad, {excluded.conflicts} undecided conflicts,{' '}
          {formatCount(excluded.unlabeled)} unlabeled pairs.
        </p>
        <div className="flex gap-2">
          <Button variant="primary" onClick={() => navigate('/runs/new')} data-testid="build-train">
            Train on it
          </Button>
          <Button onClick={() => navigate(`/datasets/${result.datasetId}`)} data-testid="build-open-dataset">
            Open the dataset
          </Button>
        </div>
      </div>
    );
  }
  return (
    <div className="space-y-1 text-sm" data-testid="build-job">
      <ProgressBar value={job.progress} status={job.status} label="Building the dataset" />
      <p className={job.error ? 'text-rose-600' : 'text-zinc-500'}>{job.error?.message ?? job.progressMessage ?? job.status}</p>
    </div>
  );
}

/** "Build dataset from labels": the decided pairs become a new dataset and snapshot (a label-build job), ready for the launcher. */
export function BuildPanel({ queue }: { queue: LabelQueue }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState(`${queue.name} labels`);
  const [includeTies, setIncludeTies] = useState(false);
  const [includeBothBad, setIncludeBothBad] = useState(false);
  const [minVotes, setMinVotes] = useState(1);
  const [testFraction, setTestFraction] = useState(0.1);
  const [jobId, setJobId] = useState<number | null>(null);
  const start = useMutation({
    mutationFn: () =>
      api.call('labeling.startBuild', { queueId: queue.id, datasetName: name.trim(), includeTies, includeBothBad, minVotes, testFraction }),
    onSuccess: (job) => {
      setJobId(job.id);
      void queryClient.invalidateQueries({ queryKey: ['datasets'] });
    },
  });
  return (
    <section className={`${cardClass} space-y-3 p-4`} data-testid="build-panel">
      <div>
        <h2 className="text-sm font-semibold">Build a dataset from the labels</h2>
        <p className="text-xs text-zinc-500">
          Each decided pair becomes a record (chosen, rejected): an adjudication first, else the majority label. Every record keeps its
          queue, annotators and votes.
        </p>
      </div>
      <form
        className="flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) start.mutate();
        }}
      >
        <Field label="New dataset">
          <input className={`${inputClass} w-64`} value={name} onChange={(e) => setName(e.target.value)} data-testid="build-name" />
        </Field>
        <Field label="Votes needed" hint="Standing labels a pair needs to count (an adjudicated pair always counts)">
          <input
            className={`${inputClass} w-20`}
            type="number"
            min={1}
            max={50}
            value={minVotes}
            onChange={(e) => setMinVotes(Math.max(1, Math.min(50, Math.trunc(Number(e.target.value)) || 1)))}
          />
        </Field>
        <Field label="Held out" hint="Share of prompts in the test split (by prompt hash)">
          <input
            className={`${inputClass} w-20`}
            type="number"
            min={0}
            max={0.9}
            step={0.05}
            value={testFraction}
            onChange={(e) => setTestFraction(Math.max(0, Math.min(0.9, Number(e.target.value) || 0)))}
          />
        </Field>
        <label className="flex items-center gap-1.5 text-sm">
          <input type="checkbox" checked={includeTies} onChange={(e) => setIncludeTies(e.target.checked)} /> keep ties
        </label>
        <label className="flex items-center gap-1.5 text-sm">
          <input type="checkbox" checked={includeBothBad} onChange={(e) => setIncludeBothBad(e.target.checked)} /> keep both-bad
        </label>
        <Button variant="primary" type="submit" disabled={!name.trim() || start.isPending} data-testid="build-start">
          Build dataset
        </Button>
      </form>
      {start.error && (
        <p role="alert" className="text-sm text-rose-600">
          {start.error.message}
        </p>
      )}
      {jobId !== null && <BuildJob key={jobId} jobId={jobId} />}
    </section>
  );
}
