import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { DuplicateGroup } from '../../../../shared/datasets';
import { useApi } from '../../api/context';
import { invalidateDataset, jobQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { isActive, JobProgress, useLiveJob } from './actions';
import { Badge } from '../../components/Badge';
import { cardClass } from '../../components/Card';
import { RangeField } from '../../components/Field';
import { EmptyState } from '../../components/EmptyState';

function Group({ group, onKeep, busy }: { group: DuplicateGroup; onKeep: (keepId: number, dropIds: number[]) => void; busy: boolean }) {
  return (
    <li className={`${cardClass} p-3`} data-testid="dup-group">
      <div className="mb-2 flex items-center gap-2 text-xs">
        <Badge tone={group.kind === 'exact' ? 'amber' : 'indigo'}>{group.kind}</Badge>
        <span className="text-zinc-500" data-testid="dup-similarity">
          similarity {group.similarity.toFixed(2)} · {group.size} records
          {group.size > group.records.length ? ` (the first ${group.records.length} shown)` : ''}
        </span>
      </div>
      <div className="grid gap-3" style={{ gridTemplateColumns: `repeat(${Math.min(group.records.length, 3)}, minmax(0, 1fr))` }}>
        {group.records.map((r) => (
          <div
            key={r.id}
            className="flex flex-col gap-1.5 rounded-lg border border-zinc-200 p-2 text-sm dark:border-zinc-800"
            data-testid="dup-record"
          >
            <div className="flex items-center justify-between text-xs text-zinc-500">
              <span>#{r.id}</span>
              <span className="flex gap-1">
                {r.split && <Badge tone="emerald">{r.split}</Badge>}
                {r.tags.map((t) => (
                  <Badge key={t} tone="indigo">
                    {t}
                  </Badge>
                ))}
              </span>
            </div>
            <p className="line-clamp-4">{r.prompt}</p>
            <p className="line-clamp-3 text-emerald-800 dark:text-emerald-300">{r.chosen}</p>
            <p className="line-clamp-2 text-rose-800 dark:text-rose-300">{r.rejected}</p>
            <Button
              className="mt-auto self-start !px-2 !py-0.5 text-xs"
              disabled={busy}
              onClick={() =>
                onKeep(
                  r.id,
                  group.records.filter((o) => o.id !== r.id).map((o) => o.id),
                )
              }
              data-testid="keep-record"
            >
              Keep this one
            </Button>
          </div>
        ))}
      </div>
    </li>
  );
}

/** Above this many records a search waits for a click (it runs as a job, with progress); below, it runs as the threshold changes. */
const AUTO_RUN_LIMIT = 20_000;

/**
 * Exact and near-duplicate groups; keeping one record deletes the others of
 * its group and moves their tags to it. The search runs as a job in a worker
 * process: its progress and a cancel button show while it runs, and the
 * newest search's groups stay until the next one.
 */
export function DedupeView({ datasetId, recordCount }: { datasetId: number; recordCount: number }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [threshold, setThreshold] = useState(0.8);
  const [applied, setApplied] = useState(0.8);
  useEffect(() => {
    const timer = window.setTimeout(() => setApplied(threshold), 300);
    return () => window.clearTimeout(timer);
  }, [threshold]);
  const groupsKey = ['datasets', datasetId, 'duplicate-groups'];
  const { data, isLoading } = useQuery({ queryKey: groupsKey, queryFn: () => api.call('datasets.duplicateGroups', { datasetId }) });
  const latest = data?.job ?? null;
  const job = useLiveJob(latest?.id ?? null) ?? latest ?? undefined;
  const running = isActive(job);
  const searchedAt = latest ? (latest.params as { threshold: number }).threshold : null;
  const result = data?.result ?? null;

  // The job finished since the groups were read: read them again.
  const finishedStatus = job && !running && latest && isActive(latest) ? job.status : null;
  useEffect(() => {
    if (finishedStatus) void queryClient.invalidateQueries({ queryKey: ['datasets', datasetId, 'duplicate-groups'] });
  }, [finishedStatus, datasetId, queryClient]);

  const find = useMutation({
    mutationFn: (at: number) => api.call('datasets.findDuplicates', { datasetId, threshold: at }),
    onSuccess: (started) => {
      queryClient.setQueryData(jobQueries.detail(api, started.id).queryKey, (current) => current ?? started);
      queryClient.setQueryData(groupsKey, { job: started, result: null });
    },
  });
  const merge = useMutation({
    mutationFn: ({ keepId, dropIds }: { keepId: number; dropIds: number[] }) => api.call('records.merge', { keepId, dropIds }),
    onSuccess: () => void invalidateDataset(queryClient, datasetId),
  });

  // Small datasets search by themselves, once per threshold.
  const auto = recordCount <= AUTO_RUN_LIMIT;
  const wantsSearch = auto && !isLoading && !running && !find.isPending && searchedAt !== applied;
  const { mutate } = find;
  useEffect(() => {
    if (wantsSearch) mutate(applied);
  }, [wantsSearch, applied, mutate]);

  return (
    <div className="flex min-h-0 flex-1 flex-col gap-3" data-testid="dedupe-view">
      <div className="flex items-center gap-3 text-sm">
        <RangeField
          label="Similarity threshold"
          value={threshold}
          onChange={setThreshold}
          min={0.5}
          max={1}
          step={0.05}
          testId="dedupe-threshold"
        />
        {result && (
          <span className="text-zinc-500" data-testid="dedupe-summary">
            {result.exact} exact · {result.near} near-duplicate groups at {result.threshold.toFixed(2)}
          </span>
        )}
        {(!auto || (job && job.status !== 'succeeded')) && !running && (
          <Button
            variant="primary"
            className="!py-1"
            onClick={() => find.mutate(threshold)}
            disabled={find.isPending}
            data-testid="dedupe-run"
          >
            {searchedAt === null ? 'Find duplicates' : `Search again at ${threshold.toFixed(2)}`}
          </Button>
        )}
      </div>
      {job && (running || job.status !== 'succeeded') && <JobProgress job={job} label="Duplicate search progress" testId="dedupe-job" />}
      {result && result.groups.length === 0 && <EmptyState>No duplicates at this threshold.</EmptyState>}
      <ul className="min-h-0 flex-1 space-y-3 overflow-y-auto">
        {result?.groups.map((g) => (
          <Group
            key={`${g.kind}-${g.records.map((r) => r.id).join('-')}`}
            group={g}
            busy={merge.isPending}
            onKeep={(keepId, dropIds) => merge.mutate({ keepId, dropIds })}
          />
        ))}
      </ul>
    </div>
  );
}
