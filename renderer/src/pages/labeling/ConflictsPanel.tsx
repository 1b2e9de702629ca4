import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ConflictDetail, LabelQueue, PairLabel } from '../../../../shared/labeling';
import { useApi } from '../../api/context';
import { labelingQueries } from '../../api/queries';
import { Badge } from '../../components/Badge';
import { Button, Toggle } from '../../components/Button';
import { cardClass } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { inputClass } from '../../components/Field';
import { SafeMarkdown } from '../../lib/safe-markdown';
import { useAnnotatorChoice } from './annotator';

const LABEL_WORDS: Record<PairLabel, string> = { a: 'A better', b: 'B better', tie: 'tie', both_bad: 'both bad' };
const text = (messages: { content: string }[]) => messages.map((m) => m.content).join('\n\n');

function ConflictCard({ queue, conflict }: { queue: LabelQueue; conflict: ConflictDetail }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [adjudicatorId] = useAnnotatorChoice();
  const [note, setNote] = useState('');
  const decide = useMutation({
    mutationFn: (label: PairLabel) =>
      api.call('labeling.adjudicate', {
        queueId: queue.id,
        itemId: conflict.itemId,
        annotatorId: adjudicatorId!,
        label,
        ...(note.trim() ? { note: note.trim() } : {}),
      }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['labeling'] }),
  });
  const decided = conflict.adjudication;
  return (
    <li className={`${cardClass} space-y-3 p-4`} data-testid="conflict">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="font-medium">Pair {conflict.position + 1}</span>
        {conflict.decisive ? <Badge tone="rose">A against B</Badge> : <Badge tone="muted">tie / both bad against a choice</Badge>}
        {conflict.labels.map((l) => (
          <span key={l.annotatorId} className="text-zinc-600 dark:text-zinc-300" title={l.rationale ?? undefined}>
            {l.annotator}: <span className="font-medium">{LABEL_WORDS[l.label]}</span>
            {l.confidence !== null && <span className="text-xs text-zinc-500"> (confidence {l.confidence})</span>}
            {l.rationale && <span className="text-xs text-zinc-500"> — “{l.rationale}”</span>}
          </span>
        ))}
        {decided && (
          <Badge tone="emerald" testId="conflict-decision">
            decided: {LABEL_WORDS[decided.label]} by {decided.annotator}
          </Badge>
        )}
      </div>
      <div className="max-h-32 overflow-y-auto text-sm text-zinc-600 dark:text-zinc-300">
        <SafeMarkdown text={text(conflict.prompt)} />
      </div>
      <div className="grid grid-cols-2 gap-3">
        {(['a', 'b'] as const).map((side) => (
          <div key={side} className="max-h-48 overflow-y-auto rounded-md border border-zinc-200 p-3 dark:border-zinc-800">
            <div className="mb-1 text-xs font-medium tracking-wide text-zinc-500 uppercase">{side.toUpperCase()}</div>
            <SafeMarkdown text={text(conflict[side])} className="text-sm" />
          </div>
        ))}
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <input
          className={`${inputClass} min-w-64 flex-1`}
          placeholder="Why (optional, kept with the decision)"
          value={note}
          onChange={(e) => setNote(e.target.value)}
        />
        {(['a', 'b', 'tie', 'both_bad'] as const).map((label) => (
          <Button
            key={label}
            disabled={adjudicatorId === null || decide.isPending}
            onClick={() => decide.mutate(label)}
            data-testid={`adjudicate-${label}`}
          >
            {LABEL_WORDS[label]}
          </Button>
        ))}
      </div>
    </li>
  );
}

/** The conflict queue: pairs whose standing labels disagree, decided by an adjudicator (the annotator chosen on this machine). */
export function ConflictsPanel({ queue }: { queue: LabelQueue }) {
  const api = useApi();
  const [status, setStatus] = useState<'open' | 'adjudicated' | 'all'>('open');
  const { data } = useQuery({
    queryKey: ['labeling', 'conflicts', queue.id, status],
    queryFn: () => api.call('labeling.conflicts', { queueId: queue.id, status, limit: 50 }),
  });
  const [adjudicatorId] = useAnnotatorChoice();
  const { data: annotators } = useQuery(labelingQueries.annotators(api));
  const adjudicator = annotators?.find((a) => a.id === adjudicatorId);
  return (
    <section className="space-y-2" data-testid="conflicts-panel">
      <div className="flex items-center gap-3">
        <h2 className="text-sm font-semibold">Conflicts {data && <span className="text-zinc-500 tabular-nums">({data.total})</span>}</h2>
        {(['open', 'adjudicated', 'all'] as const).map((s) => (
          <Toggle key={s} on={status === s} onClick={() => setStatus(s)}>
            {s}
          </Toggle>
        ))}
        {adjudicator && <span className="ml-auto text-xs text-zinc-500">deciding as {adjudicator.name}</span>}
      </div>
      {!adjudicator && <EmptyState>Choose who you are on the Labeling page to decide conflicts.</EmptyState>}
      {data && data.conflicts.length === 0 && (
        <EmptyState testId="conflicts-empty">
          {status === 'open' ? 'No open conflict: every pair’s labels agree or are decided.' : 'None.'}
        </EmptyState>
      )}
      <ul className="space-y-3">
        {data?.conflicts.map((c) => (
          <ConflictCard key={c.itemId} queue={queue} conflict={c} />
        ))}
      </ul>
      {data && data.total > data.conflicts.length && (
        <EmptyState>
          Showing the first {data.conflicts.length} of {data.total}; decided ones leave the open list.
        </EmptyState>
      )}
    </section>
  );
}
