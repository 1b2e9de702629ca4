/**
 * Side-by-side generations (issue 15 item 6). `compare.generate` runs the
 * set as `eval` jobs — one per checkpoint column, a win-rate item with the
 * first column as its baseline — so generating is the evaluation's own
 * (worker, progress, cancel, the generations table: an answer already stored
 * for the same model, prompt and settings is reused, and the base's answers
 * are generated once for every column). `compare.generations` lays the stored
 * answers out a column per model, with each cell's verdict where the judge
 * gave one: the rule checker's pass and reason, and the verdict against the
 * first column (the rules judge's, or a model judge's in both orders).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { z } from 'zod';
import type { EvalModelRef, WinRatePrompts } from '../../../shared/evals';
import { StudioError } from '../../../shared/result';
import {
  SIDE_BY_SIDE_MAX_PROMPTS,
  type CellVerdict,
  type SideBySide,
  type SideBySideCell,
  type SideBySideSet,
} from '../../../shared/side-by-side';
import { getSnapshot } from '../datasets/snapshots';
import type { DatasetStore } from '../datasets/store';
import type { RunStore } from '../runs/store';
import { CheckpointCompareStore } from './checkpoint-compare-store';
import { modelHashOf, resolveModel, tokenizerHash } from './eval-model';
import { GenerationStore } from './generation-store';
import { setPrompts } from './side-by-side-prompts';
import { resolveWinRate, type ResolvedWinRate, type SideGenerations } from './win-rate-item';

type ParsedSet = z.output<typeof SideBySideSet>;

export interface SideBySideDeps {
  runs: RunStore;
  datasets: DatasetStore;
  artifactsDir: string;
}

/**
 * Typed prompts become a prompts file named by its content, so the same
 * prompts typed again are the same file — the same data hash and the same
 * cached answers.
 */
export function winRatePrompts(set: Pick<ParsedSet, 'prompts'>, artifactsDir: string): WinRatePrompts {
  if (!('texts' in set.prompts)) return set.prompts;
  const body = set.prompts.texts.map((prompt) => JSON.stringify({ prompt })).join('\n') + '\n';
  const dir = join(artifactsDir, 'side-by-side');
  const path = join(dir, `${createHash('sha256').update(body).digest('hex').slice(0, 16)}.jsonl`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, body);
  return { path };
}

/** Refuses a set too big to lay out whole (the view reads every prompt), naming its size. */
export function checkSize(deps: Pick<SideBySideDeps, 'datasets'>, prompts: WinRatePrompts): void {
  let count: number;
  let what: string;
  if ('path' in prompts) {
    let body: string;
    try {
      body = readFileSync(prompts.path, 'utf8');
    } catch (err) {
      throw new StudioError('INVALID_ARGUMENT', `Cannot read the prompts file ${prompts.path}: ${(err as Error).message}`);
    }
    count = body.split('\n').filter((l) => l.trim() !== '').length;
    what = `The prompts file ${prompts.path}`;
  } else {
    const s = getSnapshot(deps.datasets.db, prompts.snapshotId);
    count = prompts.split === 'test' ? s.testCount : s.trainCount;
    what = `Snapshot "${s.name}"'s ${prompts.split} split`;
  }
  if (count === 0) throw new StudioError('INVALID_ARGUMENT', `${what} holds no prompts.`);
  if (count > SIDE_BY_SIDE_MAX_PROMPTS)
    throw new StudioError(
      'INVALID_ARGUMENT',
      `${what} holds ${count} prompts; side-by-side generations take at most ${SIDE_BY_SIDE_MAX_PROMPTS} (pick a smaller split or type the prompts).`,
    );
}

export const sameRef = (a: EvalModelRef, b: EvalModelRef) => JSON.stringify(a) === JSON.stringify(b);

/** Each checkpoint column's win-rate item against the first column, resolved as the eval job resolves it. */
export async function resolveColumns(
  deps: Pick<SideBySideDeps, 'runs' | 'datasets'>,
  set: Omit<ParsedSet, 'prompts'>,
  prompts: WinRatePrompts,
): Promise<ResolvedWinRate[]> {
  const out: ResolvedWinRate[] = [];
  for (const column of set.columns.slice(1)) {
    const model = await resolveModel(deps.runs, { model: column, settings: {} });
    const resolved = await resolveWinRate(
      { kind: 'win-rate', prompts, baseline: set.columns[0], judge: set.judge, sampling: set.sampling },
      {
        runs: deps.runs,
        datasets: deps.datasets,
        model,
        modelHash: await modelHashOf(model),
        tokenizer: tokenizerHash(model.tokenizerDir),
      },
    );
    // A baseline is always given, so an item is never skipped for want of one.
    out.push(resolved as ResolvedWinRate);
  }
  return out;
}

type Rules = { pass: boolean; reason: string };
type Detail = { verdict?: 'win' | 'tie' | 'loss'; rules?: { candidate: Rules; baseline: Rules } };

function cell(
  generation: { text: string; tokens: number; finishReason: string } | undefined,
  rules: Rules | undefined,
  vsBase: CellVerdict['vsBase'],
): SideBySideCell {
  return {
    text: generation?.text ?? null,
    tokens: generation?.tokens ?? null,
    finishReason: generation?.finishReason ?? null,
    verdict: rules || vsBase ? { pass: rules?.pass ?? null, reason: rules?.reason ?? null, vsBase } : null,
  };
}

/** The set's stored answers and verdicts; reads only (the comparison report's worker calls it too). */
export async function sideBySide(deps: Omit<SideBySideDeps, 'jobs'>, set: ParsedSet): Promise<SideBySide> {
  const prompts = winRatePrompts(set, deps.artifactsDir);
  checkSize(deps, prompts);
  const resolved = await resolveColumns(deps, set, prompts);
  const rows = setPrompts(deps.datasets.db, prompts);
  const hashes = rows.map((r) => r.hash);
  const generations = new GenerationStore(deps.runs.db);
  const store = new CheckpointCompareStore(deps.runs.db);
  const sides: SideGenerations[] = [resolved[0]!.sides.baseline, ...resolved.map((r) => r.sides.candidate)];
  const stored = sides.map((s) => generations.findMany(s.modelHash, s.settingsHash, hashes));
  // The judge's per-prompt rows of each checkpoint column's latest win-rate result on this set, when it has one.
  const details = resolved.map((r) => {
    const id = store.latestWinRate(r.sides.candidate.modelHash, r.dataHash);
    return id === null ? new Map<string, Record<string, unknown>>() : store.winRateDetails(id);
  });
  return {
    columns: sides.map((s, i) => ({ name: s.modelName, modelHash: s.modelHash, generated: stored[i]!.size })),
    judge: set.judge.kind,
    rows: rows.map((p) => {
      const perColumn = details.map((d) => d.get(p.hash) as Detail | undefined);
      const baseRules = perColumn.find((d) => d?.rules)?.rules?.baseline;
      return {
        promptHash: p.hash,
        prompt: p.text,
        cells: [
          cell(stored[0]!.get(p.hash), baseRules, null),
          ...perColumn.map((d, i) => cell(stored[i + 1]!.get(p.hash), d?.rules?.candidate, d?.verdict ?? null)),
        ],
      };
    }),
  };
}
