import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ApiError, createApiClient } from './api/client';
import { ApiProvider } from './api/context';
import { ErrorBoundary } from './components/ErrorBoundary';
import { pickTransport } from './api/transport';
import { ui } from './lib/ui-store';
import './styles.css';

function toastError(error: unknown): void {
  if (error instanceof ApiError) ui.toast({ kind: 'error', title: error.code, message: error.message });
  else ui.toast({ kind: 'error', title: 'ERROR', message: error instanceof Error ? error.message : String(error) });
}

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: toastError }),
  mutationCache: new MutationCache({ onError: toastError }),
  // Server data is pushed by events; refetch only when asked or on reconnect.
  defaultOptions: { queries: { staleTime: 30_000, retry: 1, refetchOnWindowFocus: false } },
});

const api = createApiClient(pickTransport());

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApiProvider client={api}>
      <QueryClientProvider client={queryClient}>
        <ErrorBoundary scope="app">
          <App />
        </ErrorBoundary>
      </QueryClientProvider>
    </ApiProvider>
  </StrictMode>,
);
