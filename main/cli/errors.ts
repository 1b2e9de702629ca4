import { StudioError } from '../../shared/result';
// errors.ts is tensor-free: importing it keeps `studio --help` from loading tfjs.
import { EngineError } from '../engine/errors';
import { CliError, EXIT } from './commands';

/** How a failure is reported: a code for --json, one sentence, the exit code, and whether it is a bug. */
export interface Failure {
  code: string;
  message: string;
  exitCode: number;
  internal: boolean;
}

/** Errors of the tensor backends that mean "this machine cannot do that", by their `code`. */
const RESOURCE_CODES = new Set(['BACKEND_UNAVAILABLE', 'WASM_OUT_OF_MEMORY']);

export function describeFailure(err: unknown): Failure {
  if (err instanceof CliError) return { code: err.code, message: err.message, exitCode: err.exitCode, internal: false };
  // The studio answers INTERNAL for what threw inside it without a code: a bug, as below.
  if (err instanceof StudioError && err.code === 'INTERNAL')
    return { code: err.code, message: err.message, exitCode: EXIT.internal, internal: true };
  if (err instanceof StudioError) return { code: err.code, message: err.message, exitCode: EXIT.failed, internal: false };
  // EngineError covers ConfigError and SafetensorsError: a model folder the engine cannot use.
  if (err instanceof EngineError) {
    const exitCode = err.code === 'out_of_memory' ? EXIT.noResources : err.code === 'invalid_input' ? EXIT.failed : EXIT.badModel;
    return { code: err.code.toUpperCase(), message: err.message, exitCode, internal: false };
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof Error && typeof code === 'string' && RESOURCE_CODES.has(code))
    return { code, message: err.message, exitCode: EXIT.noResources, internal: false };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message: `internal error: ${message}`, exitCode: EXIT.internal, internal: true };
}

/**
 * An engine error about a model folder, with the folder in its sentence:
 * the engine's messages name the file inside it ("config.json: …"), and a
 * terminal user needs to know which folder that was.
 */
export function inModelFolder(dir: string, err: unknown): unknown {
  if (!(err instanceof EngineError) || err.message.includes(dir)) return err;
  const named = new EngineError(err.code, `${dir}: ${err.message}`);
  named.stack = err.stack;
  return named;
}
