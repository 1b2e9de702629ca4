import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { Session } from '../../shared/invites';
import { useApi } from './api/context';
import { labelingQueries } from './api/queries';
import { Button } from './components/Button';
import { EmptyState } from './components/EmptyState';
import { ErrorBoundary } from './components/ErrorBoundary';
import { Toasts } from './components/Toasts';
import { formatCount } from './lib/format';
import { navigate, usePath } from './lib/router';
import { applyTheme } from './lib/theme';
import { Labeler } from './pages/labeling/Labeler';

/**
 * The app for an annotator who opened an invite link (serve mode): the
 * labeler for the invite's queues and nothing else — no navigation, no
 * workspace header, no jobs or settings (the server refuses those calls for
 * an invite anyway). The annotator is the invite's; there is no picker.
 */
export function AnnotatorApp({ session }: { session: Session & { role: 'annotator' } }) {
  const api = useApi();
  const path = usePath();
  const { data: queues, error } = useQuery(labelingQueries.queues(api));
  useEffect(() => applyTheme('system'), []);
  const annotator = session.annotator!;
  const asked = /^\/labeling\/(\d+)$/.exec(path);
  const queue = asked ? queues?.find((q) => q.id === Number(asked[1])) : undefined;

  let body;
  if (error) body = <EmptyState>{error.message}</EmptyState>;
  else if (!queues) body = null;
  else if (queue) body = <Labeler key={queue.id} queue={queue} annotatorId={annotator.id} annotatorName={annotator.name} />;
  else
    body = (
      <div className="space-y-3" data-testid="invite-queues">
        {asked && (
          <EmptyState testId="invite-refused">This invite does not open label queue #{asked[1]}; it opens the queues below.</EmptyState>
        )}
        {queues.length === 0 ? (
          <EmptyState>This invite opens no label queue any more: ask the studio’s owner for a new link.</EmptyState>
        ) : (
          <ul className="space-y-1">
            {queues.map((q) => (
              <li key={q.id}>
                <Button variant="ghost" onClick={() => navigate(`/labeling/${q.id}`)}>
                  {q.name} · {formatCount(q.done)} / {formatCount(q.total)} done
                </Button>
              </li>
            ))}
          </ul>
        )}
      </div>
    );

  return (
    <div className="h-full">
      <header
        className="fixed inset-x-0 top-0 z-30 flex h-14 items-center justify-between gap-4 border-b border-zinc-200 bg-white/90 px-4 backdrop-blur dark:border-zinc-800 dark:bg-zinc-900/90"
        data-testid="annotator-header"
      >
        <span className="font-semibold whitespace-nowrap">Alignment Studio · labeling</span>
        <span className="text-sm text-zinc-500">
          invited as <span className="font-medium text-zinc-800 dark:text-zinc-100">{annotator.name}</span>
        </span>
      </header>
      <main className="h-full overflow-y-auto p-6 pt-20">
        <ErrorBoundary scope="page" resetKey={path}>
          {body}
        </ErrorBoundary>
      </main>
      <Toasts />
    </div>
  );
}
