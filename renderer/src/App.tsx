import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, type ReactNode } from 'react';
import type { Settings } from '../../shared/contract';
import { useApi } from './api/context';
import { sessionQuery } from './api/session';
import { AnnotatorApp } from './AnnotatorApp';
import { EmptyState } from './components/EmptyState';
import { applyEvent, jobQueries, settingsQueries, workspaceQueries } from './api/queries';
import { Button } from './components/Button';
import { ErrorBoundary } from './components/ErrorBoundary';
import { JobsPanel } from './components/JobsPanel';
import { ShortcutsHelp } from './components/ShortcutsHelp';
import { Toasts } from './components/Toasts';
import { formatBytes } from './lib/format';
import { navigate, usePath } from './lib/router';
import { useGlobalShortcuts } from './lib/shortcuts';
import { applyTheme } from './lib/theme';
import { ui } from './lib/ui-store';
import { DatasetsPage } from './pages/datasets/DatasetsPage';
import { DatasetView } from './pages/datasets/DatasetView';
import { LabelingPage } from './pages/labeling/LabelingPage';
import { QueuePage } from './pages/labeling/QueuePage';
import { JobDetailPage, JobsPage } from './pages/JobsPage';
import { LaunchPage } from './pages/runs/LaunchPage';
import { RunPage } from './pages/runs/RunPage';
import { RunsPage } from './pages/runs/RunsPage';
import { EvaluatePage } from './pages/evaluate/EvaluatePage';
import { EvalResultPage } from './pages/evaluate/EvalResultPage';
import { ComparePage } from './pages/compare/ComparePage';
import { ExperimentPage } from './pages/experiments/ExperimentPage';
import { ExperimentsPage } from './pages/experiments/ExperimentsPage';
import { WorkspacePage } from './pages/WorkspacePage';

/**
 * The studio's areas. Each appears here when its feature lands (Datasets,
 * Labeling, Models, Runs, Compare), never as an empty placeholder.
 */
const AREAS: { path: string; label: string; match: (p: string) => boolean }[] = [
  { path: '/', label: 'Workspace', match: (p) => p === '/' },
  { path: '/datasets', label: 'Datasets', match: (p) => p.startsWith('/datasets') },
  { path: '/labeling', label: 'Labeling', match: (p) => p.startsWith('/labeling') },
  { path: '/runs', label: 'Runs', match: (p) => p.startsWith('/runs') },
  { path: '/evaluate', label: 'Evaluate', match: (p) => p.startsWith('/evaluate') },
  { path: '/compare', label: 'Compare', match: (p) => p.startsWith('/compare') },
  { path: '/experiments', label: 'Experiments', match: (p) => p.startsWith('/experiments') },
  { path: '/jobs', label: 'Jobs', match: (p) => p.startsWith('/jobs') },
];

function route(path: string): ReactNode {
  const job = /^\/jobs\/(\d+)$/.exec(path);
  if (job) return <JobDetailPage key={job[1]} id={Number(job[1])} />;
  if (path === '/jobs') return <JobsPage />;
  const run = /^\/runs\/(\d+)$/.exec(path);
  if (run) return <RunPage key={run[1]} id={Number(run[1])} />;
  if (path === '/runs/new') return <LaunchPage />;
  if (path === '/runs') return <RunsPage />;
  const evalResult = /^\/evaluate\/results\/(\d+)$/.exec(path);
  if (evalResult) return <EvalResultPage key={evalResult[1]} id={Number(evalResult[1])} />;
  if (path === '/evaluate') return <EvaluatePage />;
  if (path === '/compare' || path.startsWith('/compare?')) return <ComparePage />;
  const experiment = /^\/experiments\/(\d+)$/.exec(path);
  if (experiment) return <ExperimentPage key={experiment[1]} id={Number(experiment[1])} />;
  if (path === '/experiments') return <ExperimentsPage />;
  const dataset = /^\/datasets\/(\d+)$/.exec(path);
  if (dataset) return <DatasetView key={dataset[1]} id={Number(dataset[1])} />;
  if (path === '/datasets') return <DatasetsPage />;
  const queue = /^\/labeling\/(\d+)(\/stats)?$/.exec(path);
  if (queue) return <QueuePage key={queue[1]} id={Number(queue[1])} tab={queue[2] ? 'stats' : 'label'} />;
  if (path === '/labeling') return <LabelingPage />;
  return <WorkspacePage />;
}

function Header({ theme, onToggleTheme }: { theme: Settings['theme']; onToggleTheme: () => void }) {
  const api = useApi();
  const { data: info } = useQuery(workspaceQueries.info(api));
  const { data: jobs = [] } = useQuery(jobQueries.list(api));
  const active = jobs.filter((j) => j.status === 'running' || j.status === 'queued').length;
  return (
    <header className="fixed inset-x-0 top-0 z-30 flex h-14 items-center justify-between gap-4 border-b border-zinc-200 bg-white/90 px-4 backdrop-blur dark:border-zinc-800 dark:bg-zinc-900/90">
      <div className="flex min-w-0 items-center gap-3">
        <span className="font-semibold whitespace-nowrap">Alignment Studio</span>
        {info && (
          <span className="flex min-w-0 items-center gap-2 text-xs text-zinc-500" data-testid="workspace-header">
            <span className="truncate font-mono" title={info.path}>
              {info.path}
            </span>
            <span>·</span>
            <span className="whitespace-nowrap">{formatBytes(info.sizeBytes)}</span>
            <span>·</span>
            <span className="whitespace-nowrap" title={info.backend.detail}>
              backend: {info.backend.name}
            </span>
            <span>·</span>
            <span className="whitespace-nowrap">{api.transport === 'electron' ? 'desktop' : 'serve mode'}</span>
          </span>
        )}
      </div>
      <div className="flex items-center gap-1">
        <Button variant="ghost" onClick={() => ui.toggleJobsPanel()} aria-label="Jobs panel" data-testid="jobs-button">
          Jobs
          {active > 0 && <span className="rounded-full bg-indigo-600 px-1.5 text-xs text-white tabular-nums">{active}</span>}
        </Button>
        <Button variant="ghost" onClick={onToggleTheme} aria-label="Switch theme" title={`Theme: ${theme} (t)`}>
          {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'}
        </Button>
        <Button variant="ghost" onClick={() => ui.toggleShortcuts(true)} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)">
          ?
        </Button>
      </div>
    </header>
  );
}

/**
 * The owner gets the whole studio; an annotator who opened an invite link
 * (serve mode) gets only the labeler for the invite's queues.
 */
export function App() {
  const api = useApi();
  const { data: session, error } = useQuery(sessionQuery(api));
  if (error) return <EmptyState testId="session-error">{error.message}</EmptyState>;
  if (!session) return null;
  if (session.role === 'annotator') return <AnnotatorApp session={{ ...session, role: 'annotator' }} />;
  return <StudioApp />;
}

function StudioApp() {
  const api = useApi();
  const queryClient = useQueryClient();
  const path = usePath();
  const { data: settings } = useQuery(settingsQueries.all(api));
  const theme = settings?.theme ?? 'system';
  const updateSettings = useMutation({
    mutationFn: (patch: Partial<Settings>) => api.call('settings.update', patch),
    onSuccess: (next) => queryClient.setQueryData(settingsQueries.all(api).queryKey, next),
  });

  useEffect(() => applyTheme(theme), [theme]);
  useEffect(() => api.onEvent((event) => applyEvent(queryClient, event)), [api, queryClient]);

  const isDark = document.documentElement.classList.contains('dark');
  const toggleTheme = () => updateSettings.mutate({ theme: isDark ? 'light' : 'dark' });
  const shortcuts = useMemo(
    () => ({
      '?': () => ui.toggleShortcuts(),
      'g w': () => navigate('/'),
      'g d': () => navigate('/datasets'),
      'g l': () => navigate('/labeling'),
      'g r': () => navigate('/runs'),
      'g e': () => navigate('/evaluate'),
      'g c': () => navigate('/compare'),
      'g j': () => navigate('/jobs'),
      J: () => ui.toggleJobsPanel(),
      t: toggleTheme,
      Escape: () => ui.toggleJobsPanel(false),
    }),
    [isDark],
  );
  useGlobalShortcuts(shortcuts);

  return (
    <div className="h-full">
      <Header theme={theme} onToggleTheme={toggleTheme} />
      <div className="flex h-full pt-14">
        <nav aria-label="Studio areas" className="w-48 shrink-0 border-r border-zinc-200 p-3 dark:border-zinc-800">
          <ul className="space-y-1">
            {AREAS.map((area) => (
              <li key={area.path}>
                <a
                  href={`#${area.path}`}
                  aria-current={area.match(path) ? 'page' : undefined}
                  className={`block rounded-md px-3 py-1.5 text-sm ${
                    area.match(path)
                      ? 'bg-indigo-50 font-medium text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300'
                      : 'text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-900'
                  }`}
                >
                  {area.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main className="min-w-0 flex-1 overflow-y-auto p-6">
          {/* A page that throws shows its error here; the header and navigation stay, and leaving the route recovers. */}
          <ErrorBoundary scope="page" resetKey={path}>
            {route(path)}
          </ErrorBoundary>
        </main>
      </div>
      <JobsPanel />
      <ShortcutsHelp />
      <Toasts />
    </div>
  );
}
