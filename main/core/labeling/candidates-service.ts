/**
 * The contract's candidates, uncertainty and arena methods (issue 18 items 1,
 * 7, 9): start the `label-candidates` and `label-uncertainty` jobs after
 * checking what can be checked at once, read where each response came from,
 * and count an arena queue's labels as votes between its two models.
 */
import type { z } from 'zod';
import type { RecordFilter } from '../../../shared/datasets';
import {
  type ArenaResults,
  type CandidateSettings,
  foldLabels,
  type GenerateCandidatesParams,
  type LabelQueue,
  type ModelRef,
  type QueueKind,
} from '../../../shared/labeling';
import { StudioError } from '../../../shared/result';
import { bradleyTerryBootstrap, type Vote } from '../../../shared/stats/bradley-terry';
import { type Verdict, winRate } from '../../../shared/stats/win-rate';
import { recordIds } from '../datasets/query';
import type { Db } from '../db/open';
import type { Handlers } from '../handlers';
import type { JobSupervisor } from '../jobs/supervisor';
import type { RunStore } from '../runs/store';
import { CandidateStore } from './candidate-store';
import { pickRecords, sameSettings } from './candidates';
import { LabelStore, type SourceRecord } from './label-store';

/** The labeling.* methods candidateHandlers answers (labelingHandlers the rest). */
export type CandidateMethods =
  'labeling.generateCandidates' | 'labeling.orderByUncertainty' | 'labeling.arenaResults' | 'labeling.itemSources';

/** Seed of the arena bootstraps: the same labels always give the same intervals. */
const ARENA_SEED = 0;

export interface CandidateServiceDeps {
  db: Db;
  runs: RunStore;
  jobs: JobSupervisor;
}

/** A model's name as the queue's settings show it (NOT_FOUND for an unknown model, run or checkpoint). */
function modelName(runs: RunStore, ref: ModelRef): string {
  if ('modelId' in ref) return runs.getModel(ref.modelId).name;
  const run = runs.getRun(ref.runId);
  if (!runs.checkpoints(run.id).some((c) => c.step === ref.step))
    throw new StudioError('NOT_FOUND', `Run #${run.id} has no checkpoint at step ${ref.step}.`, { runId: run.id, step: ref.step });
  return `${run.name} (run #${run.id}, step ${ref.step})`;
}

const describe = (s: CandidateSettings) =>
  `${s.models.map((m) => `${m.slot}: ${m.name}`).join(', ')}, n ${s.n}, temperature ${s.sampling.temperature}, top-p ${s.sampling.topP}, top-k ${s.sampling.topK}, max tokens ${s.sampling.maxTokens}, seed ${s.sampling.seed}`;

export function candidateHandlers(deps: CandidateServiceDeps): Pick<Handlers, CandidateMethods> {
  const { runs, jobs } = deps;
  const labels = new LabelStore(deps.db);
  const store = new CandidateStore(deps.db);

  function generateCandidates(args: z.output<typeof GenerateCandidatesParams>) {
    const queue = labels.queueRow(args.queueId);
    if (queue.kind !== 'prompts' && queue.kind !== 'arena')
      throw new StudioError(
        'INVALID_ARGUMENT',
        `Queue "${queue.name}" is a ${queue.kind} queue: candidates fill prompts and arena queues (make one with kind prompts or arena).`,
      );
    if (queue.kind === 'arena' && args.models.length !== 2)
      throw new StudioError('INVALID_ARGUMENT', `Arena queue "${queue.name}" compares two models: give two (models: [A, B]).`);
    const n = args.n ?? (args.models.length === 1 ? 2 : 1);
    if (args.models.length === 1 && n < 2)
      throw new StudioError('INVALID_ARGUMENT', 'With one model, n must be at least 2: two of its responses make a pair.');
    const settings: CandidateSettings = {
      models: args.models.map((ref, i) => ({ slot: i === 0 ? 'A' : 'B', ref, name: modelName(runs, ref), modelHash: null })),
      sampling: args.sampling,
      n,
    };
    return store.transaction(() => {
      const stored = store.candidates(queue.id);
      // Until a prompt has its candidates the setting may change (a first try that failed to load its model, say).
      if (stored && !sameSettings(stored, settings) && store.promptCounts(queue.id).filled > 0)
        throw new StudioError(
          'CONFLICT',
          `Queue "${queue.name}" makes its candidates with ${describe(stored)}; a queue keeps one setting so its pairs compare alike (make another queue to try ${describe(settings)}).`,
        );
      if (!stored || !sameSettings(stored, settings)) store.setCandidates(queue.id, settings);
      return jobs.start('label-candidates', { queueId: queue.id, models: args.models, sampling: args.sampling, n });
    }, 'immediate');
  }

  function arenaResults(queueId: number): ArenaResults {
    const queue = labels.queueRow(queueId);
    const settings = store.candidates(queueId);
    if (!settings || settings.models.length !== 2)
      throw new StudioError(
        'INVALID_ARGUMENT',
        `Queue "${queue.name}" holds no generations of two models: arena results need an arena queue filled by labeling.generateCandidates.`,
      );
    const slots = store.slots(queueId);
    const counts = { A: { wins: 0, losses: 0, ties: 0, bothBad: 0 }, B: { wins: 0, losses: 0, ties: 0, bothBad: 0 } };
    const verdicts: Verdict[] = [];
    const votes: Vote[] = [];
    // Every annotator's standing label is a vote (Chatbot Arena counts votes, not pairs); both-bad is a tie.
    for (const f of foldLabels(labels.foldEvents(queueId)).values()) {
      const slot = slots.get(f.itemId);
      if (f.label === null || !slot?.a || !slot.b) continue;
      let verdict: Verdict;
      if (f.label === 'tie' || f.label === 'both_bad') verdict = 'tie';
      else verdict = (f.label === 'a' ? slot.a : slot.b) === 'A' ? 'win' : 'loss';
      verdicts.push(verdict);
      votes.push({ a: 'A', b: 'B', winner: verdict === 'win' ? 'a' : verdict === 'loss' ? 'b' : 'tie' });
      if (verdict === 'tie') {
        counts.A.ties += 1;
        counts.B.ties += 1;
        if (f.label === 'both_bad') {
          counts.A.bothBad += 1;
          counts.B.bothBad += 1;
        }
      } else {
        counts[verdict === 'win' ? 'A' : 'B'].wins += 1;
        counts[verdict === 'win' ? 'B' : 'A'].losses += 1;
      }
    }
    const rate = winRate(verdicts, { seed: ARENA_SEED });
    const bt = votes.length ? bradleyTerryBootstrap(votes, { seed: ARENA_SEED }) : null;
    return {
      queueId,
      models: settings.models.map((m) => ({
        slot: m.slot,
        name: m.name,
        modelHash: m.modelHash ?? '',
        ...counts[m.slot],
        rating: bt?.ratings[m.slot]?.rating ?? null,
        ratingLow: bt?.ratings[m.slot]?.low ?? null,
        ratingHigh: bt?.ratings[m.slot]?.high ?? null,
      })),
      votes: verdicts.length,
      winRateA: rate.winRate,
      low: rate.interval?.low ?? null,
      high: rate.interval?.high ?? null,
      ...(verdicts.length ? {} : { reason: 'No labels yet: every standing label on the queue is a vote.' }),
    };
  }

  return {
    'labeling.generateCandidates': (args) => generateCandidates(args),
    'labeling.orderByUncertainty': ({ queueId, model }) => {
      const queue = labels.queueRow(queueId);
      if (labels.itemCount(queueId) === 0)
        throw new StudioError('INVALID_ARGUMENT', `Queue "${queue.name}" has no pairs to order yet (generate its candidates first).`);
      modelName(runs, model);
      return jobs.start('label-uncertainty', { queueId, model });
    },
    'labeling.arenaResults': ({ queueId }) => arenaResults(queueId),
    'labeling.itemSources': ({ queueId, offset, limit }) => {
      labels.queueRow(queueId);
      return {
        items: store.itemSources(queueId, store.orderedBy(queueId)?.scorerKey ?? null, offset, limit),
        total: labels.itemCount(queueId),
      };
    },
  };
}

/** The fields a prompts or arena queue adds to LabelQueue: its prompts, candidate settings and the model that ordered it. */
export function candidateQueueFields(db: Db, queueId: number, kind: QueueKind): Pick<LabelQueue, 'prompts' | 'candidates' | 'orderedBy'> {
  const store = new CandidateStore(db);
  const orderedBy = store.orderedBy(queueId);
  return {
    prompts: kind === 'prompts' || kind === 'arena' ? store.promptCounts(queueId) : null,
    candidates: store.candidates(queueId),
    orderedBy: orderedBy ? { modelHash: orderedBy.modelHash, modelName: orderedBy.modelName } : null,
  };
}

/**
 * The records a queue is made of: all of its source's, or those named by
 * `recordIds`, or those a records-table filter picks (on the source dataset's
 * current records). A relabel queue must name its records one of these ways.
 */
export function queueRecords(
  db: Db,
  records: readonly SourceRecord[],
  datasetId: number,
  args: { kind: QueueKind; recordIds?: number[] | undefined; filter?: RecordFilter | undefined; snapshotId?: number | undefined },
): SourceRecord[] {
  if (args.recordIds && args.filter) throw new StudioError('INVALID_ARGUMENT', 'Pick the records one way: recordIds or filter, not both.');
  if (args.kind === 'relabel' && !args.recordIds && !args.filter)
    throw new StudioError(
      'INVALID_ARGUMENT',
      'A relabel queue takes the pairs named by recordIds (e.g. sent from an evaluation) or picked by a filter.',
    );
  const sourceName = args.snapshotId !== undefined ? `snapshot #${args.snapshotId}` : `dataset #${datasetId}`;
  try {
    return pickRecords(
      records,
      { recordIds: args.recordIds, filtered: args.filter ? new Set(recordIds(db, datasetId, args.filter)) : undefined },
      sourceName,
    );
  } catch (err) {
    if (err instanceof RangeError) throw new StudioError('INVALID_ARGUMENT', err.message, { recordIds: args.recordIds });
    throw err;
  }
}
