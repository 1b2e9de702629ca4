/**
 * `studio sweep` and `studio experiments` (issue 19, the paper in
 * miniature): a grid of runs from a sweep file (or the default demo grid),
 * followed with one overall progress line, then the report — the table and
 * verdicts on stdout, and the results, table and figure written as files.
 */
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { DEMO_SWEEP, GridAxes, quickAxes, type Experiment } from '../../shared/experiments';
import { experimentReport, reportMarkdown } from '../../shared/experiment-report';
import { formatSeconds } from '../../shared/training';
import type { Studio } from '../core/studio';
import { call } from '../core/client';
import { writeExperimentReport } from '../core/experiments/report-files';
import { CliError, EXIT, type Command, type CommandContext } from './commands';
import { table } from './output';
import { checkLaunchFile, readJsonFile, resolveLaunch, RUN_FILE_FIELDS } from './train';

/** sweep.json: run.json's fields (what to train on, from which model, the shared config) plus the settings to vary. */
export const SweepFile = z
  .object({
    ...RUN_FILE_FIELDS,
    /** Setting path → its values; the grid is every combination. */
    vary: GridAxes,
    /** The grid `--quick` runs instead (default: the first two values of each setting, one seed). */
    quick: GridAxes.optional(),
  })
  .strict()
  .superRefine(checkLaunchFile);
export type SweepFile = z.infer<typeof SweepFile>;

function readSweepFile(path: string): SweepFile {
  return readJsonFile(path, SweepFile);
}

/** "Experiment #2 running 41% — runs 1/4 trained, 45/120 steps, 3/12 evaluations — about 2 min 10 s left (1 min 50 s–2 min 40 s)". */
export function progressLine(e: Experiment): string {
  const trained = e.cells.filter((c) => c.status === 'succeeded').length;
  const left = e.estimate
    ? `about ${formatSeconds(e.estimate.seconds)} left (${formatSeconds(e.estimate.low)}–${formatSeconds(e.estimate.high)})`
    : e.estimateNote;
  const byHand = e.evalsByHand > 0 ? ` (+${e.evalsByHand} started by hand, not counted)` : '';
  return `Experiment #${e.id} ${e.status} ${Math.round(e.progress * 100)}% — runs ${trained}/${e.runs} trained, ${e.stepsDone}/${e.stepsTotal} steps, ${e.evalsDone}/${e.evalsPlanned} evaluations${byHand} — ${left}`;
}

const SETTLED = new Set(['paused', 'cancelled', 'succeeded', 'incomplete']);

/** Follows an experiment until nothing of it is queued or running; Ctrl-C pauses it (twice: exit at once). */
async function follow(ctx: CommandContext, studio: Studio, id: number): Promise<Experiment> {
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      ctx.io.err(
        'Pausing the experiment (the running run checkpoints); Ctrl-C again to stop at once — `studio experiments resume ID` continues.',
      );
      void call(studio, 'experiments.pause', { id }).catch(() => {});
    } else process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSigint);
  let lastLine = '';
  let lastAt = 0;
  let lastCounts = '';
  try {
    for (;;) {
      const e = await call(studio, 'experiments.get', { id });
      const counts = `${e.status} ${e.cells.map((c) => `${c.status}:${c.evalsDone}`).join(',')}`;
      // A line when a run or evaluation changes state, else every 10 s: a log, not a flood.
      if (counts !== lastCounts || Date.now() - lastAt > 10_000 || SETTLED.has(e.status)) {
        const line = progressLine(e);
        if (ctx.json)
          ctx.io.out(
            JSON.stringify({
              type: 'progress',
              id,
              status: e.status,
              progress: e.progress,
              stepsDone: e.stepsDone,
              stepsTotal: e.stepsTotal,
              evalsDone: e.evalsDone,
              evalsPlanned: e.evalsPlanned,
              estimate: e.estimate,
            }),
          );
        else if (line !== lastLine) ctx.io.err(line);
        lastLine = line;
        lastAt = Date.now();
        lastCounts = counts;
      }
      if (SETTLED.has(e.status)) return e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** Prints the report (table and verdicts) and, given a folder, writes its files there. */
async function printReport(ctx: CommandContext, studio: Studio, e: Experiment, dir: string | null): Promise<void> {
  const results = await call(studio, 'experiments.results', { id: e.id });
  const report = experimentReport(results);
  const files = dir ? writeExperimentReport(results, dir, `experiment-${e.id}`, { experiment: e }) : null;
  if (ctx.json) ctx.io.out(JSON.stringify({ type: 'experiment', experiment: e, results, report, files }));
  else {
    ctx.io.out(reportMarkdown(report));
    if (files) ctx.io.out(`Wrote ${files.markdown}, ${files.svg} and ${files.json}.`);
  }
}

/** --out, else (for commands that always write) the workspace's exports folder. */
const outDir = (ctx: CommandContext, studio: Studio, id: number): string =>
  typeof ctx.values.out === 'string' ? resolve(ctx.values.out) : join(studio.paths.exports, `experiment-${id}`);

const exitFor = (e: Experiment) => (e.status === 'succeeded' || e.status === 'paused' ? EXIT.ok : EXIT.failed);

export const sweepCommand: Command = {
  name: 'sweep',
  usage: [
    'studio sweep [--config sweep.json] [--quick] [--out DIR] [--workspace DIR] [--json]',
    '',
    'sweep.json is run.json (see `studio train --help`) plus "vary": each setting path with its values; the grid is every',
    'combination, and every other setting is shared. Without --config: the default demo grid (objectives mmpo, mmpo-mml,',
    'dpo, simpo × β 0.01, 0.05, 0.1, 0.5 × seeds 1, 2 on the demo snapshot and model). --quick runs the file\'s "quick"',
    "grid (the demo's: mmpo, dpo × β 0.01, 0.5 × seed 1), else the first two values of each setting and one seed.",
    'It waits, printing one progress line; Ctrl-C pauses the whole experiment. Then it prints the table and verdicts and',
    "writes experiment-ID.md, .svg and .json into --out (default: the workspace's artifacts/exports/experiment-ID/).",
  ].join('\n'),
  summary: 'Run a grid of training runs (objectives × β × seeds by default) and report win rate and capability per cell.',
  options: { config: { type: 'string' }, quick: { type: 'boolean', default: false }, out: { type: 'string' } },
  async run(ctx) {
    const path = typeof ctx.values.config === 'string' ? resolve(ctx.values.config) : null;
    const file = path ? readSweepFile(path) : SweepFile.parse(DEMO_SWEEP);
    const vary = ctx.values.quick ? (file.quick ?? quickAxes(file.vary)) : file.vary;
    const studio = ctx.openStudio(true);
    try {
      if (!process.env.STUDIO_NO_DEMO) await studio.seedDemo();
      const { snapshotId, modelId } = await resolveLaunch(studio, { ...file, config: {} }, path ? dirname(path) : process.cwd());
      const name = file.name ? `${file.name}${ctx.values.quick ? ' (quick)' : ''}` : undefined;
      const created = await call(studio, 'experiments.create', {
        ...(name ? { name } : {}),
        snapshotId,
        modelId,
        config: file.config,
        vary,
      });
      if (!ctx.json) {
        ctx.io.out(
          `Experiment #${created.id} "${created.name}": ${created.runs} runs (${created.axes.map((a) => `${a.path} ∈ {${a.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}}`).join(' × ')}). Ctrl-C pauses.`,
        );
        ctx.io.out(`Varying: ${created.varying.join(', ')}.`);
      }
      const done = await follow(ctx, studio, created.id);
      await printReport(ctx, studio, done, outDir(ctx, studio, done.id));
      if (!ctx.json && done.status === 'paused') ctx.io.out(`Continue with: studio experiments resume ${done.id}`);
      return exitFor(done);
    } finally {
      await studio.close();
    }
  },
};

export const experimentsCommand: Command = {
  name: 'experiments',
  usage: [
    'studio experiments [list] [--workspace DIR] [--json]',
    '       studio experiments show ID [--out DIR]     the runs, progress and time left; the table and verdicts (and their files with --out)',
    '       studio experiments pause|resume|cancel ID  the whole experiment at once (resume waits for it, as sweep does)',
  ].join('\n'),
  summary: 'List experiments (grids of runs); show one with its table and verdicts; pause, resume or cancel one.',
  options: { out: { type: 'string' } },
  async run(ctx) {
    const sub = ctx.positionals[0] ?? 'list';
    const id = Number(ctx.positionals[1]);
    if (sub !== 'list' && (!Number.isInteger(id) || id <= 0))
      throw new CliError(`name the experiment: studio experiments ${sub} ID (see \`studio experiments\`).`);
    const studio = ctx.openStudio(sub === 'resume');
    try {
      switch (sub) {
        case 'list': {
          const list = await call(studio, 'experiments.list', {});
          if (ctx.json) ctx.io.out(JSON.stringify(list));
          else if (list.length === 0) ctx.io.out('No experiments yet: `studio sweep --quick` runs a small one on the demo.');
          else
            ctx.io.out(
              table(
                ['id', 'status', 'progress', 'runs', 'name'],
                list.map((e) => [String(e.id), e.status, `${Math.round(e.progress * 100)}%`, String(e.runs), e.name]),
              ),
            );
          return EXIT.ok;
        }
        case 'show': {
          const e = await call(studio, 'experiments.get', { id });
          if (!ctx.json) {
            ctx.io.out(progressLine(e));
            ctx.io.out(
              table(
                ['cell', 'run', 'status', 'step', 'evals', 'settings'],
                e.cells.map((c) => [
                  String(c.cell + 1),
                  String(c.runId),
                  c.status,
                  `${c.step}/${c.totalSteps}`,
                  `${c.evalsDone}/${c.evalsPlanned}${c.evalsByHand > 0 ? ` +${c.evalsByHand} by hand` : ''}`,
                  c.label,
                ]),
              ),
            );
          }
          await printReport(ctx, studio, e, typeof ctx.values.out === 'string' ? resolve(ctx.values.out) : null);
          return EXIT.ok;
        }
        case 'pause':
        case 'cancel': {
          const e = await call(studio, sub === 'pause' ? 'experiments.pause' : 'experiments.cancel', { id });
          ctx.io.out(ctx.json ? JSON.stringify(e) : progressLine(e));
          return EXIT.ok;
        }
        case 'resume': {
          await call(studio, 'experiments.resume', { id });
          const done = await follow(ctx, studio, id);
          await printReport(ctx, studio, done, outDir(ctx, studio, id));
          return exitFor(done);
        }
        default:
          throw new CliError(`studio experiments ${sub}: give list, show, pause, resume or cancel.`);
      }
    } finally {
      await studio.close();
    }
  },
};
