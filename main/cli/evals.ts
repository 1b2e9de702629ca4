/**
 * `studio eval`: evaluate a model on a suite, a multiple-choice task file or a
 * perplexity text set (the `eval` job, waited for with its progress on
 * stderr), and read stored results back — all through the contract.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { GenerationSampling, type EvalJobResult, type EvalModelRef, type EvalResult, type SuiteItem } from '../../shared/evals';
import { StudioError } from '../../shared/result';
import { call } from '../core/client';
import type { Studio } from '../core/studio';
import { CliError, EXIT, type Command, type CommandContext } from './commands';
import { followJobToEnd } from './follow-job';
import { keyValues, table } from './output';

const USAGE = [
  'studio eval --model DIR|ID|demo (--suite NAME | --task FILE | --text FILE) [--workspace DIR] [--json]',
  'studio eval --checkpoint RUN:STEP (--suite NAME | --task FILE | --text FILE) [--workspace DIR] [--json]',
  'studio eval --model DIR|ID|demo|--checkpoint RUN:STEP --prompts FILE|SNAPSHOT_ID[:test|train] [--baseline MODEL] [--judge rules|MODEL]',
  '           [--judge-template FILE] [--max-tokens N] [--temperature T] [--top-p P] [--top-k K] [--seed S] [--workspace DIR] [--json]',
  'studio eval list [--model ID] [--workspace DIR] [--json]',
  'studio eval show RESULT_ID [--items N] [--workspace DIR] [--json]',
].join('\n       ');

/** A metric's value as printed: fractions and ratios with 4 decimals, null as —. */
const fmt = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : x.toFixed(4));

/** Metrics that count (a win rate's verdicts): printed as whole numbers. */
const COUNTS = new Set(['wins', 'ties', 'losses']);

/**
 * Rows of a metrics table: one per metric, beside it its standard error where
 * defined (acc, acc_norm) or its 95% interval (win_rate).
 */
function metricRows(label: string, metrics: Record<string, number | null>): string[][] {
  return Object.entries(metrics)
    .filter(([k]) => !k.endsWith('_stderr') && !k.endsWith('_ci_low') && !k.endsWith('_ci_high'))
    .map(([k, v]) => [
      label,
      k,
      COUNTS.has(k) && v !== null ? String(v) : fmt(v),
      `${k}_stderr` in metrics
        ? fmt(metrics[`${k}_stderr`])
        : `${k}_ci_low` in metrics
          ? `95% CI ${fmt(metrics[`${k}_ci_low`])}–${fmt(metrics[`${k}_ci_high`])}`
          : '—',
    ]);
}

/** A response or prompt shortened to one table cell. */
const cell = (text: string, width = 40): string => {
  const s = text.replace(/\s+/g, ' ');
  return s.length > width ? `${s.slice(0, width - 1)}…` : s;
};

async function modelRef(ctx: CommandContext, studio: Studio): Promise<EvalModelRef> {
  const checkpoint = ctx.values.checkpoint;
  const model = ctx.values.model;
  if ((checkpoint === undefined) === (model === undefined))
    throw new CliError(`name one model: --model DIR|ID|demo or --checkpoint RUN:STEP\nusage: ${USAGE}`);
  if (typeof checkpoint === 'string') {
    const m = /^(\d+):(\d+)$/.exec(checkpoint);
    if (!m) throw new CliError("--checkpoint takes RUN:STEP (see `studio runs` and the run's checkpoints).");
    return { runId: Number(m[1]), step: Number(m[2]) };
  }
  return namedModel(String(model), studio);
}

/** A model named on the command line: a run checkpoint RUN:STEP, a model id, `demo`, or a folder (registered on first use). */
async function namedModel(name: string, studio: Studio): Promise<EvalModelRef> {
  const checkpoint = /^(\d+):(\d+)$/.exec(name);
  if (checkpoint) return { runId: Number(checkpoint[1]), step: Number(checkpoint[2]) };
  if (/^\d+$/.test(name)) return { modelId: Number(name) };
  if (name === 'demo') {
    const demo = await studio.demoModel();
    if (!demo) throw new CliError('This install has no demo model.');
    return { modelId: demo.id };
  }
  const dir = resolve(name);
  try {
    return { modelId: (await call(studio, 'models.register', { path: dir })).id };
  } catch (err) {
    if (err instanceof StudioError && err.code === 'INVALID_ARGUMENT') throw new CliError(err.message, err.code, EXIT.badModel);
    throw err;
  }
}

/** A number option within bounds, or undefined when not given. */
function numberOption(ctx: CommandContext, name: string, min: number, max: number, integer: boolean): number | undefined {
  const raw = ctx.values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
    throw new CliError(`--${name} takes ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, not "${String(raw)}".`);
  return n;
}

function readTemplate(file: string): string {
  try {
    return readFileSync(resolve(file), 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read the judge template ${resolve(file)}: ${(err as Error).message}`);
  }
}

/** `--prompts FILE|SNAPSHOT_ID[:test|train]` with its baseline, judge and sampling options: one win-rate item. */
async function winRateItem(ctx: CommandContext, studio: Studio): Promise<SuiteItem> {
  const prompts = String(ctx.values.prompts);
  const snapshot = /^(\d+)(?::(test|train))?$/.exec(prompts);
  const judge = ctx.values.judge === undefined ? 'rules' : String(ctx.values.judge);
  const template = ctx.values['judge-template'];
  if (template !== undefined && judge === 'rules') throw new CliError('--judge-template needs a model judge (--judge MODEL).');
  const sampling = GenerationSampling.parse(
    Object.fromEntries(
      Object.entries({
        temperature: numberOption(ctx, 'temperature', 0, 5, false),
        topP: numberOption(ctx, 'top-p', 0.000001, 1, false),
        topK: numberOption(ctx, 'top-k', 0, 1_000_000, true),
        maxTokens: numberOption(ctx, 'max-tokens', 1, 4096, true),
        seed: numberOption(ctx, 'seed', 0, 2 ** 31 - 1, true),
      }).filter(([, v]) => v !== undefined),
    ),
  );
  return {
    kind: 'win-rate',
    prompts: snapshot
      ? { snapshotId: Number(snapshot[1]), split: (snapshot[2] ?? 'test') as 'test' | 'train' }
      : { path: resolve(prompts) },
    ...(ctx.values.baseline !== undefined ? { baseline: await namedModel(String(ctx.values.baseline), studio) } : {}),
    judge:
      judge === 'rules'
        ? { kind: 'rules' }
        : {
            kind: 'model',
            model: await namedModel(judge, studio),
            ...(template !== undefined ? { template: readTemplate(String(template)) } : {}),
          },
    sampling,
  };
}

async function suiteArg(ctx: CommandContext, studio: Studio): Promise<string | { name: string; items: SuiteItem[] }> {
  const { suite, task, text, prompts } = ctx.values;
  const given = [suite, task, text, prompts].filter((v) => v !== undefined);
  if (given.length !== 1)
    throw new CliError(`name one of --suite NAME, --task FILE, --text FILE or --prompts FILE|SNAPSHOT_ID\nusage: ${USAGE}`);
  const winRateOnly = ['baseline', 'judge', 'judge-template', 'max-tokens', 'temperature', 'top-p', 'top-k', 'seed'].filter(
    (k) => ctx.values[k] !== undefined,
  );
  if (prompts === undefined && winRateOnly.length > 0)
    throw new CliError(`--${winRateOnly[0]} applies to a win rate: add --prompts FILE|SNAPSHOT_ID\nusage: ${USAGE}`);
  if (typeof suite === 'string') return suite;
  if (prompts !== undefined) return { name: `win rate on ${String(prompts)}`, items: [await winRateItem(ctx, studio)] };
  if (typeof task === 'string') return { name: `task ${task}`, items: [{ kind: 'multiple-choice', taskPath: resolve(task) }] };
  return { name: `text ${String(text)}`, items: [{ kind: 'perplexity', textPath: resolve(String(text)) }] };
}

async function runEval(ctx: CommandContext): Promise<number> {
  const studio = ctx.openStudio(true);
  try {
    if (!process.env.STUDIO_NO_DEMO) await studio.seedDemo();
    const model = await modelRef(ctx, studio);
    const suite = await suiteArg(ctx, studio);
    const job = await call(studio, 'evals.start', { model, suite });
    const done = await followJobToEnd(ctx, studio, job, { logs: true });
    if (done.status !== 'succeeded')
      throw new CliError(done.error?.message ?? `The evaluation ${done.status}.`, done.error?.code ?? 'JOB_FAILED');
    const result = done.result as EvalJobResult;
    if (ctx.json) {
      ctx.io.out(JSON.stringify({ jobId: done.id, ...result }));
      return EXIT.ok;
    }
    ctx.io.out(`${result.modelName} on ${result.suite} (model ${result.modelHash.slice(0, 12)}):`);
    ctx.io.out(
      table(
        ['item', 'metric', 'value', 'stderr / interval'],
        result.items.flatMap((i) => metricRows(`${i.label}${i.cached ? ' (cached)' : ''}`, i.metrics)),
      ),
    );
    for (const i of result.items)
      if (i.generations) {
        const { candidate: c, baseline: b } = i.generations;
        ctx.io.out(
          `${i.label}: generated ${c.generated} responses of the model and ${b.generated} of the baseline; reused ${c.reused} and ${b.reused} stored ones.`,
        );
      }
    for (const s of result.skipped) ctx.io.out(`Skipped ${s.label}: ${s.reason}`);
    ctx.io.out(
      `Results: ${result.items.map((i) => `#${i.resultId}`).join(', ')} (studio eval show ID); ${result.scored} scored, ${result.items.length - result.scored} from the cache.`,
    );
    return EXIT.ok;
  } finally {
    await studio.close();
  }
}

async function listEvals(ctx: CommandContext): Promise<number> {
  const studio = ctx.openStudio(false);
  try {
    const modelId = ctx.values.model === undefined ? undefined : Number(ctx.values.model);
    if (modelId !== undefined && !(Number.isInteger(modelId) && modelId > 0))
      throw new CliError('studio eval list --model takes a model id.');
    const results: EvalResult[] = await call(studio, 'evals.list', modelId === undefined ? {} : { modelId });
    if (ctx.json) ctx.io.out(JSON.stringify(results));
    else if (results.length === 0) ctx.io.out('No evaluations yet: studio eval --model demo --suite demo');
    else {
      const headline = (r: EvalResult) => {
        const keys =
          r.kind === 'multiple-choice'
            ? ['acc', 'acc_norm']
            : r.kind === 'perplexity'
              ? ['perplexity', 'bits_per_byte']
              : r.kind === 'win-rate'
                ? ['win_rate', 'lc_win_rate']
                : ['logps/accuracies', 'rewards/accuracies'];
        return keys
          .filter((k) => k in r.metrics)
          .map((k) => `${k} ${fmt(r.metrics[k])}`)
          .join(', ');
      };
      ctx.io.out(
        table(
          ['id', 'model', 'kind', 'data', 'metrics', 'job'],
          results.map((r) => [String(r.id), r.modelName, r.kind, r.label, headline(r), r.jobId === null ? '—' : `#${r.jobId}`]),
        ),
      );
    }
    return EXIT.ok;
  } finally {
    await studio.close();
  }
}

async function showEval(ctx: CommandContext): Promise<number> {
  const id = Number(ctx.positionals[1]);
  if (!Number.isInteger(id) || id <= 0) throw new CliError('name the result: studio eval show RESULT_ID (see `studio eval list`)');
  const limit = ctx.values.items === undefined ? 20 : Number(ctx.values.items);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError('--items takes a count from 1 to 1000.');
  const studio = ctx.openStudio(false);
  try {
    const page = await call(studio, 'evals.get', { id, limit });
    if (ctx.json) {
      ctx.io.out(JSON.stringify(page));
      return EXIT.ok;
    }
    const r = page.result;
    ctx.io.out(
      keyValues([
        ['result', `#${r.id} (${r.kind}), job ${r.jobId === null ? '—' : `#${r.jobId}`}`],
        ['model', `${r.modelName} (${r.modelHash.slice(0, 12)})`],
        ['data', `${r.label} (${r.dataHash.slice(0, 12)})`],
        ['scored', `${r.summary.scored} items, ${r.summary.invalid} invalid`],
      ]),
    );
    ctx.io.out(
      table(
        ['metric', 'value', 'stderr / interval'],
        metricRows('', r.metrics).map((row) => row.slice(1)),
      ),
    );
    for (const p of r.summary.problems) ctx.io.out(`${p.severity}${p.line !== undefined ? ` (line ${p.line})` : ''}: ${p.reason}`);
    ctx.io.out(`First ${page.items.length} of ${page.total} items:`);
    if (r.kind === 'win-rate') {
      // Per prompt: the verdict (with both orders for a model judge) and the two responses with their lengths.
      type Side = { text: string; chars: number };
      type Order = { verdict: string };
      ctx.io.out(
        table(
          ['#', 'prompt', 'verdict', 'orders', 'model (chars)', 'baseline (chars)'],
          page.items.map((i) => {
            const d = i.detail as {
              prompt: string;
              verdict: string;
              candidate: Side;
              baseline: Side;
              candidateFirst?: Order;
              candidateSecond?: Order;
            };
            return [
              String(i.seq),
              cell(d.prompt, 32),
              d.verdict,
              d.candidateFirst && d.candidateSecond ? `${d.candidateFirst.verdict}/${d.candidateSecond.verdict}` : '—',
              `${cell(d.candidate.text, 28)} (${d.candidate.chars})`,
              `${cell(d.baseline.text, 28)} (${d.baseline.chars})`,
            ];
          }),
        ),
      );
      return EXIT.ok;
    }
    ctx.io.out(
      table(
        ['#', 'item', 'correct'],
        page.items.map((i) => [String(i.seq), i.itemId, i.correct === null ? '—' : i.correct ? 'yes' : 'no']),
      ),
    );
    return EXIT.ok;
  } finally {
    await studio.close();
  }
}

export const evalCommand: Command = {
  name: 'eval',
  usage: USAGE,
  summary:
    'Evaluate a model on a suite, a multiple-choice task, a text set or its win rate against a baseline on a prompt set (cached per model, data and settings); list and show results.',
  options: {
    model: { type: 'string' },
    checkpoint: { type: 'string' },
    suite: { type: 'string' },
    task: { type: 'string' },
    text: { type: 'string' },
    items: { type: 'string' },
    prompts: { type: 'string' },
    baseline: { type: 'string' },
    judge: { type: 'string' },
    'judge-template': { type: 'string' },
    'max-tokens': { type: 'string' },
    temperature: { type: 'string' },
    'top-p': { type: 'string' },
    'top-k': { type: 'string' },
    seed: { type: 'string' },
  },
  run(ctx) {
    const sub = ctx.positionals[0];
    if (sub === 'list') return listEvals(ctx);
    if (sub === 'show') return showEval(ctx);
    if (sub !== undefined) throw new CliError(`unknown subcommand "${sub}"\nusage: ${USAGE}`);
    return runEval(ctx);
  },
};
