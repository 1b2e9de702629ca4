import type { StudioTransport } from '../../../shared/api';
import type { MethodArgs, MethodName, MethodValue } from '../../../shared/contract';
import type { StudioEvent } from '../../../shared/events';
import type { StudioErrorShape } from '../../../shared/result';

/** A failed call, carrying the contract's error code and message for toasts. */
export class ApiError extends Error {
  readonly code: string;
  readonly details: unknown;
  constructor(error: StudioErrorShape) {
    super(error.message);
    this.code = error.code;
    this.details = error.details;
  }
}

export interface ApiClient {
  call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodValue<M>>;
  onEvent(listener: (event: StudioEvent) => void): () => void;
  /** A path the studio can read for a file the user picked (uploads it in serve mode). */
  fileToPath(file: File): Promise<{ path: string; name: string }>;
  downloadUrl(name: string): string | null;
  readonly transport: StudioTransport['kind'];
}

export function createApiClient(transport: StudioTransport): ApiClient {
  return {
    transport: transport.kind,
    async call(method, args) {
      const result = await transport.call(method, args);
      if (!result.ok) throw new ApiError(result.error);
      return result.value;
    },
    onEvent: (listener) => transport.onEvent(listener),
    async fileToPath(file) {
      const result = await transport.fileToPath(file);
      if (!result.ok) throw new ApiError(result.error);
      return result.value;
    },
    downloadUrl: (name) => transport.downloadUrl(name),
  };
}
