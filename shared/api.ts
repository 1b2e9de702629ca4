import type { MethodArgs, MethodName, MethodValue } from './contract';
import type { StudioEvent } from './events';
import type { Result } from './result';

/**
 * What a transport offers the renderer: one call per contract method and an
 * event subscription. The preload bridge (Electron) and the HTTP client
 * (serve mode) both implement it, so the UI is identical in both.
 */
export interface StudioTransport {
  call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<Result<MethodValue<M>>>;
  /** Returns an unsubscribe function. */
  onEvent(listener: (event: StudioEvent) => void): () => void;
  /**
   * Where a file the user picked can be read by the studio: its own path in
   * Electron; in serve mode, a copy uploaded into the workspace.
   */
  fileToPath(file: File): Promise<Result<{ path: string; name: string }>>;
  /** A link that downloads an export (serve mode), or null where the export's path is shown instead (Electron). */
  downloadUrl(name: string): string | null;
  readonly kind: 'electron' | 'http';
}

/** Channel names shared by main/index.ts and main/preload.ts. */
export const IPC_CALL_CHANNEL = 'studio:call';
export const IPC_EVENT_CHANNEL = 'studio:event';
