import type { z } from 'zod';
import { type Contract, isMethodName, type MethodName, type MethodValue, type ParsedArgs } from '../../shared/contract';
import { type Result, StudioError } from '../../shared/result';

/** The core's implementation of every contract method, taking already-validated arguments. */
export type Handlers = {
  [M in MethodName]: (args: ParsedArgs<M>) => MethodValue<M> | Promise<MethodValue<M>>;
};

export type Dispatch = (method: string, args: unknown) => Promise<Result<unknown>>;

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/**
 * The one boundary every transport goes through: it validates the method
 * name and the arguments with the contract's schemas, runs the handler, and
 * answers `{ok, value}` or `{ok: false, error: {code, message, details}}` —
 * never a thrown exception, never an unvalidated value.
 */
export function registerHandlers(contract: Contract, handlers: Handlers, onInternalError?: (err: unknown) => void): Dispatch {
  return async (method, rawArgs) => {
    if (!isMethodName(method)) {
      return { ok: false, error: { code: 'UNKNOWN_METHOD', message: `The studio has no method "${method}".` } };
    }
    const spec = contract[method];
    const parsed = spec.args.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      return {
        ok: false,
        error: {
          code: 'INVALID_ARGUMENT',
          message: `Invalid arguments for ${method}: ${describeIssues(parsed.error.issues)}.`,
          details: { issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message, code: i.code })) },
        },
      };
    }
    try {
      const handler = handlers[method] as (args: unknown) => unknown;
      const value = await handler(parsed.data);
      const checked = spec.result.safeParse(value);
      if (!checked.success) {
        throw new Error(`The result of ${method} does not match the contract: ${describeIssues(checked.error.issues)}`);
      }
      return { ok: true, value: checked.data };
    } catch (err) {
      if (err instanceof StudioError) return { ok: false, error: err.toShape() };
      onInternalError?.(err);
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, error: { code: 'INTERNAL', message: `Internal error in ${method}: ${message}` } };
    }
  };
}
