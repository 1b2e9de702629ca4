import { Component, type ErrorInfo, type ReactNode } from 'react';
import { navigate } from '../lib/router';
import { Button } from './Button';

interface Props {
  children: ReactNode;
  /** Where the boundary sits, said in the message ("this page", "the studio"). */
  scope: 'page' | 'app';
  /** When it changes (the route), a caught error is forgotten and the children render again. */
  resetKey?: string;
}

interface State {
  error: Error | null;
}

/**
 * Catches a render or effect error so one broken view never blanks the whole
 * studio. Everything the person did is on the server (workspace database,
 * jobs), so leaving the page or reloading loses nothing; the message says so.
 */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`The ${this.props.scope === 'page' ? 'page' : 'studio'} failed to render:`, error, info.componentStack);
  }

  override componentDidUpdate(previous: Props): void {
    if (this.state.error && previous.resetKey !== this.props.resetKey) this.setState({ error: null });
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    const page = this.props.scope === 'page';
    return (
      <div
        role="alert"
        className={`${page ? '' : 'm-6 '}max-w-2xl space-y-3 rounded-xl border border-rose-300 bg-rose-50 p-5 text-sm text-rose-900 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-100`}
        data-testid="error-boundary"
      >
        <h1 className="text-base font-semibold">{page ? 'This page stopped working.' : 'The studio stopped working.'}</h1>
        <p className="font-mono text-xs break-words" data-testid="error-boundary-message">
          {error.name}: {error.message}
        </p>
        <p>
          Nothing is lost: your data, runs and jobs live in the workspace and keep going.{' '}
          {page ? 'Go back or open another area.' : 'Reload to continue.'}
        </p>
        <div className="flex gap-2">
          {page ? (
            <>
              <Button onClick={() => window.history.back()}>← Back</Button>
              <Button onClick={() => navigate('/')}>Workspace</Button>
              <Button variant="primary" onClick={() => this.setState({ error: null })}>
                Try again
              </Button>
            </>
          ) : (
            <Button variant="primary" onClick={() => window.location.reload()}>
              Reload
            </Button>
          )}
        </div>
      </div>
    );
  }
}
