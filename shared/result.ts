import { z } from 'zod';

/**
 * Every failure that crosses the contract has a stable code (for programs and
 * tests), a sentence a person understands, and optional details (for imports:
 * file, row and field).
 */
export const ErrorCode = z.enum([
  'INVALID_ARGUMENT',
  'UNKNOWN_METHOD',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHORIZED',
  'FORBIDDEN_ORIGIN',
  /** The caller is known but may not do this (an invite token outside the labeler or its queues). */
  'FORBIDDEN',
  'WORKSPACE_TOO_NEW',
  'JOB_FAILED',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const StudioErrorShape = z.object({
  code: ErrorCode,
  message: z.string(),
  details: z.unknown().optional(),
});
export type StudioErrorShape = z.infer<typeof StudioErrorShape>;

export type Result<T> = { ok: true; value: T } | { ok: false; error: StudioErrorShape };

/** An error with a code, thrown by the core and turned into `{ok:false}` at the boundary. */
export class StudioError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'StudioError';
    this.code = code;
    this.details = details;
  }
  /** The error a `{ok: false}` answer carries, thrown again on this side of the boundary. */
  static fromShape(shape: StudioErrorShape): StudioError {
    return new StudioError(shape.code, shape.message, shape.details);
  }
  toShape(): StudioErrorShape {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}
