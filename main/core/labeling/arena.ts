/**
 * The arena across N checkpoints (issue 15 item 8), beside the two-model
 * arena of candidates-service.ts: `arena.create` builds one blind arena queue
 * from the models' stored answers (the generations table, filled by
 * `compare.generate`), `arena.judge` records a programmatic judge's votes as
 * an annotator of its own (`judge:rules`), and `arena.leaderboard` fits
 * Bradley–Terry ratings with bootstrap 95% intervals over every standing
 * label — people's and judges' alike, as Chatbot Arena counts votes.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { ArenaCreated, ArenaCreateParams, ArenaJudge, ArenaJudged, ArenaLeaderboard } from '../../../shared/arena';
import type { Message } from '../../../shared/datasets';
import type { EvalModelRef } from '../../../shared/evals';
import { foldLabels, type PairLabel, type ResponseSource } from '../../../shared/labeling';
import { StudioError } from '../../../shared/result';
import { bradleyTerryBootstrap, type Vote } from '../../../shared/stats/bradley-terry';
import { judgeResponse, type JudgeMeta } from '../../training/demo/judge';
import type { Db } from '../db/open';
import type { DatasetStore } from '../datasets/store';
import { GenerationStore } from '../evals/generation-store';
import { promptHash, setPrompts } from '../evals/side-by-side-prompts';
import { checkSize, resolveColumns } from '../evals/side-by-side';
import type { Handlers } from '../handlers';
import type { RunStore } from '../runs/store';
import type { JobSupervisor } from '../jobs/supervisor';
import { CheckpointCompareStore } from '../evals/checkpoint-compare-store';
import { modelHashOf, resolveModel, tokenizerHash } from '../evals/eval-job';
import { resolveWinRate, type ResolvedWinRate } from '../evals/win-rate-item';
import { ArenaStore } from './arena-store';
import { CandidateStore, type NewGeneratedItem } from './candidate-store';
import { LabelStore } from './label-store';
import { pairHash } from './pair-hash';
import { LabelingService } from './service';

export const RULES_JUDGE_ANNOTATOR = 'judge:rules';
/** Bootstrap rounds and seed of the leaderboard's intervals: the same votes always give the same intervals. */
const LEADERBOARD_BOOTSTRAP = { rounds: 1000, seed: 0 } as const;

export interface ArenaDeps {
  db: Db;
  runs: RunStore;
  datasets: DatasetStore;
  jobs: JobSupervisor;
}

/** Every pair of models (i < j), in a fixed order. */
export function matchups(k: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) out.push([i, j]);
  return out;
}

/**
 * The model pairs of the p-th prompt: the matchups taken in turn over the
 * prompts, so every pair of models meets on ⌊n·m/M⌋ or one more prompts (n
 * prompts, m pairs per prompt, M matchups).
 */
export function matchupsFor(p: number, k: number, perPrompt: number): [number, number][] {
  const all = matchups(k);
  const count = Math.min(perPrompt, all.length);
  return Array.from({ length: count }, (_, t) => all[(p * count + t) % all.length]!);
}

/** Whether the first model of a pair goes on side a: a draw from the queue's seed, the prompt and the pair's turn. */
const firstOnA = (seed: number, hash: string, turn: number) =>
  (createHash('sha256').update(`${seed}\0${hash}\0${turn}`).digest()[0]! & 1) === 0;

const ids = (ref: EvalModelRef) =>
  'modelId' in ref ? { modelId: ref.modelId, runId: null, step: null } : { modelId: null, runId: ref.runId, step: ref.step };

export async function createArena(deps: ArenaDeps, args: z.output<typeof ArenaCreateParams>): Promise<ArenaCreated> {
  const prompts = { snapshotId: args.snapshotId, split: args.split };
  checkSize(deps, prompts);
  const resolved = await resolveColumns(deps, { columns: args.models, judge: { kind: 'rules' }, sampling: args.sampling }, prompts);
  const sides = [resolved[0]!.sides.baseline, ...resolved.map((r) => r.sides.candidate)];
  const arena = new ArenaStore(deps.db);
  const candidates = new CandidateStore(deps.db);
  const generations = new GenerationStore(deps.db);
  const labeling = new LabelingService(deps.db);
  const recordIds = arena.splitRecordIds(args.snapshotId, args.split);
  return candidates.transaction(() => {
    const queue = labeling.createQueue({
      name: args.name,
      kind: 'arena',
      snapshotId: args.snapshotId,
      recordIds,
      guidelines: args.guidelines,
      order: 'stored',
      seed: args.seed,
      overlap: 1,
    });
    // The queue keeps a repeated prompt once; the split's k occurrences of it are k samples (as evaluation generates them), each a unit of pairs.
    const samples = new Map<string, string[]>();
    for (const p of setPrompts(deps.db, prompts)) samples.set(p.baseHash, [...(samples.get(p.baseHash) ?? []), p.hash]);
    const open = candidates.openPrompts(queue.id).map((row) => {
      const messages = JSON.parse(row.prompt) as Message[];
      const base = promptHash({ messages, system: row.system }, 0);
      return { row, messages, hashes: samples.get(base) ?? [base] };
    });
    const hashes = open.flatMap((o) => o.hashes);
    const stored = sides.map((s) => generations.findMany(s.modelHash, s.settingsHash, hashes));
    stored.forEach((found, i) => {
      if (found.size < hashes.length)
        throw new StudioError(
          'INVALID_ARGUMENT',
          `${sides[i]!.modelName} has answered ${found.size} of the ${hashes.length} prompts with these settings: generate the models' answers first (Compare → Arena → Generate, or compare.generate with the same models, prompts and sampling).`,
          { model: sides[i]!.modelName, answered: found.size, prompts: hashes.length },
        );
    });
    let pairs = 0;
    let identical = 0;
    let unit = 0;
    const perMatchup: Record<string, number> = {};
    open.forEach(({ row, messages, hashes: sampleHashes }) => {
      const items: NewGeneratedItem[] = [];
      sampleHashes.forEach((hash, sample) =>
        matchupsFor(unit++, sides.length, args.pairsPerPrompt).forEach(([i, j], turn) => {
          const [x, y] = [stored[i]!.get(hash)!, stored[j]!.get(hash)!];
          if (x.text.trim() === y.text.trim()) return void identical++;
          const [first, second] = firstOnA(queue.seed, hash, turn) ? [i, j] : [j, i];
          const source = (m: number, slot: 'A' | 'B'): ResponseSource => {
            const g = stored[m]!.get(hash)!;
            return {
              kind: 'model',
              slot,
              modelHash: sides[m]!.modelHash,
              modelName: sides[m]!.modelName,
              ...ids(args.models[m]!),
              sampling: args.sampling,
              sample,
              tokens: g.tokens,
              finishReason: g.finishReason,
            };
          };
          const a = [{ role: 'assistant', content: stored[first]!.get(hash)!.text }];
          const b = [{ role: 'assistant', content: stored[second]!.get(hash)!.text }];
          items.push({
            recordId: row.record_id,
            prompt: row.prompt,
            system: row.system,
            a: JSON.stringify(a),
            b: JSON.stringify(b),
            contentHash: pairHash(messages, a, b),
            sourceA: source(first, 'A'),
            sourceB: source(second, 'B'),
          });
          const key = `${sides[i]!.modelName} vs ${sides[j]!.modelName}`;
          perMatchup[key] = (perMatchup[key] ?? 0) + 1;
        }),
      );
      pairs += items.length;
      candidates.fillPrompt(row.id, queue.id, items, items.length ? null : 'the models answered alike');
    });
    return { queueId: queue.id, pairs, identical, perMatchup };
  }, 'immediate');
}

const responseText = (json: string) => (JSON.parse(json) as Message[]).map((m) => m.content).join('\n\n');

/** The demo rule checker's votes on every pair it has not labeled yet, as annotator `judge:rules`. */
export function judgeArena(db: Db, queueId: number): ArenaJudged {
  const labels = new LabelStore(db);
  const arena = new ArenaStore(db);
  const queue = labels.queueRow(queueId);
  if (queue.snapshot_id === null)
    throw new StudioError(
      'INVALID_ARGUMENT',
      `Queue "${queue.name}" was not made from a snapshot: the rules judge reads each prompt's rule there.`,
    );
  return labels.transaction(() => {
    const annotatorId = labels.findAnnotatorByName(RULES_JUDGE_ANNOTATOR) ?? labels.insertAnnotator(RULES_JUDGE_ANNOTATOR);
    const labeled = new Set(
      [...foldLabels(labels.foldEvents(queueId)).values()]
        .filter((f) => f.annotatorId === annotatorId && f.label !== null)
        .map((f) => f.itemId),
    );
    const items = arena.items(queueId);
    const metas = arena.recordMetas(
      queue.snapshot_id!,
      items.flatMap((i) => (i.record_id === null ? [] : [i.record_id])),
    );
    const out = { annotator: RULES_JUDGE_ANNOTATOR, voted: 0, already: 0, unjudged: 0, jobs: [] as number[] };
    for (const item of items) {
      if (labeled.has(item.id)) {
        out.already++;
        continue;
      }
      const meta = item.record_id === null ? null : (metas.get(item.record_id) as JudgeMeta | null | undefined);
      let verdicts;
      try {
        if (!meta || typeof meta.rule !== 'string') throw new Error('no rule');
        verdicts = [judgeResponse(meta, responseText(item.response_a)), judgeResponse(meta, responseText(item.response_b))] as const;
      } catch {
        out.unjudged++;
        continue;
      }
      const [a, b] = verdicts;
      const label: PairLabel = a.pass === b.pass ? (a.pass ? 'tie' : 'both_bad') : a.pass ? 'a' : 'b';
      labels.insertEvent({
        itemId: item.id,
        annotatorId,
        action: 'label',
        label,
        shownLeft: 'a',
        rationale: `rules (${meta.rule}): a ${a.pass ? 'passes' : 'fails'} — ${a.reason}; b ${b.pass ? 'passes' : 'fails'} — ${b.reason}`,
        confidence: null,
        msOnScreen: null,
      });
      out.voted++;
    }
    return out;
  }, 'immediate');
}

type Source = Extract<ResponseSource, { kind: 'model' }>;
const refOf = (s: Source): EvalModelRef => (s.modelId !== null ? { modelId: s.modelId } : { runId: s.runId!, step: s.step! });

/**
 * A model judge's votes, as annotator `judge:<model>`. Its verdicts come from
 * the evaluation: per matchup (X, Y) a win-rate item of X against Y on the
 * arena's prompts with this judge, asked in both orders (an order-dependent
 * verdict is a tie) — an eval job per matchup it has no result for yet, whose
 * ids come back (ask again when they end: the answers are cached, only the
 * judging runs). With every matchup judged, each pair gets its prompt's
 * verdict, in the pair's order.
 */
export async function judgeArenaByModel(
  deps: ArenaDeps,
  queueId: number,
  judge: Extract<z.output<typeof ArenaJudge>, { kind: 'model' }>,
): Promise<ArenaJudged> {
  const labels = new LabelStore(deps.db);
  const arena = new ArenaStore(deps.db);
  const queue = labels.queueRow(queueId);
  const items = arena.items(queueId);
  const first = items.find((i) => i.record_id !== null);
  if (queue.snapshot_id === null || !first)
    throw new StudioError('INVALID_ARGUMENT', `Queue "${queue.name}" holds no arena pairs made from a snapshot (arena.create makes them).`);
  const sources = items.map((i) => [JSON.parse(i.source_a) as ResponseSource, JSON.parse(i.source_b) as ResponseSource] as const);
  const models = new Map<string, Source>();
  for (const [a, b] of sources) for (const s of [a, b]) if (s.kind === 'model') models.set(s.modelHash, s);
  const prompts = { snapshotId: queue.snapshot_id, split: arena.recordSplit(queue.snapshot_id, first.record_id!) };
  const sampling = [...models.values()][0]!.sampling;
  const judgeName = (await resolveModel(deps.runs, { model: judge.model, settings: {} })).name;
  const results = new CheckpointCompareStore(deps.db);
  const verdicts = new Map<string, Map<string, Record<string, unknown>>>();
  const started: number[] = [];
  for (const x of models.values())
    for (const y of models.values()) {
      if (x.modelHash >= y.modelHash) continue;
      const model = await resolveModel(deps.runs, { model: refOf(x), settings: {} });
      const item = { kind: 'win-rate' as const, prompts, baseline: refOf(y), judge, sampling };
      const resolved = (await resolveWinRate(item, {
        runs: deps.runs,
        datasets: deps.datasets,
        model,
        modelHash: await modelHashOf(model),
        tokenizer: tokenizerHash(model.tokenizerDir),
      })) as ResolvedWinRate;
      const id = results.latestWinRate(x.modelHash, resolved.dataHash);
      if (id !== null) verdicts.set(`${x.modelHash}\0${y.modelHash}`, results.winRateDetails(id));
      else started.push(deps.jobs.start('eval', { model: refOf(x), suite: { name: 'arena judge', items: [item] } }).id);
    }
  const annotator = `judge:${judgeName}`.slice(0, 200);
  const out = { annotator, voted: 0, already: 0, unjudged: 0, jobs: started };
  if (started.length) return out;
  return labels.transaction(() => {
    const annotatorId = labels.findAnnotatorByName(annotator) ?? labels.insertAnnotator(annotator);
    const labeled = new Set(
      [...foldLabels(labels.foldEvents(queueId)).values()]
        .filter((f) => f.annotatorId === annotatorId && f.label !== null)
        .map((f) => f.itemId),
    );
    items.forEach((item, k) => {
      const [a, b] = sources[k]!;
      if (labeled.has(item.id)) return void out.already++;
      if (a.kind !== 'model' || b.kind !== 'model') return void out.unjudged++;
      const hash = promptHash({ messages: JSON.parse(item.prompt) as Message[], system: item.system }, a.sample);
      // The matchup's result has the lower model hash as the candidate.
      const aIsCandidate = a.modelHash < b.modelHash;
      const key = aIsCandidate ? `${a.modelHash}\0${b.modelHash}` : `${b.modelHash}\0${a.modelHash}`;
      const verdict = (verdicts.get(key)?.get(hash) as { verdict?: 'win' | 'tie' | 'loss' } | undefined)?.verdict;
      if (!verdict) return void out.unjudged++;
      const candidateWins = verdict === 'win';
      const label: PairLabel = verdict === 'tie' ? 'tie' : candidateWins === aIsCandidate ? 'a' : 'b';
      labels.insertEvent({
        itemId: item.id,
        annotatorId,
        action: 'label',
        label,
        shownLeft: 'a',
        rationale: `${judgeName}, asked in both orders: ${verdict} for ${(aIsCandidate ? a : b).modelName}`,
        confidence: null,
        msOnScreen: null,
      });
      out.voted++;
    });
    return out;
  }, 'immediate');
}

/** Bradley–Terry ratings of the arena's models from every standing label (a tie and both-bad are half a win each). */
export function arenaLeaderboard(db: Db, queueId: number): ArenaLeaderboard {
  const labels = new LabelStore(db);
  labels.queueRow(queueId);
  const items = new Map(new ArenaStore(db).items(queueId).map((i) => [i.id, i]));
  const names = new Map<string, string>();
  for (const i of items.values()) {
    if (i.hash_a && i.name_a) names.set(i.hash_a, i.name_a);
    if (i.hash_b && i.name_b) names.set(i.hash_b, i.name_b);
  }
  const annotators = new Map(labels.listAnnotators().map((a) => [a.id, a.name]));
  const counts = new Map([...names.keys()].map((h) => [h, { wins: 0, losses: 0, ties: 0 }]));
  const votes: Vote[] = [];
  const byAnnotator: Record<string, number> = {};
  for (const f of foldLabels(labels.foldEvents(queueId)).values()) {
    const item = items.get(f.itemId);
    if (f.label === null || !item?.hash_a || !item.hash_b) continue;
    const winner = f.label === 'a' ? 'a' : f.label === 'b' ? 'b' : 'tie';
    votes.push({ a: item.hash_a, b: item.hash_b, winner });
    const [x, y] = [counts.get(item.hash_a)!, counts.get(item.hash_b)!];
    if (winner === 'tie') {
      x.ties++;
      y.ties++;
    } else {
      const [won, lost] = winner === 'a' ? [x, y] : [y, x];
      won.wins++;
      lost.losses++;
    }
    const who = annotators.get(f.annotatorId) ?? `#${f.annotatorId}`;
    byAnnotator[who] = (byAnnotator[who] ?? 0) + 1;
  }
  const bt = votes.length ? bradleyTerryBootstrap(votes, LEADERBOARD_BOOTSTRAP) : null;
  const models = [...names].map(([hash, name]) => {
    const r = bt?.ratings[hash];
    return { name, modelHash: hash, ...counts.get(hash)!, rating: r?.rating ?? null, low: r?.low ?? null, high: r?.high ?? null };
  });
  models.sort((p, q) => (q.rating ?? -Infinity) - (p.rating ?? -Infinity) || p.name.localeCompare(q.name));
  return { queueId, votes: votes.length, byAnnotator, models };
}

export function arenaHandlers(deps: ArenaDeps): Pick<Handlers, 'arena.create' | 'arena.judge' | 'arena.leaderboard'> {
  return {
    'arena.create': (args) => createArena(deps, args),
    'arena.judge': ({ queueId, judge }) =>
      judge.kind === 'rules' ? judgeArena(deps.db, queueId) : judgeArenaByModel(deps, queueId, judge),
    'arena.leaderboard': ({ queueId }) => arenaLeaderboard(deps.db, queueId),
  };
}
