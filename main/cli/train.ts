/**
 * `studio train`, `studio runs`, `studio resume`: training from a terminal
 * (a headless GPU box), writing the same records the app shows. Progress
 * streams as one line per step (NDJSON with --json); Ctrl-C pauses at a
 * checkpoint so `studio resume ID` continues where it stopped.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { Run } from '../../shared/runs';
import { describeTimeLeft, runSchedule, stepsPerEpoch, timeLeft } from '../../shared/training';
import { PRESETS, type PresetName } from '../../shared/objectives';
import { formatDiagnosticLine, formatEvalLine, formatMetricValue, formatStepLine, isRunReportLine } from '../../shared/run-log';
import { runSettingsHelp } from '../../shared/run-settings';
import { formatMetricCell, metricColumns } from '../../shared/eval-columns';
import type { Studio } from '../core/studio';
import { call, jobSettled } from '../core/client';
import { exportMetrics } from '../core/runs/metrics-export';
import { CliError, type Command, type CommandContext } from './commands';
import { table } from './output';

/** run.json's fields: what to train, on what, from which model; `config` is a RunConfig without `model`. */
export const RUN_FILE_FIELDS = {
  name: z.string().min(1).optional(),
  /** A snapshot by id … */
  snapshotId: z.number().int().positive().optional(),
  /** … or the newest snapshot of a dataset, by name. */
  dataset: z.string().min(1).optional(),
  /** A registered model by id … */
  modelId: z.number().int().positive().optional(),
  /** … or an HF model folder (registered on first use; relative to run.json), or "demo". */
  model: z.string().min(1).optional(),
  /** RunConfig fields over the model's launcher defaults; `objective` may be a preset name ("dpo"). */
  config: z.record(z.string(), z.unknown()).default({}),
};

/** A launch file names exactly one snapshot (by id or dataset) and one model (by id or folder). */
export function checkLaunchFile(
  f: { snapshotId?: number | undefined; dataset?: string | undefined; modelId?: number | undefined; model?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if ((f.snapshotId === undefined) === (f.dataset === undefined))
    ctx.addIssue({ code: 'custom', message: 'give exactly one of snapshotId or dataset' });
  if ((f.modelId === undefined) === (f.model === undefined))
    ctx.addIssue({ code: 'custom', message: 'give exactly one of modelId or model' });
}

/** run.json: what to train, on what, from which model. */
export const RunFile = z.object(RUN_FILE_FIELDS).strict().superRefine(checkLaunchFile);
export type RunFile = z.infer<typeof RunFile>;

/** Reads a JSON file against a schema; errors name the file and each bad field. */
export function readJsonFile<T>(path: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CliError(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new CliError(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export function readRunFile(path: string): RunFile {
  return readJsonFile(path, RunFile);
}

export async function resolveLaunch(studio: Studio, file: RunFile, base: string) {
  let snapshotId = file.snapshotId;
  if (snapshotId === undefined) {
    const dataset = (await call(studio, 'datasets.list', {})).find((d) => d.name === file.dataset);
    if (!dataset) throw new CliError(`No dataset named "${file.dataset}" (see \`studio datasets\`).`);
    const snapshots = await call(studio, 'snapshots.list', { datasetId: dataset.id });
    if (snapshots.length === 0)
      throw new CliError(`Dataset "${file.dataset}" has no snapshot yet: \`studio snapshot "${file.dataset}"\` freezes one.`);
    snapshotId = snapshots[0]!.id;
  }
  let modelId = file.modelId;
  if (modelId === undefined) {
    if (file.model === 'demo') {
      const demo = await studio.demoModel();
      if (!demo) throw new CliError('This studio has no demo model (assets/demo/model is missing).');
      modelId = demo.id;
    } else {
      modelId = (await call(studio, 'models.register', { path: resolve(base, file.model!) })).id;
    }
  }
  const defaults = await call(studio, 'runs.defaults', { modelId });
  return { ...(file.name ? { name: file.name } : {}), snapshotId, modelId, config: withDefaults(defaults, file.config) };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The run file's config over the launcher's defaults for the model (the same
 * the Runs page starts from): optimizer and schedule merge field by field;
 * an objective replaces the default one whole, and may be a preset name.
 */
export function withDefaults(defaults: Json, config: Json): Json {
  const merged: Json = { ...defaults, ...config };
  for (const key of ['optimizer', 'schedule']) {
    if (isObject(defaults[key]) && isObject(config[key])) merged[key] = { ...defaults[key], ...config[key] };
  }
  const objective = config['objective'];
  if (typeof objective === 'string') {
    if (!(objective in PRESETS))
      throw new CliError(`config.objective: "${objective}" is not a preset (${Object.keys(PRESETS).join(', ')}).`);
    merged['objective'] = PRESETS[objective as PresetName];
  }
  return merged;
}

const fmt = formatMetricValue;

/**
 * A succeeded run's evaluations (its evalSuite at step 0 and each
 * checkpoint, queued behind it on the device): waited for, then printed a
 * line per step and suite item with the headline metrics (NDJSON `eval`
 * objects with --json). Ctrl-C stops waiting; what is still queued runs the
 * next time a studio supervises this workspace's jobs.
 */
async function followEvals(ctx: CommandContext, studio: Studio, run: Run): Promise<void> {
  const suite = run.config.evalSuite;
  if (suite === null || run.status !== 'succeeded') return;
  if (!ctx.json) ctx.io.err(`Evaluating step 0 and each checkpoint on suite "${suite}" (Ctrl-C stops waiting)…`);
  let onSigint = () => {};
  const interrupted = new Promise<void>((resolve) => (onSigint = resolve));
  process.on('SIGINT', onSigint);
  let stopped = false;
  void interrupted.then(() => (stopped = true));
  try {
    while (!stopped) {
      const pending = (await call(studio, 'runs.evals', { id: run.id })).find((p) => p.status === 'queued' || p.status === 'running');
      if (!pending) break;
      await Promise.race([jobSettled(studio, pending.jobId), interrupted]);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  const points = await call(studio, 'runs.evals', { id: run.id });
  if (ctx.json) {
    for (const p of points) ctx.io.out(JSON.stringify({ type: 'eval', runId: run.id, ...p }));
    return;
  }
  const rows = points.flatMap((p) => {
    if (p.status !== 'succeeded') return [[String(p.step), p.suite, p.status, p.error?.message ?? '']];
    return p.results.map((r) => {
      const columns = metricColumns([[{ kind: r.kind, label: r.label, metrics: r.metrics }]]);
      return [String(p.step), r.label, r.kind, columns.map((c) => `${c.metric} ${formatMetricCell(r.metrics, c.metric)}`).join('  ')];
    });
  });
  if (rows.length > 0) ctx.io.out(table(['step', 'item', 'kind', 'metrics'], rows));
}

/** Streams a run's progress until its job settles; Ctrl-C asks for a pause. Returns the exit code. */
async function follow(ctx: CommandContext, studio: Studio, run: Run): Promise<number> {
  const total = run.totalSteps;
  if (!ctx.json)
    ctx.io.out(`Run #${run.id} "${run.name}": ${total} steps on ${run.trainPairs} pairs (${run.testPairs} held out). Ctrl-C pauses.`);
  const pending = new Map<number, Record<string, number>>();
  // Step times of this attempt, for the time left after each step line (the same estimate as the run page's).
  const stepSeconds: number[] = [];
  let firstStep = 0;
  const schedule = runSchedule(run.config, {
    totalSteps: total,
    stepsPerEpoch: stepsPerEpoch(run.trainPairs, run.config),
    testPairs: run.testPairs,
  });
  const off = studio.events.subscribe((e) => {
    // Step, eval and diagnostic lines are in the job log too (for the app); here they come from the metrics, on stdout.
    if (e.type === 'job.log' && e.line.jobId === run.jobId && !ctx.json && e.line.level !== 'debug' && !isRunReportLine(e.line.message))
      ctx.io.err(`  ${e.line.message}`);
    if (e.type !== 'run.metrics' || e.runId !== run.id) return;
    for (const p of e.points) pending.set(p.step, { ...pending.get(p.step), [p.name]: p.value });
    for (const [step, m] of pending) {
      pending.delete(step);
      if (ctx.json) ctx.io.out(JSON.stringify({ type: 'metrics', runId: run.id, step, metrics: m }));
      else if (m['loss'] !== undefined) {
        if (m['step_seconds'] !== undefined) {
          if (stepSeconds.length === 0) firstStep = step;
          stepSeconds.push(m['step_seconds']);
        }
        ctx.io.out(`${formatStepLine(step, total, m)}  ${describeTimeLeft(firstStep ? timeLeft(stepSeconds, firstStep, schedule) : null)}`);
      } else ctx.io.out(formatEvalLine(step, m));
    }
  });
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      ctx.io.err('Pausing at the next step (a checkpoint is written); Ctrl-C again to stop at once (the run stays resumable).');
      // Refused while the run is not running yet (queued): a second Ctrl-C stops the process.
      void call(studio, 'runs.pause', { id: run.id }).catch(() => {});
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  try {
    await jobSettled(studio, run.jobId);
  } finally {
    process.off('SIGINT', onSigint);
    off();
  }
  const done = await call(studio, 'runs.get', { id: run.id });
  await followEvals(ctx, studio, done);
  const diagnostics = await call(studio, 'runs.diagnostics', { id: run.id });
  if (ctx.json) ctx.io.out(JSON.stringify({ type: 'run', run: done, diagnostics }));
  else {
    for (const d of diagnostics) ctx.io.out(formatDiagnosticLine(d));
    ctx.io.out(`Run #${done.id} ${done.status} at step ${done.step}/${done.totalSteps}.`);
    if (done.status === 'paused' || done.status === 'interrupted') ctx.io.out(`Continue with: studio resume ${done.id}`);
    if (done.status === 'succeeded') ctx.io.out(`Model: ${done.dir}/model`);
    if (done.error && done.status !== 'paused') ctx.io.err(done.error.message);
  }
  return done.status === 'succeeded' || done.status === 'paused' ? 0 : 1;
}

export const trainCommand: Command = {
  name: 'train',
  // The config fields and their help come from the run settings' one description (shared/run-settings.ts).
  usage: `studio train --config run.json [--workspace DIR] [--json]\n\n${runSettingsHelp()}`,
  summary: 'Train a run described by a JSON file (snapshot, model, RunConfig), streaming progress.',
  options: { config: { type: 'string' } },
  async run(ctx) {
    if (!ctx.values.config) throw new CliError('name the run file: studio train --config run.json');
    const path = resolve(String(ctx.values.config));
    const file = readRunFile(path);
    const studio = ctx.openStudio(true);
    try {
      if (!process.env.STUDIO_NO_DEMO) await studio.seedDemo();
      const launch = await resolveLaunch(studio, file, dirname(path));
      const run = await call(studio, 'runs.create', launch);
      return await follow(ctx, studio, run);
    } finally {
      await studio.close();
    }
  },
};

export const resumeCommand: Command = {
  name: 'resume',
  usage: 'studio resume RUN_ID [--workspace DIR] [--json]',
  summary: 'Continue a paused, interrupted or failed run from its last valid checkpoint.',
  options: {},
  async run(ctx) {
    const id = Number(ctx.positionals[0]);
    if (!Number.isInteger(id) || id <= 0) throw new CliError('name the run: studio resume RUN_ID (see `studio runs`)');
    const studio = ctx.openStudio(true);
    try {
      const run = await call(studio, 'runs.resume', { id });
      return await follow(ctx, studio, run);
    } finally {
      await studio.close();
    }
  },
};

/** `studio runs export RUN_ID --format csv|json [--out FILE]`: the run's metrics under TRL's names, to stdout or a file. */
async function exportRunMetrics(ctx: CommandContext, studio: Studio): Promise<number> {
  const id = Number(ctx.positionals[1]);
  if (!Number.isInteger(id) || id <= 0) throw new CliError('name the run: studio runs export RUN_ID --format csv|json (see `studio runs`)');
  const format = ctx.values.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new CliError(`--format ${String(format)}: give csv or json.`);
  if (typeof ctx.values.out === 'string') {
    const written = await call(studio, 'runs.exportMetrics', { id, format, path: resolve(ctx.values.out) });
    ctx.io.err(`Wrote ${written.rows} ${format === 'csv' ? 'rows' : 'log entries'} to ${written.path}.`);
  } else {
    const [run, series] = await Promise.all([call(studio, 'runs.get', { id }), call(studio, 'runs.metrics', { id })]);
    ctx.io.out(exportMetrics(run, series, format).text.trimEnd());
  }
  return 0;
}

export const runsCommand: Command = {
  name: 'runs',
  usage: 'studio runs [--workspace DIR] [--json]\n       studio runs export RUN_ID --format csv|json [--out FILE] [--workspace DIR]',
  summary:
    "List training runs with status, step and latest metrics; `runs export RUN_ID` writes one run's metrics under TRL's names (CSV or JSON).",
  options: { format: { type: 'string' }, out: { type: 'string' } },
  async run(ctx) {
    const studio = ctx.openStudio(false);
    try {
      if (ctx.positionals[0] === 'export') return await exportRunMetrics(ctx, studio);
      if (ctx.positionals.length > 0)
        throw new CliError(
          `studio runs ${ctx.positionals[0]}: the only subcommand is export (studio runs export RUN_ID --format csv|json).`,
        );
      const runs = await call(studio, 'runs.list', {});
      if (ctx.json) ctx.io.out(JSON.stringify(runs));
      else if (runs.length === 0) ctx.io.out('No runs yet: `studio train --config run.json` or the Runs page starts one.');
      else {
        ctx.io.out(
          table(
            ['id', 'status', 'step', 'objective', 'model', 'snapshot', 'backend', 'loss', 'eval acc', 'name'],
            runs.map((r) => [
              String(r.id),
              r.status,
              `${r.step}/${r.totalSteps}`,
              r.config.objective.objective,
              r.modelName,
              r.snapshotName,
              // The tensor backend its worker last ran on (none before it started).
              r.backend ?? '-',
              fmt(r.latest['loss']),
              fmt(r.latest['eval/logp_accuracy'], 2),
              r.name,
            ]),
          ),
        );
        const interrupted = runs.filter((r) => r.status === 'interrupted').length;
        if (interrupted)
          ctx.io.out(
            `\n${interrupted} interrupted run${interrupted === 1 ? '' : 's'}: \`studio resume ID\` continues from the last checkpoint.`,
          );
      }
      return 0;
    } finally {
      await studio.close();
    }
  },
};
