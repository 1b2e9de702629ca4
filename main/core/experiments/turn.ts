/**
 * An experiment's turn order (issue 19): its grid trains one cell at a time,
 * each run followed by its evaluations, so the device is never shared
 * between two of its runs and evaluation times are measured from the first
 * run on (the time left is priced from them). Every run of an active
 * experiment is queued from the start; this gate, which the job supervisor
 * asks before it launches a queued job, keeps a run's train job waiting
 * until every earlier cell is done — its run ended (succeeded, failed or
 * cancelled) and none of its evaluations still to end — and every run while
 * the experiment is paused. The run then reads as queued everywhere (runs
 * list, run page, `studio runs`, `studio jobs`, the experiment page) with the
 * reason in words, and has no Resume of its own: the experiment's Pause and
 * Resume drive it.
 *
 * The order lives in the database (the cells and their jobs), so it holds
 * across restarts and for every studio process sharing the workspace.
 */
import type { Job } from '../../../shared/jobs';
import type { ExperimentStore } from './store';

const ENDED_RUN = new Set(['succeeded', 'failed', 'cancelled']);

/** Why a queued job must wait for its experiment's turn, or null when it may start. */
export function experimentTurn(store: ExperimentStore): (job: Job) => string | null {
  return (job) => {
    if (job.kind !== 'train') return null;
    const mine = store.cellOfTrainJob(job.id);
    if (mine === null) return null;
    const exp = `experiment #${mine.experimentId}`;
    const state = store.get(mine.experimentId).state;
    // A cancelled experiment cancels its jobs itself (service.ts).
    if (state === 'cancelled') return null;
    if (state === 'paused') return `Held: ${exp} is paused; resuming it continues the grid.`;
    const cells = store.turnStates(mine.experimentId);
    const first = cells.find((c) => !ENDED_RUN.has(c.status) || c.evalsOpen > 0);
    if (first === undefined || first.cell >= mine.cell) return null;
    const which = `run #${first.runId} (${first.cell + 1} of ${cells.length})`;
    // Nothing moves until a stopped run of an earlier cell is continued.
    if (first.status === 'interrupted' || (first.status === 'paused' && first.started))
      return `Waiting its turn in ${exp}, behind ${which}, which is ${first.status}: resume the experiment to continue.`;
    return `Waiting its turn in ${exp}: it trains one run at a time, each followed by its evaluations, and ${which} goes first.`;
  };
}
