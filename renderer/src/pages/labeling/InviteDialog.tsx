import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { LabelQueue } from '../../../../shared/labeling';
import { useApi } from '../../api/context';
import { labelingQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { EmptyState } from '../../components/EmptyState';
import { Field, inputClass } from '../../components/Field';
import { formatTime } from '../../lib/format';

/**
 * Invite an annotator to this queue (serve mode): the link is shown once —
 * the workspace keeps only its token's hash — with a copy button; below, the
 * queue's invites with Revoke.
 */
export function InviteDialog({ queue, onClose }: { queue: LabelQueue; onClose: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [hours, setHours] = useState('');
  const [copied, setCopied] = useState(false);
  const { data: invites = [] } = useQuery(labelingQueries.invites(api));
  const mine = invites.filter((i) => i.queueIds.includes(queue.id));
  const expiresInHours = hours.trim() === '' ? undefined : Number(hours);
  const hoursError =
    expiresInHours !== undefined && !(expiresInHours > 0) ? 'Expiry is a number of hours above 0, or empty for none.' : null;
  const create = useMutation({
    mutationFn: async () => {
      const annotators = await api.call('labeling.annotators', {});
      const annotator =
        annotators.find((a) => a.name === name.trim()) ?? (await api.call('labeling.createAnnotator', { name: name.trim() }));
      return api.call('invites.create', { annotatorId: annotator.id, queueIds: [queue.id], ...(expiresInHours ? { expiresInHours } : {}) });
    },
    onSuccess: () => {
      setCopied(false);
      void queryClient.invalidateQueries({ queryKey: ['invites'] });
      void queryClient.invalidateQueries({ queryKey: labelingQueries.annotators(api).queryKey });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: number) => api.call('invites.revoke', { id }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['invites'] }),
  });
  const link = create.data?.url;
  return (
    <Dialog open onClose={onClose} title="Invite an annotator" testId="invite-dialog">
      <div className="space-y-3">
        <p className="text-xs text-zinc-500">
          The link opens only the labeler for this queue, labeling as that person; it works until it expires or you revoke it. Serve on an
          address they can reach (<span className="font-mono">--host</span>) for people on other machines.
        </p>
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim() && !hoursError) create.mutate();
          }}
        >
          <Field label="Annotator name" className="flex-1">
            <input className={inputClass} value={name} onChange={(e) => setName(e.target.value)} data-testid="invite-name" />
          </Field>
          <Field label="Expires in hours" hint="empty = never">
            <input
              className={`${inputClass} w-24`}
              type="number"
              min={0}
              step="any"
              value={hours}
              onChange={(e) => setHours(e.target.value)}
              data-testid="invite-hours"
            />
          </Field>
          <Button variant="primary" type="submit" disabled={!name.trim() || !!hoursError || create.isPending} data-testid="invite-create">
            Make link
          </Button>
        </form>
        {(hoursError ?? create.error) && (
          <p role="alert" className="text-sm text-rose-600">
            {hoursError ?? create.error?.message}
          </p>
        )}
        {link && (
          <div className="space-y-1 rounded-lg bg-zinc-50 p-3 text-sm dark:bg-zinc-800/50">
            <p className="text-xs text-zinc-500">Shown only now: copy it and send it to {create.data?.invite.annotator.name}.</p>
            <div className="flex items-center gap-2">
              <input readOnly className={`${inputClass} font-mono text-xs`} value={link} data-testid="invite-link" />
              <Button
                onClick={() => {
                  void navigator.clipboard.writeText(link).then(() => setCopied(true));
                }}
                data-testid="invite-copy"
              >
                {copied ? 'Copied' : 'Copy'}
              </Button>
            </div>
          </div>
        )}
        <div>
          <h3 className="text-xs font-medium text-zinc-500 uppercase">Invites to this queue</h3>
          {mine.length === 0 ? (
            <EmptyState>None yet.</EmptyState>
          ) : (
            <ul className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800" data-testid="invite-list">
              {mine.map((i) => (
                <li key={i.id} className="flex items-center gap-2 py-1" data-testid="invite-row" data-status={i.status}>
                  <span className="flex-1">
                    {i.annotator.name} · <span className="font-medium">{i.status}</span>
                    <span className="block text-xs text-zinc-500">
                      made {formatTime(i.createdAt)} · expires {i.expiresAt === null ? 'never' : formatTime(i.expiresAt)} · last used{' '}
                      {formatTime(i.lastUsedAt)}
                    </span>
                  </span>
                  {i.status === 'active' && (
                    <Button variant="danger" onClick={() => revoke.mutate(i.id)} disabled={revoke.isPending} data-testid="invite-revoke">
                      Revoke
                    </Button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="flex justify-end">
          <Button onClick={onClose}>Close</Button>
        </div>
      </div>
    </Dialog>
  );
}
