/**
 * `studio compare RUN_ID… [--suite NAME] [--generations SOURCE] --out report.html`:
 * the comparison report (issue 15 item 9) — the same self-contained HTML
 * file and CSVs as the Compare page's *Export report*, written by the same
 * `compare-report` job (through `compare.report`, progress on stderr). With
 * `--generations`, the report shows a prompt set's answers from the first
 * run's base model and each run's last checkpoint, as the Generations tab
 * lays them out: `compare.generate` first (eval jobs that generate only what
 * the generations cache lacks), then the report reads the stored answers.
 */
import { resolve } from 'node:path';
import { CompareReportResult } from '../../shared/compare-report';
import type { EvalModelRef, Suite } from '../../shared/evals';
import type { Run } from '../../shared/runs';
import type { SideBySideSet } from '../../shared/side-by-side';
import { call } from '../core/client';
import type { Studio } from '../core/studio';
import { CliError, EXIT, type Command, type CommandContext } from './commands';
import { followJobToEnd } from './follow-job';

const USAGE =
  'studio compare RUN_ID [RUN_ID…] [--suite NAME] [--generations split:test|split:train|suite:NAME|FILE.jsonl] --out report.html [--workspace DIR] [--json]';

/** The most checkpoint columns a side-by-side set takes after the base (shared/side-by-side.ts: 8 columns). */
const MAX_GENERATION_RUNS = 7;

/**
 * The side-by-side set `--generations` names: the first run's base (step 0)
 * and each run's last checkpoint on disk, on a split of the first run's
 * snapshot, a suite's win-rate prompts (with that item's judge and sampling,
 * so the answers its evaluations stored are reused) or a prompts file.
 */
async function generationsSet(studio: Studio, source: string, runs: Run[]): Promise<SideBySideSet> {
  if (runs.length > MAX_GENERATION_RUNS)
    throw new CliError(
      `--generations puts each run's last checkpoint in a column: at most ${MAX_GENERATION_RUNS} runs (${runs.length} named).`,
    );
  const columns: EvalModelRef[] = [{ runId: runs[0]!.id, step: 0 }];
  for (const run of runs) {
    const newest = (await call(studio, 'runs.checkpoints', { id: run.id }))[0];
    if (!newest) throw new CliError(`Run #${run.id} "${run.name}" has no checkpoint on disk to generate with (--generations).`);
    columns.push({ runId: run.id, step: newest.step });
  }
  const split = /^split:(.*)$/.exec(source);
  if (split) {
    if (split[1] !== 'test' && split[1] !== 'train')
      throw new CliError(`--generations ${source}: the split is test or train (of run #${runs[0]!.id}'s snapshot).`);
    // A run imported from TRL on a snapshot this workspace lacks has none here (snapshotId 0).
    if (!runs[0]!.snapshotId)
      throw new CliError(
        `--generations ${source}: run #${runs[0]!.id} was trained on a snapshot this workspace lacks; name a suite (suite:NAME) or a prompts file.`,
      );
    return { columns, prompts: { snapshotId: runs[0]!.snapshotId, split: split[1] } };
  }
  const suite = /^suite:(.+)$/.exec(source);
  if (suite) {
    const suites: Suite[] = await call(studio, 'evals.suites', {});
    const found = suites.find((s) => s.name === suite[1]);
    if (!found)
      throw new CliError(`--generations ${source}: no suite "${suite[1]}" (known: ${suites.map((s) => s.name).join(', ') || 'none'}).`);
    const item = found.items.find((i) => i.kind === 'win-rate');
    if (!item || item.kind !== 'win-rate') throw new CliError(`--generations ${source}: suite "${found.name}" has no win-rate prompts.`);
    return {
      columns,
      prompts: item.prompts,
      ...(item.judge ? { judge: item.judge } : {}),
      ...(item.sampling ? { sampling: item.sampling } : {}),
    };
  }
  return { columns, prompts: { path: resolve(source) } };
}

/** Generates what the cache lacks for the set (eval jobs, waited for in turn); a job that fails stops the report. */
async function generate(ctx: CommandContext, studio: Studio, set: SideBySideSet): Promise<void> {
  for (const job of await call(studio, 'compare.generate', set)) {
    const done = await followJobToEnd(ctx, studio, job);
    if (done.status !== 'succeeded')
      throw new CliError(
        `Generating for the report: ${done.error?.message ?? `job #${done.id} ${done.status}`}`,
        done.error?.code ?? 'JOB_FAILED',
      );
  }
}

export const compareCommand: Command = {
  name: 'compare',
  usage: USAGE,
  summary:
    "Write a comparison of runs as one self-contained HTML file (settings that differ, metric curves, the evaluation table, the paper's view, with --generations the answers of the base and each run's last checkpoint) and each table as CSV beside it.",
  options: { suite: { type: 'string' }, out: { type: 'string' }, generations: { type: 'string' } },
  async run(ctx) {
    if (ctx.positionals.length === 0) throw new CliError(`name at least one run (see \`studio runs\`)\nusage: ${USAGE}`);
    const runIds = ctx.positionals.map((p) => {
      const id = Number(p);
      if (!/^\d+$/.test(p) || !(id > 0)) throw new CliError(`"${p}" is not a run id (a positive whole number; see \`studio runs\`).`);
      return id;
    });
    if (new Set(runIds).size !== runIds.length) throw new CliError('a run is named twice.');
    const out = ctx.values.out;
    if (typeof out !== 'string' || out === '')
      throw new CliError(`--out FILE is required (where to write the HTML report)\nusage: ${USAGE}`);
    const suite = typeof ctx.values.suite === 'string' ? ctx.values.suite : undefined;
    const source = ctx.values.generations;
    if (source !== undefined && (typeof source !== 'string' || source === ''))
      throw new CliError(`--generations needs a prompt set: split:test, split:train, suite:NAME or a prompts file\nusage: ${USAGE}`);
    const studio = ctx.openStudio(false);
    try {
      let generations: SideBySideSet | undefined;
      if (typeof source === 'string') {
        const runs = await Promise.all(runIds.map((id) => call(studio, 'runs.get', { id })));
        generations = await generationsSet(studio, source, runs);
        await generate(ctx, studio, generations);
      }
      const job = await call(studio, 'compare.startReport', {
        runIds,
        path: resolve(out),
        ...(suite ? { suite } : {}),
        ...(generations ? { generations } : {}),
      });
      const done = await followJobToEnd(ctx, studio, job);
      if (done.status !== 'succeeded')
        throw new CliError(done.error?.message ?? `The report job #${done.id} ${done.status}.`, done.error?.code ?? 'JOB_FAILED');
      const result = CompareReportResult.parse(done.result);
      if (ctx.json) ctx.io.out(JSON.stringify(result));
      else {
        const generated = result.generations === undefined ? '' : `, ${result.generations} prompts' generations`;
        ctx.io.out(`Wrote ${result.html.path} (${result.runs} runs, ${result.checkpoints} checkpoints${generated})`);
        for (const c of result.csv) ctx.io.out(`  ${c.table}: ${c.path}`);
      }
      return EXIT.ok;
    } finally {
      await studio.close();
    }
  },
};
