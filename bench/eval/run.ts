// `npm run bench -- eval [--quick] [--reps N] [--warmup N] [--threads N] [--out FILE]`
//
// Evaluation speed (issue 14 item 12) on the demo model and the tiny-llama
// fixture, against PyTorch doing the same work on the same weights, shapes
// and thread count (bench/models/torch_peer.py):
// - pairs scored per second: the eval job's preference path,
//   main/evaluation/preference.ts `scorePreferencePairs` (the training
//   tokenization, scoreInBatches: sequences sorted by length, longest first,
//   8 per forward — the eval job's default), on the first 64 demo pairs. The
//   peer scores the very batches the studio forms, padded the same way.
// - tokens generated per second: main/engine/generate.ts at temperature 0
//   with its KV cache, one prompt at a time (4 demo prompts, 64 new tokens
//   each, no stop token); the peer decodes greedily with its own KV cache
//   (past keys and values per layer) on the same prompt ids.
// Each side's output is checked against the other's (log-prob sums, token
// ids), so the two did the same work. Figures: median wall time of --reps
// repetitions after --warmup, with min and max; threads: the studio's wasm
// threads = torch.set_num_threads = OPENBLAS_NUM_THREADS = --threads (1 by
// default, the studio's default on this 2-core machine); ratios by wall and
// by process CPU time (steadier on a loaded machine). The load average
// is recorded at the start and in bench-results/eval.json at the end.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, shutdownBackend } from '../../main/engine/backend';
import { generate } from '../../main/engine/generate';
import { loadModel } from '../../main/engine/hf/folder';
import type { LlamaConfig, ScoreExample } from '../../main/engine';
import { scorePreferencePairs } from '../../main/evaluation';
import { buildPairs } from '../../main/training/data';
import type { RecordContent } from '../../shared/datasets';
import { DEMO_RUN_DEFAULTS } from '../../shared/demo';
import { loadAverage, report, summarize, timeReps, type Measurement, type RepTimes } from '../report';
import { runTorchPeer, type TorchPeerOutcome } from '../models/torch-peer';

const MODELS = [
  { name: 'demo model', dir: fileURLToPath(new URL('../../assets/demo/model', import.meta.url)) },
  { name: 'tiny-llama fixture', dir: fileURLToPath(new URL('../../test/fixtures/models/tiny-llama', import.meta.url)) },
];
const DEMO_PAIRS = fileURLToPath(new URL('../../assets/demo/preferences.jsonl', import.meta.url));
const PAIRS = 64;
/** The eval job's default sequences per forward (main/evaluation/batches.ts). */
const BATCH = 8;
const PROMPTS = 4;
const NEW_TOKENS = 64;
/** The demo's tokenization, which the eval job uses for the demo model. */
const TOKENIZATION = {
  chatTemplate: DEMO_RUN_DEFAULTS.chatTemplate,
  maxLength: DEMO_RUN_DEFAULTS.maxLength,
  maxPromptLength: DEMO_RUN_DEFAULTS.maxPromptLength,
};

const argv = process.argv.slice(2);
function count(name: string, fallback: number, min: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} ${argv[i + 1]}: expected a whole number ≥ ${min}`);
  return n;
}
const quick = argv.includes('--quick');
const reps = count('reps', quick ? 2 : 5, 1);
const warmup = count('warmup', 1, 0);
const threads = count('threads', 1, 1);
const outIndex = argv.indexOf('--out');
/** Where the JSON goes: bench-results/eval.json unless `--out FILE`. */
const out = outIndex < 0 ? undefined : resolve(argv[outIndex + 1]!);

/** The demo pairs as the importer reads TRL standard rows: a user prompt, two assistant answers. */
function demoRecords(n: number): RecordContent[] {
  return readFileSync(DEMO_PAIRS, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .slice(0, n)
    .map((line) => {
      const row = JSON.parse(line) as { prompt: string; chosen: string; rejected: string };
      return {
        kind: 'preference' as const,
        prompt: [{ role: 'user', content: row.prompt }],
        chosen: [{ role: 'assistant', content: row.chosen }],
        rejected: [{ role: 'assistant', content: row.rejected }],
        responses: null,
        system: null,
      };
    });
}

/** scoreInBatches' grouping: indices sorted by length, longest first (stable), in runs of BATCH. */
function batchesOf(examples: readonly ScoreExample[]): number[][] {
  const order = examples.map((_, i) => i).sort((a, b) => examples[b]!.inputIds.length - examples[a]!.inputIds.length || a - b);
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += BATCH) out.push(order.slice(i, i + BATCH));
  return out;
}

type Spread = ReturnType<typeof summarize>;

/** Work items per second from per-repetition wall times: median, and the range over repetitions. */
function rate(items: number, timesMs: number[]): Spread {
  return summarize(timesMs.map((ms) => items / (ms / 1000)));
}

const timed = (fn: () => Promise<void>): Promise<RepTimes> => timeReps(warmup, reps, fn);

const fmt = (r: Spread) => `median of ${reps}; min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)}`;

function pushPair(
  measurements: Measurement[],
  label: string,
  unit: string,
  times: RepTimes,
  peer: TorchPeerOutcome,
  items: number,
  check: (output: number[][]) => string,
) {
  const studio = rate(items, times.wallMs);
  measurements.push({ name: `${label}: studio`, value: studio.median, unit, n: reps, note: fmt(studio) });
  if (!peer.available) {
    measurements.push({ name: `${label}: PyTorch`, value: NaN, unit, note: `not run: ${peer.reason}` });
    return;
  }
  const torch = rate(items, peer.timesMs);
  measurements.push({
    name: `${label}: PyTorch`,
    value: torch.median,
    unit,
    n: reps,
    note: `${fmt(torch)}; torch ${peer.torch}, ${peer.blas}, ${peer.threads} thread(s); ${check(peer.output ?? [])}`,
  });
  measurements.push({ name: `${label}: studio ÷ PyTorch`, value: studio.median / torch.median, unit: '×', note: 'medians, wall time' });
  const byCpu = rate(items, times.cpuMs).median / rate(items, peer.cpuMs).median;
  measurements.push({ name: `${label}: studio ÷ PyTorch, CPU time`, value: byCpu, unit: '×', note: 'medians, process CPU time' });
}

const load = loadAverage();
const backend = await initBackend({ threads, ...(process.env.STUDIO_BACKEND ? {} : { backend: 'wasm' as const }) });
const peerThreads = { torch: threads, blas: threads };
const measurements: Measurement[] = [];
try {
  const records = demoRecords(PAIRS);
  for (const { name, dir } of MODELS) {
    process.stderr.write(`${name}: scoring ${PAIRS} pairs…\n`);
    const { model, tokenizer } = await loadModel(dir);
    if (!tokenizer) throw new Error(`${dir} has no tokenizer`);
    if (model.config.family !== 'llama') throw new Error(`${dir}: the PyTorch peer is a Llama; this is ${model.config.modelType}`);
    const config: LlamaConfig & { weightsDir: string } = { ...model.config, weightsDir: dir };
    const padId = tokenizer.padTokenId ?? 0;

    // Pairs scored per second, through the eval job's path (with a signal, as the job passes one: a yield per batch).
    const signal = new AbortController().signal;
    let scored: Awaited<ReturnType<typeof scorePreferencePairs>> | null = null;
    const scoreTimes = await timed(async () => {
      scored = await scorePreferencePairs(model, tokenizer, records, { tokenization: TOKENIZATION, maxBatchSize: BATCH, signal });
    });
    const n = scored!.pairs.length;
    const built = buildPairs(records, tokenizer, TOKENIZATION, true);
    const examples = [...built.pairs.map((p) => p.chosen), ...built.pairs.map((p) => p.rejected!)];
    const batches = batchesOf(examples);
    const studioSums = [...scored!.pairs.map((p) => p.chosenLogp), ...scored!.pairs.map((p) => p.rejectedLogp)];
    const peerScore = await runTorchPeer(
      { mode: 'score-pairs', model: config, batches: batches.map((b) => b.map((i) => examples[i]!)), padId, warmup, reps },
      { threads: peerThreads },
    );
    const tokens = examples.reduce((t, e) => t + e.inputIds.length, 0);
    pushPair(measurements, `${name}: pairs scored`, 'pairs/s', scoreTimes, peerScore, n, (output) => {
      let worst = 0;
      batches.forEach((b, j) => b.forEach((i, k) => (worst = Math.max(worst, Math.abs(studioSums[i]! - output[j]![k]!)))));
      return `${n} pairs, ${tokens} tokens in ${batches.length} batches of ≤ ${BATCH}; max |Δ log-prob| vs studio ${worst.toExponential(1)}`;
    });

    // Tokens generated per second: greedy with the KV cache, one prompt at a time.
    process.stderr.write(`${name}: generating ${PROMPTS} × ${NEW_TOKENS} tokens…\n`);
    const prompts = records.slice(0, PROMPTS).map((r) => tokenizer.encode(r.prompt[0]!.content));
    let generated: number[][] = [];
    const genTimes = await timed(async () => {
      generated = [];
      for (const prompt of prompts)
        generated.push((await generate(model, [prompt], { maxNewTokens: NEW_TOKENS, temperature: 0, stopTokenIds: [] })).tokens[0]!);
    });
    const peerGen = await runTorchPeer(
      { mode: 'generate', model: config, prompts, newTokens: NEW_TOKENS, warmup, reps },
      { threads: peerThreads },
    );
    const total = PROMPTS * NEW_TOKENS;
    pushPair(measurements, `${name}: tokens generated`, 'tokens/s', genTimes, peerGen, total, (output) => {
      const same = output.reduce((s, ids, p) => s + ids.filter((id, i) => id === generated[p]?.[i]).length, 0);
      return `${PROMPTS} prompts of ${prompts.map((p) => p.length).join('/')} tokens, ${NEW_TOKENS} new each; ${same}/${total} ids equal to the studio's`;
    });
    model.dispose();
  }
} finally {
  shutdownBackend();
}
measurements.push({
  name: 'setup',
  value: threads,
  unit: 'threads',
  note: `studio ${backend.name} (${backend.threads ?? 1} thread(s)); load average at start ${load.join(' ')} (at the end: see machine)`,
});
report({ suite: 'eval', measurements }, out);
