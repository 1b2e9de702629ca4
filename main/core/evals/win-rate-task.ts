/**
 * A win-rate item in the `eval` worker: reads the prompts (a snapshot split
 * or a JSONL file), looks up each side's stored generations, generates only
 * the missing ones — the candidate with the already loaded model, the
 * baseline with its own model (loaded only when something is missing) — sends
 * each new response to the job as it is made, then judges every prompt and
 * reports the win rate.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from '../../../shared/datasets';
import type { CausalLM, HfTokenizer, LoraAdapter } from '../../engine';
import { loadLora } from '../../engine';
import { generateResponses, promptHash, promptText, type GenerationPrompt } from '../../evaluation/generation';
import { judgeByModel, judgeByRules, responseLength, winRateMetrics, type ModelJudgment } from '../../evaluation/judges';
import { loadStartingModel } from '../../training';
import type { ModelSource } from '../../../shared/training';
import type { Verdict } from '../../../shared/stats/win-rate';
import { openDatabase } from '../db/open';
import { snapshotContents } from '../datasets/snapshots';
import type { WorkerIo } from '../jobs/protocol';
import type { EvalEvents, EvalPayload, EvalWorkResult, WinRateWorkItem } from './eval-protocol';
import { GenerationStore } from './generation-store';

export interface PromptRow {
  id: string;
  prompt: GenerationPrompt;
  meta: unknown;
  line: number | null;
}

/** A loaded model with its tokenizer and where its generation_config.json is, if anywhere. */
export interface LoadedModel {
  model: CausalLM;
  tokenizer: HfTokenizer;
  source: ModelSource;
  adapter: string | null;
}

/** Responses made in this worker process, by (model, settings, prompt) hash: a later item reuses them before the job has stored them. */
const madeHere = new Map<string, { text: string; tokens: number; finishReason: string }>();

const isMessages = (x: unknown): x is Message[] =>
  Array.isArray(x) &&
  x.length > 0 &&
  x.every(
    (m) => m !== null && typeof m === 'object' && typeof (m as Message).role === 'string' && typeof (m as Message).content === 'string',
  );

/** Prompts of a JSONL file: {prompt: text or messages, meta?, system?} per line; bad lines come back with their line and reason. */
export function readPromptsFile(path: string): { prompts: PromptRow[]; invalid: { itemId: string; reason: string }[] } {
  const prompts: PromptRow[] = [];
  const invalid: { itemId: string; reason: string }[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const line = i + 1;
      const text = raw.trim();
      if (text === '') return;
      const itemId = `line-${line}`;
      let row: unknown;
      try {
        row = JSON.parse(text);
      } catch {
        return invalid.push({ itemId, reason: `line ${line} is not valid JSON` });
      }
      const r = row as { prompt?: unknown; meta?: unknown; system?: unknown } | null;
      if (!r || typeof r !== 'object') return invalid.push({ itemId, reason: `line ${line} is not an object` });
      const messages =
        typeof r.prompt === 'string' && r.prompt.trim() !== ''
          ? [{ role: 'user', content: r.prompt }]
          : isMessages(r.prompt)
            ? r.prompt
            : null;
      if (!messages) return invalid.push({ itemId, reason: `line ${line} has no "prompt" (a non-empty text or a message list)` });
      const system = typeof r.system === 'string' ? r.system : null;
      prompts.push({ id: itemId, prompt: { messages, system }, meta: r.meta ?? null, line });
    });
  return { prompts, invalid };
}

function readSnapshotPrompts(payload: EvalPayload, snapshotId: number, split: 'test' | 'train'): PromptRow[] {
  const db = openDatabase(payload.dbPath, { readonly: true, ...(payload.nativeBinding ? { nativeBinding: payload.nativeBinding } : {}) });
  try {
    const rows: PromptRow[] = [];
    let i = 0;
    for (const row of snapshotContents(db, snapshotId)) {
      // A snapshot's unsplit records train (as the trainer reads them).
      if ((row.split === 'test') !== (split === 'test')) continue;
      i++;
      const messages = row.prompt as Message[];
      if (messages.length === 0) continue;
      rows.push({ id: `${split}-${i}`, prompt: { messages, system: row.system }, meta: row.meta, line: row.source.line });
    }
    return rows;
  } finally {
    db.close();
  }
}

function storedGenerations(payload: EvalPayload, modelHash: string, settingsHash: string, hashes: string[]) {
  const db = openDatabase(payload.dbPath, { readonly: true, ...(payload.nativeBinding ? { nativeBinding: payload.nativeBinding } : {}) });
  try {
    return new GenerationStore(db).findMany(modelHash, settingsHash, hashes);
  } finally {
    db.close();
  }
}

async function loadModel(source: ModelSource, adapter: string | null): Promise<LoadedModel & { lora: LoraAdapter | null }> {
  const { model, tokenizer } = await loadStartingModel(source);
  const lora = adapter ? await loadLora(model, adapter) : null;
  model.adapter = lora;
  return { model, tokenizer, source, adapter, lora };
}

function disposeModel(m: LoadedModel & { lora: LoraAdapter | null }): void {
  m.model.adapter = null;
  m.lora?.dispose();
  m.model.dispose();
}

function generationConfigOf(source: ModelSource): Record<string, unknown> | null {
  if (source.kind !== 'folder') return null;
  const file = join(source.path, 'generation_config.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : null;
}

const sameModel = (a: { source: ModelSource; adapter: string | null }, b: { source: ModelSource; adapter: string | null }) =>
  JSON.stringify(a.source) === JSON.stringify(b.source) && a.adapter === b.adapter;

interface Response {
  generationId: number | null;
  text: string;
  tokens: number;
  finishReason: string;
}

export async function scoreWinRate(
  item: WinRateWorkItem,
  ctx: {
    index: number;
    payload: EvalPayload;
    candidate: LoadedModel;
    /** Models already loaded in this worker (the run's starting model as the reference), reused when a side or the judge is one of them. */
    loaded: LoadedModel[];
    io: WorkerIo<EvalEvents>;
    progress: (done: number, total: number, what: string) => void;
  },
): Promise<EvalWorkResult> {
  const { io, payload } = ctx;
  const read =
    'path' in item.prompts
      ? readPromptsFile(item.prompts.path)
      : { prompts: readSnapshotPrompts(payload, item.prompts.snapshotId, item.prompts.split), invalid: [] };
  const invalid = [...read.invalid];
  // A prompt repeated in the set is sampled again: its k-th occurrence has its own hash (and so its own seed).
  const seen = new Map<string, number>();
  const rows = read.prompts.map((p) => {
    const base = promptHash(p.prompt, 0);
    const sample = seen.get(base) ?? 0;
    seen.set(base, sample + 1);
    return { ...p, hash: sample === 0 ? base : promptHash(p.prompt, sample) };
  });
  const hashes = rows.map((r) => r.hash);

  const responses = { candidate: new Map<string, Response>(), baseline: new Map<string, Response>() };
  const counts = { candidate: { generated: 0, reused: 0 }, baseline: { generated: 0, reused: 0 } };
  const missing = { candidate: [] as typeof rows, baseline: [] as typeof rows };
  // The baseline is the candidate itself (a run's step 0 against its starting model): its responses are the candidate's.
  const sameSide = item.baseline.modelHash === item.candidate.modelHash && item.baseline.settingsHash === item.candidate.settingsHash;
  for (const side of sameSide ? (['candidate'] as const) : (['candidate', 'baseline'] as const)) {
    const s = item[side];
    const stored = storedGenerations(payload, s.modelHash, s.settingsHash, hashes);
    const pending = new Set<string>();
    for (const r of rows) {
      const hit = stored.get(r.hash);
      const here = madeHere.get(`${s.modelHash}\0${s.settingsHash}\0${r.hash}`);
      if (hit) responses[side].set(r.hash, { generationId: hit.id, text: hit.text, tokens: hit.tokens, finishReason: hit.finishReason });
      else if (here) responses[side].set(r.hash, { generationId: null, ...here });
      else if (!pending.has(r.hash)) {
        pending.add(r.hash);
        missing[side].push(r);
      }
    }
    counts[side].reused = new Set(hashes).size - pending.size;
  }

  const judgeUnits = item.judge.kind === 'model' ? rows.length : 0;
  const total = missing.candidate.length + missing.baseline.length + judgeUnits;
  let done = 0;
  const failed = new Map<string, string>();
  const generateSide = async (side: 'candidate' | 'baseline', m: LoadedModel) => {
    const s = item[side];
    const todo = missing[side];
    const base = done;
    await generateResponses(
      m.model,
      m.tokenizer,
      todo,
      { ...item.sampling, chat: s.chat },
      {
        onResponse: (k, r) => {
          const row = todo[k]!;
          madeHere.set(`${s.modelHash}\0${s.settingsHash}\0${row.hash}`, r);
          responses[side].set(row.hash, { generationId: null, ...r });
          counts[side].generated++;
          io.event('generation', { index: ctx.index, side, promptHash: row.hash, prompt: promptText(row.prompt), ...r });
        },
        onInvalid: (k, reason) => failed.set(todo[k]!.hash, `the ${side} could not answer: ${reason}`),
      },
      {
        signal: io.signal,
        generationConfig: generationConfigOf(m.source),
        onProgress: (d) => ctx.progress((done = base + d), total, `generating the ${side}'s responses`),
      },
    );
  };

  const temporary: (LoadedModel & { lora: LoraAdapter | null })[] = [];
  const modelFor = async (spec: { source: ModelSource; adapter: string | null; name: string }): Promise<LoadedModel> => {
    const have = [ctx.candidate, ...ctx.loaded, ...temporary].find((m) => sameModel(m, spec));
    if (have) return have;
    io.log('info', `Loading ${spec.name} for ${item.label}.`);
    const m = await loadModel(spec.source, spec.adapter);
    temporary.push(m);
    return m;
  };
  let modelJudgments: ModelJudgment[] | null = null;
  try {
    if (missing.candidate.length > 0) await generateSide('candidate', ctx.candidate);
    if (missing.baseline.length > 0) await generateSide('baseline', await modelFor(item.baseline));
    if (sameSide) {
      for (const [hash, r] of responses.candidate) responses.baseline.set(hash, r);
      counts.baseline.reused = new Set(hashes).size;
    }
    io.log(
      'info',
      `${item.label}: generated ${counts.candidate.generated} candidate and ${counts.baseline.generated} baseline responses; reused ${counts.candidate.reused} and ${counts.baseline.reused} stored ones.`,
    );

    const judgeable = rows.filter((r) => !failed.has(r.hash));
    if (item.judge.kind === 'model') {
      const judge = await modelFor(item.judge);
      const base = done;
      modelJudgments = await judgeByModel(
        judge.model,
        judge.tokenizer,
        judgeable.map((r) => ({
          instruction: promptText(r.prompt),
          candidate: responses.candidate.get(r.hash)!.text,
          baseline: responses.baseline.get(r.hash)!.text,
        })),
        item.judge.template,
        {
          signal: io.signal,
          maxBatchSize: 8,
          onProgress: (d, t) => ctx.progress((done = base + (d / Math.max(t, 1)) * judgeable.length), total, 'judging in both orders'),
        },
      );
    }

    const judged: { verdict: Verdict; candidateChars: number; baselineChars: number }[] = [];
    const orders: { candidateFirst: Verdict; candidateSecond: Verdict }[] = [];
    const items: EvalWorkResult['items'] = [];
    let m = 0;
    for (const r of rows) {
      const fail = failed.get(r.hash);
      if (fail) {
        invalid.push({ itemId: r.id, reason: fail });
        continue;
      }
      const c = responses.candidate.get(r.hash)!;
      const b = responses.baseline.get(r.hash)!;
      const side = (x: Response) => ({ ...x, chars: responseLength(x.text) });
      const detail: Record<string, unknown> = {
        line: r.line,
        prompt: promptText(r.prompt),
        promptHash: r.hash,
        candidate: side(c),
        baseline: side(b),
      };
      let verdict: Verdict;
      if (modelJudgments) {
        const j = modelJudgments[m++]!;
        verdict = j.verdict;
        orders.push({ candidateFirst: j.candidateFirst.verdict, candidateSecond: j.candidateSecond.verdict });
        Object.assign(detail, { candidateFirst: j.candidateFirst, candidateSecond: j.candidateSecond, consistent: j.consistent });
      } else {
        const j = judgeByRules(r.meta, c.text, b.text);
        if ('invalid' in j) {
          invalid.push({ itemId: r.id, reason: j.invalid });
          continue;
        }
        verdict = j.verdict;
        Object.assign(detail, { rules: { candidate: j.candidate, baseline: j.baseline } });
      }
      detail.verdict = verdict;
      judged.push({ verdict, candidateChars: responseLength(c.text), baselineChars: responseLength(b.text) });
      items.push({ itemId: r.id, correct: verdict === 'win' ? true : verdict === 'loss' ? false : null, detail });
    }
    return {
      kind: 'win-rate',
      metrics: winRateMetrics(judged, modelJudgments ? orders : null),
      scored: judged.length,
      invalid,
      items,
      generations: counts,
    };
  } finally {
    for (const t of temporary) disposeModel(t);
  }
}
