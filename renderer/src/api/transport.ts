import type { StudioTransport } from '../../../shared/api';
import { StudioEvent } from '../../../shared/events';
import type { MethodArgs, MethodName, MethodValue } from '../../../shared/contract';
import type { Result } from '../../../shared/result';

declare global {
  interface Window {
    /** Present inside Electron: the preload bridge (main/preload.ts). */
    studio?: StudioTransport;
  }
}

const TOKEN_KEY = 'studio.token';

/**
 * Serve mode: the access token arrives once in the URL (`?token=…`, or an
 * annotator's `?invite=…`). Keep it for this tab and take it out of the
 * address bar so it does not linger in history or screenshots; the server
 * has also set an HttpOnly cookie.
 */
function takeTokenFromUrl(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token') ?? url.searchParams.get('invite');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    url.searchParams.delete('invite');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function httpTransport(): StudioTransport {
  const token = takeTokenFromUrl();
  const listeners = new Set<(event: StudioEvent) => void>();
  let source: EventSource | null = null;

  const emit = (event: StudioEvent) => {
    for (const l of listeners) l(event);
  };
  const connect = () => {
    let dropped = false;
    source = new EventSource('./api/events');
    source.onerror = () => (dropped = true);
    source.onopen = () => {
      if (dropped) emit({ type: 'resync' });
      dropped = false;
    };
    source.onmessage = (message) => {
      const parsed = StudioEvent.safeParse(JSON.parse(message.data as string));
      if (parsed.success) emit(parsed.data);
    };
  };

  return {
    kind: 'http',
    async call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<Result<MethodValue<M>>> {
      let response: Response;
      try {
        response = await fetch(`./api/${method}`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(args ?? {}),
        });
      } catch {
        return { ok: false, error: { code: 'INTERNAL', message: 'The studio server is not reachable. Is `studio serve` still running?' } };
      }
      try {
        return (await response.json()) as Result<MethodValue<M>>;
      } catch {
        return { ok: false, error: { code: 'INTERNAL', message: `The studio server answered ${response.status} without a JSON body.` } };
      }
    },
    async fileToPath(file) {
      try {
        const response = await fetch(`./api/upload?name=${encodeURIComponent(file.name)}`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/octet-stream', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
          body: file,
        });
        return (await response.json()) as Result<{ path: string; name: string }>;
      } catch {
        return { ok: false, error: { code: 'INTERNAL', message: `Uploading ${file.name} failed: is \`studio serve\` still running?` } };
      }
    },
    downloadUrl: (name) => `./api/download/${encodeURIComponent(name)}`,
    onEvent(listener) {
      listeners.add(listener);
      if (!source) connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          source?.close();
          source = null;
        }
      };
    },
  };
}

/** The preload bridge when running in Electron, HTTP otherwise: the UI is the same in both. */
export function pickTransport(): StudioTransport {
  return window.studio ?? httpTransport();
}
