import type { MethodArgs, MethodName, MethodValue } from '../../shared/contract';
import { type Job, TERMINAL_STATUSES } from '../../shared/jobs';
import { StudioError } from '../../shared/result';
import type { EventListener } from './events';
import type { Dispatch } from './handlers';

/**
 * How code in the main process (the CLI, the server, benches, tests) talks to
 * a Studio: through its one door, `dispatch`, so every call is checked
 * against the contract exactly as IPC and HTTP calls are. A refusal comes
 * back thrown as the StudioError it was, with its code — the same thing the
 * renderer's ApiClient does on its side of a transport.
 */
export interface StudioDoor {
  readonly dispatch: Dispatch;
  readonly events: { subscribe(listener: EventListener): () => void };
}

/** Calls a contract method; returns its value or throws the StudioError it answered. */
export async function call<M extends MethodName>(
  studio: Pick<StudioDoor, 'dispatch'>,
  method: M,
  args: MethodArgs<M>,
): Promise<MethodValue<M>> {
  const result = await studio.dispatch(method, args);
  if (!result.ok) throw StudioError.fromShape(result.error);
  return result.value as MethodValue<M>;
}

const hasEnded = (job: Job) => TERMINAL_STATUSES.includes(job.status);

/**
 * The job once it has ended (succeeded, failed, cancelled, interrupted …):
 * from its `job.updated` events, or at once when it already has.
 */
export function jobSettled(studio: StudioDoor, id: number): Promise<Job> {
  return new Promise<Job>((resolve, reject) => {
    let settled = false;
    // Takes the outcome lazily: once settled, a later one is never even started (a rejected one would go unhandled).
    const settle = (outcome: () => Promise<Job>) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      outcome().then(resolve, reject);
    };
    // Subscribed before asking, so an end between the two is not missed.
    const unsubscribe = studio.events.subscribe((event) => {
      if (event.type === 'job.updated' && event.job.id === id && hasEnded(event.job)) settle(() => call(studio, 'jobs.get', { id }));
    });
    call(studio, 'jobs.get', { id }).then(
      (job) => {
        if (hasEnded(job)) settle(() => Promise.resolve(job));
      },
      (err: unknown) => settle(() => Promise.reject(err instanceof Error ? err : new Error(String(err)))),
    );
  });
}
