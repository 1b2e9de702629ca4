/**
 * Experiments in the core (issue 19, the paper in miniature): a grid of
 * ordinary runs (shared/experiments.ts expands it), created through the same
 * `runs.create` as the launcher's — each a durable `train` job with its
 * suite evaluated at step 0 and every checkpoint (run-evals.ts) — plus what
 * the whole adds: overall progress, a time estimate from what was measured,
 * pause / resume / cancel of every run at once, and the numbers per run and
 * checkpoint the report (shared/experiment-report.ts) is drawn from.
 */
import type { Handlers } from '../handlers';
import type { EventHub } from '../events';
import { TERMINAL_STATUSES, type Job } from '../../../shared/jobs';
import type { Run, RunDefaults, RunEstimate, RunEvalPoint } from '../../../shared/runs';
import type { ParsedArgs } from '../../../shared/contract';
import type { EvalResult } from '../../../shared/evals';
import { StudioError } from '../../../shared/result';
import { runSchedule, stepsPerEpoch, workAfterStep } from '../../../shared/training';
import {
  ExperimentSpec,
  expandGrid,
  type Experiment,
  type ExperimentRun,
  type ExperimentStatus,
  type ExperimentSummary,
} from '../../../shared/experiments';
import {
  proportionReading,
  type ExperimentMeasures,
  type ExperimentResults,
  type ExperimentRunResult,
  type Reading,
} from '../../../shared/experiment-report';
import type { JobStore } from '../jobs/store';
import type { JobSupervisor } from '../jobs/supervisor';
import type { RunStore } from '../runs/store';
import { runEvalPoints } from '../runs/run-eval-points';
import type { ExperimentStore, ExperimentRow, ExperimentRunRow } from './store';
import { priceTimeLeft } from './estimate';

type ExperimentMethods = Extract<keyof Handlers, `experiments.${string}`>;

export interface ExperimentServiceDeps {
  experiments: ExperimentStore;
  runs: RunStore;
  jobs: JobSupervisor;
  jobStore: JobStore;
  events: EventHub;
  /** The runs service's own methods: every cell is launched exactly as the launcher launches a run. */
  defaults: (modelId: number) => RunDefaults | Promise<RunDefaults>;
  estimateRun: (launch: ParsedArgs<'runs.estimate'>) => RunEstimate | Promise<RunEstimate>;
  createRun: (launch: ParsedArgs<'runs.create'>) => Run | Promise<Run>;
  /** Whether this studio runs jobs: then an active experiment left between two runs (a restart) gets its next run going. */
  supervise?: boolean;
}

const WAITING = new Set(['queued', 'running']);
const ENDED_EVAL = new Set(['succeeded', 'failed', 'cancelled']);

/** Steps of a run after which it evaluates its suite: every scheduled checkpoint (and step 0 besides). */
function plannedEvals(run: Run): number {
  if (run.config.evalSuite === null) return 0;
  const schedule = runSchedule(run.config, {
    totalSteps: run.totalSteps,
    stepsPerEpoch: stepsPerEpoch(run.trainPairs, run.config),
    testPairs: run.testPairs,
  });
  let checkpoints = 0;
  for (let n = 1; n <= run.totalSteps; n++) if (workAfterStep(n, schedule).checkpoint) checkpoints++;
  return 1 + checkpoints;
}

const seconds = (job: Job) => (job.startedAt !== null && job.finishedAt !== null ? (job.finishedAt - job.startedAt) / 1000 : null);

/** One cell's run and its evaluation jobs, read once per call. */
interface CellState {
  row: ExperimentRunRow;
  run: Run;
  evalJobs: Job[];
  planned: number;
}

export function experimentHandlers(deps: ExperimentServiceDeps): Pick<Handlers, ExperimentMethods> {
  const { experiments, runs, jobs, jobStore, events } = deps;

  const cellsOf = (id: number): CellState[] =>
    experiments.runs(id).map((row) => {
      const run = runs.getRun(row.runId);
      const evalJobs = runs.evalJobs(row.runId);
      // A run that stopped for good evaluates only what it had queued.
      const planned = run.status === 'cancelled' || run.status === 'failed' ? evalJobs.length : plannedEvals(run);
      return { row, run, evalJobs, planned };
    });

  const statusOf = (exp: ExperimentRow, cells: CellState[]): ExperimentStatus => {
    const all = cells.flatMap((c) => [c.run.status, ...c.evalJobs.map((j) => j.status)]);
    const live = all.filter((s) => WAITING.has(s));
    if (exp.state === 'paused') return live.length > 0 ? 'pausing' : 'paused';
    if (live.length > 0) return live.includes('running') ? 'running' : 'queued';
    if (exp.state === 'cancelled') return 'cancelled';
    // Runs held for their turn (paused, never interrupted) are about to start.
    if (all.includes('paused') && !all.includes('interrupted')) return 'queued';
    return all.every((s) => s === 'succeeded') && cells.every((c) => c.evalJobs.length >= c.planned) ? 'succeeded' : 'incomplete';
  };

  /** Time left (estimate.ts), from this experiment's measurements, or the workspace's latest evaluations before its own. */
  const estimateOf = (exp: ExperimentRow, cells: CellState[]) => {
    const stepsLeft = cells.reduce(
      (n, c) => n + (WAITING.has(c.run.status) || c.run.status === 'paused' ? c.run.totalSteps - c.run.step : 0),
      0,
    );
    const runsLeft = cells.filter((c) => c.run.status === 'queued' || c.run.status === 'paused').length;
    const evalsLeft = cells.reduce((n, c) => n + Math.max(0, c.planned - c.evalJobs.filter((j) => ENDED_EVAL.has(j.status)).length), 0);
    const times = experiments.stepTimes(exp.id);
    const byRun = new Map(times.map((t) => [t.runId, t]));
    const startups = cells
      .filter((c) => c.run.status === 'succeeded' && c.run.startedAt !== null && c.run.finishedAt !== null)
      // A run paused and resumed mid-way trained in several attempts; its last one's wall time does not cover its steps.
      .map((c) => (c.run.finishedAt! - c.run.startedAt!) / 1000 - (byRun.get(c.run.id)?.seconds ?? 0))
      .filter((s) => s >= 0);
    const ownEvals = cells.flatMap((c) => c.evalJobs.filter((j) => j.status === 'succeeded').map(seconds)).filter((s) => s !== null);
    const suite = cells[0]?.run.config.evalSuite ?? null;
    const workspaceEvals = ownEvals.length === 0 && suite !== null && evalsLeft > 0 ? experiments.recentEvalSeconds(suite) : [];
    const spent = times.reduce((n, t) => n + t.seconds, 0) + ownEvals.reduce((a, b) => a + b, 0) + startups.reduce((a, b) => a + b, 0);
    const priced = priceTimeLeft({
      stepsLeft,
      runsLeft,
      evalsLeft,
      stepTimes: times,
      startups,
      evalSeconds: ownEvals.length ? ownEvals : workspaceEvals,
      evalBasis: ownEvals.length ? 'of this experiment' : `recent on suite "${suite ?? ''}" in this workspace`,
    });
    return { ...priced, spent };
  };

  const detail = (id: number): Experiment => {
    const exp = experiments.get(id);
    const spec = ExperimentSpec.parse(exp.spec);
    const cells = cellsOf(id);
    const grid = expandGrid({ config: spec.config, vary: spec.vary });
    const stepsTotal = cells.reduce((n, c) => n + c.run.totalSteps, 0);
    const stepsDone = cells.reduce((n, c) => n + Math.min(c.run.step, c.run.totalSteps), 0);
    const evalsPlanned = cells.reduce((n, c) => n + c.planned, 0);
    const evalsDone = cells.reduce((n, c) => n + c.evalJobs.filter((j) => ENDED_EVAL.has(j.status)).length, 0);
    const status = statusOf(exp, cells);
    const { estimate, note, spent, left } = estimateOf(exp, cells);
    // By time where the rest is priced; else by work units (a step or an evaluation each).
    const units = stepsTotal + evalsPlanned;
    const progress =
      left !== null && spent + left > 0
        ? spent / (spent + left)
        : units > 0
          ? (stepsDone + evalsDone) / units
          : status === 'succeeded'
            ? 1
            : 0;
    const cellRuns: ExperimentRun[] = cells.map((c) => ({
      cell: c.row.cell,
      settings: c.row.settings,
      label: grid.cells[c.row.cell]?.label ?? '',
      runId: c.run.id,
      name: c.run.name,
      status: waitingTurn(exp, c.run) ? 'queued' : c.run.status,
      step: c.run.step,
      totalSteps: c.run.totalSteps,
      evalsDone: c.evalJobs.filter((j) => ENDED_EVAL.has(j.status)).length,
      evalsPlanned: c.planned,
      error:
        c.run.status === 'paused' ? null : (c.run.error?.message ?? c.evalJobs.find((j) => j.status === 'failed')?.error?.message ?? null),
    }));
    return {
      id,
      name: exp.name,
      state: exp.state,
      status,
      snapshotId: spec.snapshotId,
      modelId: spec.modelId,
      runs: cells.length,
      progress: Math.min(1, Math.max(0, status === 'succeeded' ? 1 : progress)),
      createdAt: exp.createdAt,
      spec,
      axes: grid.axes,
      varying: grid.varying,
      shared: grid.shared,
      cells: cellRuns,
      stepsDone,
      stepsTotal,
      evalsDone,
      evalsPlanned,
      estimate,
      estimateNote: note,
    };
  };

  const summary = (id: number): ExperimentSummary => {
    const { spec: _spec, axes: _a, varying: _v, shared: _s, cells: _c, estimate: _e, estimateNote: _n, ...rest } = detail(id);
    return { ...rest };
  };

  /**
   * A job running in another studio process (`studio sweep` in a terminal while the app pauses the experiment)
   * cannot be stopped from here: it finishes there, and the held queue keeps anything after it from starting.
   */
  const otherProcessAllowed = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof StudioError && err.code === 'CONFLICT')) throw err;
    }
  };

  const announce = (job: Job) => events.emit({ type: 'job.updated', job });

  /** Holds a queued job of a paused experiment (it is queued again on resume). */
  const hold = (job: Job, experimentId: number, why: 'paused' | 'turn' = 'paused') => {
    announce(
      jobStore.transition(job.id, 'paused', {
        error: {
          code: 'PAUSED',
          message:
            why === 'turn'
              ? `Waiting its turn: experiment #${experimentId} trains one run at a time, each followed by its evaluations.`
              : `Held: experiment #${experimentId} is paused; resuming it queues this again.`,
        },
      }),
    );
  };

  /**
   * One cell at a time: when nothing of an active experiment is queued or
   * running, the next held run (lowest cell) is queued. Its evaluations queue
   * behind it, so each run is evaluated before the next one trains: a paused
   * or stopped grid holds whole cells, and evaluation times are measured
   * from the first run on (the time left is priced from them).
   */
  const advance = (id: number) => {
    // Called a moment after a job's end: the studio may have closed in between.
    if (!experiments.db.open || experiments.get(id).state !== 'active') return;
    const cells = cellsOf(id);
    const all = cells.flatMap((c) => [c.run.status, ...c.evalJobs.map((j) => j.status)]);
    // Something interrupted (a studio that died or was closed) waits for a resume, which continues it first.
    if (all.some((s) => WAITING.has(s) || s === 'interrupted')) return;
    const next = cells.find((c) => c.run.status === 'paused');
    if (next) jobs.retry(next.run.jobId);
  };

  // A job queued for a run of a paused or cancelled experiment — an evaluation the run-evals watcher queues as a
  // paused run reports its checkpoints, or a run resumed by hand — follows the experiment, before it can start.
  /** The experiment a run's train job or an evaluation of one of its steps belongs to. */
  const experimentOfJob = (job: Job): number | null => {
    const runId =
      job.kind === 'train'
        ? runs.runIdOfJob(job.id)
        : job.kind === 'eval'
          ? ((job.params as { model?: { runId?: number } } | null)?.model?.runId ?? null)
          : null;
    return runId === null ? null : experiments.experimentOfRun(runId);
  };

  // When a run or evaluation of an active experiment ends, its next run gets its turn — after the run-evals watcher
  // (a microtask after the run's update) has queued the evaluations of the run that ended.
  events.subscribe((event) => {
    if (event.type !== 'job.updated' || !TERMINAL_STATUSES.includes(event.job.status)) return;
    const experimentId = experimentOfJob(event.job);
    if (experimentId !== null) setImmediate(() => advance(experimentId));
  });

  events.subscribe((event) => {
    if (event.type !== 'job.updated' || event.job.status !== 'queued') return;
    const job = event.job;
    const experimentId = experimentOfJob(job);
    if (experimentId === null) return;
    const state = experiments.get(experimentId).state;
    if (state === 'paused') hold(job, experimentId);
    else if (state === 'cancelled') jobs.cancel(job.id, `Cancelled with experiment #${experimentId}.`);
  });

  if (deps.supervise)
    for (const id of experiments.ids()) {
      if (experiments.get(id).state === 'active') setImmediate(() => advance(id));
    }

  /** A run held for its turn in an active experiment has not started: to the experiment it is queued (pending). */
  const waitingTurn = (exp: ExperimentRow, run: Run) => exp.state === 'active' && run.status === 'paused' && run.startedAt === null;

  const jobsOf = (id: number) =>
    cellsOf(id).flatMap((c) => [{ job: jobStore.get(c.run.jobId), train: true }, ...c.evalJobs.map((job) => ({ job, train: false }))]);

  /** A measured value with its interval from one stored result, by the item kind's metric names. */
  const readings = (results: EvalResult[]): ExperimentMeasures => {
    const of = (kind: EvalResult['kind']) => results.find((r) => r.kind === kind);
    const num = (r: EvalResult | undefined, name: string) => {
      const v = r?.metrics[name];
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    };
    const win = of('win-rate');
    const winRate = num(win, 'win_rate');
    const pref = of('preference');
    const prefAcc = num(pref, 'logps/accuracies');
    const mc = of('multiple-choice');
    const mcAcc = num(mc, 'acc_norm') ?? num(mc, 'acc');
    const ppl = of('perplexity');
    const perplexity = num(ppl, 'perplexity');
    const judged = win ? (num(win, 'wins') ?? 0) + (num(win, 'ties') ?? 0) + (num(win, 'losses') ?? 0) : 0;
    return {
      winRate:
        win && winRate !== null
          ? {
              value: winRate,
              low: num(win, 'win_rate_ci_low'),
              high: num(win, 'win_rate_ci_high'),
              n: judged || win.summary.scored || null,
            }
          : null,
      preferenceAccuracy: pref && prefAcc !== null ? proportionReading(prefAcc, pref.summary.scored) : null,
      mcAccuracy: mc && mcAcc !== null ? proportionReading(mcAcc, mc.summary.scored) : null,
      perplexity:
        ppl && perplexity !== null ? ({ value: perplexity, low: null, high: null, n: ppl.summary.scored || null } satisfies Reading) : null,
    };
  };

  const results = (id: number): ExperimentResults => {
    const exp = experiments.get(id);
    const cells = cellsOf(id);
    let base: { name: string; measures: ExperimentMeasures } | null = null;
    const runResults: ExperimentRunResult[] = cells.map((c) => {
      const points: RunEvalPoint[] = runEvalPoints(runs, c.run.id).filter((p) => p.results.length > 0);
      const byStep = new Map<number, EvalResult[]>();
      for (const p of points) byStep.set(p.step, [...(byStep.get(p.step) ?? []), ...p.results]);
      const checkpoints = [...byStep].map(([step, rs]) => ({ step, ...readings(rs) }));
      const start = byStep.get(0);
      if (!base && start) base = { name: c.run.modelName, measures: readings(start) };
      const objective = c.run.config.objective;
      const named = c.row.settings['objective'];
      return {
        runId: c.run.id,
        // The preset's name where the grid gave one (mmpo-mml is an MMPO config), else the objective's.
        objective: typeof named === 'string' ? named : objective.objective,
        beta: 'beta' in objective ? objective.beta : 0,
        seed: c.run.config.seed,
        status: waitingTurn(exp, c.run) ? 'pending' : c.run.status,
        maxSteps: Math.max(1, c.run.totalSteps),
        checkpoints,
        betaFree: objective.objective === 'mmpo' && objective.lambdaPair === 1,
      };
    });
    const empty: ExperimentMeasures = { winRate: null, preferenceAccuracy: null, mcAccuracy: null, perplexity: null };
    return {
      experimentId: id,
      name: exp.name,
      base: base ?? { name: cells[0]?.run.modelName ?? 'base model', measures: empty },
      runs: runResults,
    };
  };

  return {
    'experiments.create': async (args) => {
      const spec = ExperimentSpec.parse(args);
      runs.getModel(spec.modelId);
      const grid = expandGrid(spec, await deps.defaults(spec.modelId));
      // Every cell is checked as its launch would be before any run exists, so a bad one leaves nothing behind.
      for (const cell of grid.cells) {
        const est = await deps.estimateRun({ snapshotId: spec.snapshotId, modelId: spec.modelId, config: cell.config });
        const problems = [...est.issues.map((i) => `${i.path}: ${i.message}`), ...(est.memoryProblem ? [est.memoryProblem] : [])];
        if (problems.length > 0)
          throw new StudioError(
            'INVALID_ARGUMENT',
            `Run ${cell.cell + 1} of the grid (${cell.label}) cannot start: ${problems.join('; ')}`,
            {
              issues: est.issues,
            },
          );
      }
      const name = spec.name ?? `Experiment: ${grid.axes.map((a) => `${a.values.length} ${a.path}`).join(' × ')}`;
      const id = experiments.create(name, spec, []);
      for (const cell of grid.cells) {
        const run = await deps.createRun({
          name: `${name} · ${cell.label}`.slice(0, 200),
          snapshotId: spec.snapshotId,
          modelId: spec.modelId,
          config: cell.config,
        });
        experiments.addRun(id, { cell: cell.cell, runId: run.id, settings: cell.settings });
        // Paused or cancelled while the grid was being created: the run just made follows at once.
        const state = experiments.get(id).state;
        const job = jobStore.get(run.jobId);
        if (state === 'cancelled' && WAITING.has(job.status)) jobs.cancel(job.id, `Cancelled with experiment #${id}.`);
        // Every run after the first waits its turn (advance): one cell, its run and its evaluations, at a time.
        else if (job.status === 'queued' && (state === 'paused' || cell.cell > 0)) hold(job, id, state === 'paused' ? 'paused' : 'turn');
      }
      return detail(id);
    },
    'experiments.list': () => experiments.ids().map(summary),
    'experiments.get': ({ id }) => detail(id),
    'experiments.results': ({ id }) => results(id),
    'experiments.pause': ({ id }) => {
      const exp = experiments.get(id);
      if (exp.state === 'cancelled') throw new StudioError('CONFLICT', `Experiment #${id} was cancelled; there is nothing to pause.`);
      experiments.setState(id, 'paused');
      // Queued work is held first (synchronously, so nothing is launched in between), then the running run checkpoints and stops.
      const all = jobsOf(id);
      for (const { job } of all) if (job.status === 'queued') hold(job, id);
      for (const { job, train } of all) if (train && job.status === 'running') otherProcessAllowed(() => jobs.pause(job.id));
      return detail(id);
    },
    'experiments.resume': ({ id }) => {
      const exp = experiments.get(id);
      if (exp.state === 'cancelled') throw new StudioError('CONFLICT', `Experiment #${id} was cancelled; start a new one to run it again.`);
      experiments.setState(id, 'active');
      // The held evaluations, a run stopped mid-way and whatever a stopped studio interrupted continue; then the next
      // run waiting its turn, if nothing else is queued. A failed run is left as it is.
      for (const { job, train } of jobsOf(id)) {
        const midway = train && job.status === 'paused' && job.startedAt !== null;
        if (job.status === 'interrupted' || (job.status === 'paused' && (!train || midway))) jobs.retry(job.id);
      }
      advance(id);
      return detail(id);
    },
    'experiments.cancel': ({ id }) => {
      experiments.get(id);
      experiments.setState(id, 'cancelled');
      for (const { job } of jobsOf(id)) {
        if (job.status === 'queued' || job.status === 'running' || job.status === 'paused')
          otherProcessAllowed(() =>
            jobs.cancel(job.id, `Cancelled with experiment #${id}${job.status === 'paused' ? ' while paused' : ''}.`),
          );
      }
      return detail(id);
    },
  };
}
