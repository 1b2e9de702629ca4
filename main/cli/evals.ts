/**
 * `studio eval`: evaluate a model on a suite, a multiple-choice task file or a
 * perplexity text set (the `eval` job, waited for with its progress on
 * stderr), and read stored results back — all through the contract.
 */
import { resolve } from 'node:path';
import type { EvalJobResult, EvalModelRef, EvalResult, SuiteItem } from '../../shared/evals';
import { StudioError } from '../../shared/result';
import { call, jobSettled } from '../core/client';
import type { Studio } from '../core/studio';
import { CliError, EXIT, type Command, type CommandContext } from './commands';
import { keyValues, table } from './output';

const USAGE = [
  'studio eval --model DIR|ID|demo (--suite NAME | --task FILE | --text FILE) [--workspace DIR] [--json]',
  'studio eval --checkpoint RUN:STEP (--suite NAME | --task FILE | --text FILE) [--workspace DIR] [--json]',
  'studio eval list [--model ID] [--workspace DIR] [--json]',
  'studio eval show RESULT_ID [--items N] [--workspace DIR] [--json]',
].join('\n       ');

/** A metric's value as printed: fractions and ratios with 4 decimals, null as —. */
const fmt = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : x.toFixed(4));

/** Rows of a metrics table: one per metric, its standard error beside it where defined (acc, acc_norm). */
function metricRows(label: string, metrics: Record<string, number | null>): string[][] {
  return Object.entries(metrics)
    .filter(([k]) => !k.endsWith('_stderr'))
    .map(([k, v]) => [label, k, fmt(v), `${k}_stderr` in metrics ? fmt(metrics[`${k}_stderr`]) : '—']);
}

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
  const name = String(model);
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

function suiteArg(ctx: CommandContext): string | { name: string; items: SuiteItem[] } {
  const { suite, task, text } = ctx.values;
  const given = [suite, task, text].filter((v) => v !== undefined);
  if (given.length !== 1) throw new CliError(`name one of --suite NAME, --task FILE or --text FILE\nusage: ${USAGE}`);
  if (typeof suite === 'string') return suite;
  if (typeof task === 'string') return { name: `task ${task}`, items: [{ kind: 'multiple-choice', taskPath: resolve(task) }] };
  return { name: `text ${String(text)}`, items: [{ kind: 'perplexity', textPath: resolve(String(text)) }] };
}

async function runEval(ctx: CommandContext): Promise<number> {
  const studio = ctx.openStudio(true);
  try {
    if (!process.env.STUDIO_NO_DEMO) await studio.seedDemo();
    const model = await modelRef(ctx, studio);
    const suite = suiteArg(ctx);
    const job = await call(studio, 'evals.start', { model, suite });
    if (!ctx.json) ctx.io.err(`${job.title} (job #${job.id})`);
    let last = '';
    const off = studio.events.subscribe((e) => {
      if (ctx.json || e.type !== 'job.updated' || e.job.id !== job.id || e.job.status !== 'running') return;
      const line = `${Math.round(e.job.progress * 100)}% ${e.job.progressMessage ?? ''}`;
      if (line === last) return;
      last = line;
      if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K`);
    });
    const logOff = studio.events.subscribe((e) => {
      if (!ctx.json && e.type === 'job.log' && e.line.jobId === job.id && e.line.level !== 'debug') {
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
        ctx.io.err(`  ${e.line.message}`);
      }
    });
    let done;
    try {
      done = await jobSettled(studio, job.id);
    } finally {
      off();
      logOff();
      if (process.stderr.isTTY && !ctx.json) process.stderr.write('\r\x1b[K');
    }
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
        ['item', 'metric', 'value', 'stderr'],
        result.items.flatMap((i) => metricRows(`${i.label}${i.cached ? ' (cached)' : ''}`, i.metrics)),
      ),
    );
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
        ['metric', 'value', 'stderr'],
        metricRows('', r.metrics).map((row) => row.slice(1)),
      ),
    );
    for (const p of r.summary.problems) ctx.io.out(`${p.severity}${p.line !== undefined ? ` (line ${p.line})` : ''}: ${p.reason}`);
    ctx.io.out(`First ${page.items.length} of ${page.total} items:`);
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
    'Evaluate a model on a suite, a multiple-choice task or a text set (cached per model, data and settings); list and show results.',
  options: {
    model: { type: 'string' },
    checkpoint: { type: 'string' },
    suite: { type: 'string' },
    task: { type: 'string' },
    text: { type: 'string' },
    items: { type: 'string' },
  },
  run(ctx) {
    const sub = ctx.positionals[0];
    if (sub === 'list') return listEvals(ctx);
    if (sub === 'show') return showEval(ctx);
    if (sub !== undefined) throw new CliError(`unknown subcommand "${sub}"\nusage: ${USAGE}`);
    return runEval(ctx);
  },
};
