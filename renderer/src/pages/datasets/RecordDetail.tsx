import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import type { DatasetRecord, Message, RecordContent } from '../../../../shared/datasets';
import { FLAG_LABELS } from '../../../../shared/datasets';
import { useApi } from '../../api/context';
import { invalidateDataset, recordQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { formatTime } from '../../lib/format';
import { Badge } from '../../components/Badge';
import { EmptyState } from '../../components/EmptyState';
import { inputClass } from '../../components/Field';

function Messages({ messages, testId }: { messages: Message[] | null; testId?: string }) {
  if (!messages || messages.length === 0) return <p className="text-xs text-zinc-400 italic">(none)</p>;
  return (
    <div className="space-y-2" data-testid={testId}>
      {messages.map((m, i) => (
        <div key={i}>
          <div className="text-[10px] font-semibold tracking-wide text-zinc-500 uppercase">{m.role}</div>
          <div className="text-sm whitespace-pre-wrap break-words">{m.content}</div>
        </div>
      ))}
    </div>
  );
}

function MessagesEditor({ messages, onChange, label }: { messages: Message[]; onChange: (next: Message[]) => void; label: string }) {
  return (
    <div className="space-y-2">
      {messages.map((m, i) => (
        <label key={i} className="block">
          <span className="text-[10px] font-semibold tracking-wide text-zinc-500 uppercase">{m.role}</span>
          <textarea
            className={`${inputClass} w-full`}
            rows={Math.min(8, Math.max(2, Math.ceil(m.content.length / 60)))}
            value={m.content}
            aria-label={`${label} message ${i + 1} (${m.role})`}
            data-testid={`edit-${label}-${i}`}
            onChange={(e) => onChange(messages.map((x, j) => (j === i ? { ...x, content: e.target.value } : x)))}
          />
        </label>
      ))}
    </div>
  );
}

type Draft = Pick<RecordContent, 'prompt' | 'chosen' | 'rejected' | 'system'>;

function Editor({ record, onDone }: { record: DatasetRecord; onDone: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>({
    prompt: record.prompt,
    chosen: record.chosen,
    rejected: record.rejected,
    system: record.system,
  });
  const [reason, setReason] = useState('');
  const save = useMutation({
    mutationFn: () => api.call('records.update', { id: record.id, content: draft, ...(reason.trim() ? { reason: reason.trim() } : {}) }),
    onSuccess: (next) => {
      queryClient.setQueryData(recordQueries.detail(api, record.id).queryKey, next);
      void invalidateDataset(queryClient, record.datasetId);
      onDone();
    },
  });
  return (
    <div className="space-y-3" data-testid="record-editor">
      {draft.system !== null && (
        <label className="block">
          <span className="text-[10px] font-semibold tracking-wide text-zinc-500 uppercase">system</span>
          <textarea
            className={`${inputClass} w-full`}
            rows={2}
            value={draft.system}
            onChange={(e) => setDraft({ ...draft, system: e.target.value })}
          />
        </label>
      )}
      <MessagesEditor label="prompt" messages={draft.prompt} onChange={(prompt) => setDraft({ ...draft, prompt })} />
      <div className="grid grid-cols-2 gap-3">
        {draft.chosen && <MessagesEditor label="chosen" messages={draft.chosen} onChange={(chosen) => setDraft({ ...draft, chosen })} />}
        {draft.rejected && (
          <MessagesEditor label="rejected" messages={draft.rejected} onChange={(rejected) => setDraft({ ...draft, rejected })} />
        )}
      </div>
      <input
        className={`${inputClass} w-full`}
        placeholder="Reason for the edit (kept in history)"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        data-testid="edit-reason"
      />
      <div className="flex justify-end gap-2">
        <Button onClick={onDone}>Cancel</Button>
        <Button variant="primary" onClick={() => save.mutate()} disabled={save.isPending} data-testid="edit-save">
          Save
        </Button>
      </div>
    </div>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section>
      <h3 className="mb-1 text-xs font-semibold text-zinc-500">{title}</h3>
      {children}
    </section>
  );
}

/** One record in full, beside the table: chosen and rejected side by side, its source, history and an editor. */
export function RecordDetail({ id, onClose }: { id: number; onClose: () => void }) {
  const api = useApi();
  const { data: record } = useQuery(recordQueries.detail(api, id));
  const [editing, setEditing] = useState(false);
  useEffect(() => setEditing(false), [id]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // A dialog on top takes Escape for itself.
      if (e.key === 'Escape' && !document.querySelector('dialog[open]')) onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  return (
    <aside
      aria-label={`Record ${id}`}
      data-testid="record-detail"
      className="flex w-[42rem] max-w-[55%] shrink-0 flex-col overflow-hidden rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900"
    >
      <div className="flex items-center justify-between gap-2 border-b border-zinc-200 px-4 py-2 dark:border-zinc-800">
        <div className="flex min-w-0 flex-wrap items-center gap-1.5">
          <h2 className="text-sm font-semibold">Record #{id}</h2>
          {record && (
            <>
              <Badge>{record.kind}</Badge>
              <Badge tone="emerald">{record.split ?? 'no split'}</Badge>
              {record.flags.map((f) => (
                <span key={f} title={FLAG_LABELS[f]}>
                  <Badge tone="amber">{f}</Badge>
                </span>
              ))}
              {record.tags.map((t) => (
                <Badge key={t} tone="indigo">
                  {t}
                </Badge>
              ))}
            </>
          )}
        </div>
        <div className="flex shrink-0 gap-1">
          {record && !editing && (
            <Button variant="ghost" className="!px-2 !py-0.5 text-xs" onClick={() => setEditing(true)} data-testid="record-edit">
              Edit
            </Button>
          )}
          <Button variant="ghost" className="!px-2 !py-0.5 text-xs" onClick={onClose} aria-label="Close record (Esc)">
            ✕
          </Button>
        </div>
      </div>
      {!record ? (
        <div className="p-4">
          <EmptyState>Loading…</EmptyState>
        </div>
      ) : (
        <div className="flex-1 space-y-4 overflow-y-auto p-4">
          {editing ? (
            <Editor record={record} onDone={() => setEditing(false)} />
          ) : (
            <>
              {record.system !== null && (
                <Section title="System">
                  <p className="text-sm whitespace-pre-wrap">{record.system}</p>
                </Section>
              )}
              <Section title="Prompt">
                <Messages messages={record.prompt} testId="detail-prompt" />
              </Section>
              <div className="grid grid-cols-2 gap-3">
                <div
                  className="rounded-lg border border-emerald-200 bg-emerald-50/50 p-3 dark:border-emerald-900 dark:bg-emerald-950/30"
                  data-testid="detail-chosen"
                >
                  <h3 className="mb-1 text-xs font-semibold text-emerald-700 dark:text-emerald-300">Chosen</h3>
                  <Messages messages={record.chosen} />
                </div>
                <div
                  className="rounded-lg border border-rose-200 bg-rose-50/50 p-3 dark:border-rose-900 dark:bg-rose-950/30"
                  data-testid="detail-rejected"
                >
                  <h3 className="mb-1 text-xs font-semibold text-rose-700 dark:text-rose-300">Rejected</h3>
                  <Messages messages={record.rejected} />
                </div>
              </div>
              {record.responses && record.responses.length > 0 && (
                <Section title="Responses (unlabeled)">
                  <div className="grid grid-cols-2 gap-3">
                    {record.responses.map((r, i) => (
                      <div key={i} className="rounded-lg border border-zinc-200 p-3 dark:border-zinc-800">
                        <Messages messages={r} />
                      </div>
                    ))}
                  </div>
                </Section>
              )}
            </>
          )}
          <Section title="Source">
            <p className="font-mono text-xs" data-testid="detail-source">
              {record.source.file ?? '—'}
              {record.source.line !== null ? `, line ${record.source.line}` : ''}
              {record.source.row !== null ? `, row ${record.source.row}` : ''}
            </p>
          </Section>
          {Object.keys(record.meta).length > 0 && (
            <Section title="Meta">
              <pre className="overflow-x-auto rounded bg-zinc-50 p-2 text-xs dark:bg-zinc-950">{JSON.stringify(record.meta, null, 2)}</pre>
            </Section>
          )}
          <details>
            <summary className="cursor-pointer text-xs font-semibold text-zinc-500">Original row</summary>
            <pre className="mt-1 max-h-64 overflow-auto rounded bg-zinc-50 p-2 text-xs dark:bg-zinc-950" data-testid="detail-original">
              {JSON.stringify(record.original, null, 2)}
            </pre>
          </details>
          <Section title={`History (version ${record.version})`}>
            {record.history.length === 0 ? (
              <p className="text-xs text-zinc-400">Never edited.</p>
            ) : (
              <ul className="space-y-1 text-xs" data-testid="detail-history">
                {[...record.history].reverse().map((h) => (
                  <li key={h.version}>
                    <span className="font-medium">v{h.version}</span> · {formatTime(h.changedAt)} · {h.reason || 'no reason given'}
                  </li>
                ))}
              </ul>
            )}
          </Section>
        </div>
      )}
    </aside>
  );
}
