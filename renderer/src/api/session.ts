import { queryOptions } from '@tanstack/react-query';
import type { ApiClient } from './client';

/**
 * Who this window is: the owner (the desktop app, serve mode's own link) or,
 * in serve mode, an annotator who opened an invite link — then the app shows
 * only the labeler for the invite's queues (App.tsx). Fixed for the page's
 * life: opening another link reloads the page.
 */
export const sessionQuery = (api: ApiClient) =>
  queryOptions({ queryKey: ['session'], queryFn: () => api.call('session.whoami', {}), staleTime: Infinity, retry: false });
