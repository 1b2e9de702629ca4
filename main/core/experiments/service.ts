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
import type { Job } from '../../../shared/jobs';
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
import { evalTarget, runEvalPoints } from '../runs/run-eval-points';
import type { ExperimentStore, ExperimentRow, ExperimentRunRow } from './store';
import { priceTimeLeft } from './estimate';
import { experimentTurn } from './turn';

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
/** Grid axes the report keys cells by (objective, β) or pools (seed); every other axis is a cell's `settings`. */
const POOLED_OR_KEYED = new Set(['objective', 'objective.beta', 'seed']);
const ENDED_EVAL = new Set(['succeeded', 'failed', 'cancelled']);

/** The steps the experiment evaluates a run at: 0 and every scheduled checkpoint, on the run's suite (none without one). */
function plannedSteps(run: Run): number[] {
  if (run.config.evalSuite === null) return [];
  const schedule = runSchedule(run.config, {
    totalSteps: run.totalSteps,
    stepsPerEpoch: stepsPerEpoch(run.trainPairs, run.config),
    testPairs: run.testPairs,
  });
  const steps = [0];
  for (let n = 1; n <= run.totalSteps; n++) if (workAfterStep(n, schedule).checkpoint) steps.push(n);
  return steps;
}

const seconds = (job: Job) => (job.startedAt !== null && job.finishedAt !== null ? (job.finishedAt - job.startedAt) / 1000 : null);

/** One cell's run and its evaluation jobs, read once per call. */
interface CellState {
  row: ExperimentRunRow;
  run: Run;
  /**
   * The experiment's own evaluations of the run: the first job on the run's
   * suite at each planned step. Counts, status, the time left and the report
   * are made of these only.
   */
  evalJobs: Job[];
  /** Evaluations started by hand on the run (another suite, an unplanned step, a repeat): reported apart, never counted. */
  byHand: number;
  /** Evaluations the experiment plans for the run; a run that stopped for good plans only what it had queued. */
  planned: number;
}

export function experimentHandlers(deps: ExperimentServiceDeps): Pick<Handlers, ExperimentMethods> {
  const { experiments, runs, jobs, jobStore, events } = deps;
  const turn = experimentTurn(experiments);

  const cellsOf = (id: number): CellState[] =>
    experiments.runs(id).map((row) => {
      const run = runs.getRun(row.runId);
      const steps = new Set(plannedSteps(run));
      const evalJobs: Job[] = [];
      const seen = new Set<number>();
      let byHand = 0;
      for (const job of runs.evalJobs(row.runId)) {
        const target = evalTarget(job);
        if (target && target.suite === run.config.evalSuite && steps.has(target.step) && !seen.has(target.step)) {
          seen.add(target.step);
          evalJobs.push(job);
        } else byHand++;
      }
      const planned = run.status === 'cancelled' || run.status === 'failed' ? evalJobs.length : steps.size;
      return { row, run, evalJobs, byHand, planned };
    });

  const statusOf = (exp: ExperimentRow, cells: CellState[]): ExperimentStatus => {
    const all = cells.flatMap((c) => [c.run.status, ...c.evalJobs.map((j) => j.status)]);
    const live = all.filter((s) => WAITING.has(s));
    // Paused, its runs stay queued (held by the turn gate): only a running one is still to stop.
    if (exp.state === 'paused') return live.includes('running') ? 'pausing' : 'paused';
    // Queued runs wait their turn behind a stopped one (turn.ts) until a resume continues it.
    const stalled = exp.state === 'active' && !live.includes('running') && all.some((s) => s === 'interrupted' || s === 'paused');
    if (live.length > 0 && !stalled) return live.includes('running') ? 'running' : 'queued';
    if (exp.state === 'cancelled') return 'cancelled';
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
      status: c.run.status,
      queueReason: c.run.status === 'queued' ? c.run.queueReason : null,
      step: c.run.step,
      totalSteps: c.run.totalSteps,
      evalsDone: c.evalJobs.filter((j) => ENDED_EVAL.has(j.status)).length,
      evalsPlanned: c.planned,
      evalsByHand: c.byHand,
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
      evalsByHand: cells.reduce((n, c) => n + c.byHand, 0),
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

  /**
   * Holds a queued evaluation of a paused experiment (it is queued again on
   * resume). Its runs stay queued instead: the turn gate holds them, so a
   * run never reads as paused with a Resume of its own before it started.
   */
  const hold = (job: Job, experimentId: number) => {
    announce(
      jobStore.transition(job.id, 'paused', {
        error: { code: 'PAUSED', message: `Held: experiment #${experimentId} is paused; resuming it queues this again.` },
      }),
    );
  };

  // A job queued for a run of a paused or cancelled experiment — an evaluation the run-evals watcher queues as a
  // paused run reports its checkpoints, or a run resumed by hand — follows the experiment, before it can start.
  /** The experiment a run's train job or one of its planned evaluations belongs to (one started by hand is the user's own). */
  const experimentOfJob = (job: Job): number | null => {
    if (job.kind === 'train') {
      const runId = runs.runIdOfJob(job.id);
      return runId === null ? null : experiments.experimentOfRun(runId);
    }
    const runId = job.kind === 'eval' ? ((job.params as { model?: { runId?: number } } | null)?.model?.runId ?? null) : null;
    const experimentId = runId === null ? null : experiments.experimentOfRun(runId);
    if (experimentId === null) return null;
    const run = runs.getRun(runId!);
    const target = evalTarget(job);
    return target !== null && target.suite === run.config.evalSuite && plannedSteps(run).includes(target.step) ? experimentId : null;
  };

  events.subscribe((event) => {
    if (event.type !== 'job.updated' || event.job.status !== 'queued') return;
    const job = event.job;
    const experimentId = experimentOfJob(job);
    if (experimentId === null) return;
    const state = experiments.get(experimentId).state;
    if (state === 'paused' && job.kind !== 'train') hold(job, experimentId);
    else if (state === 'cancelled') jobs.cancel(job.id, `Cancelled with experiment #${experimentId}.`);
  });

  // Runs an earlier version held as paused before they started (waiting their turn, or the experiment paused) are
  // queued again: the turn gate holds and orders them.
  if (deps.supervise)
    for (const id of experiments.ids()) {
      if (experiments.get(id).state === 'cancelled') continue;
      for (const c of cellsOf(id)) if (c.run.status === 'paused' && c.run.startedAt === null) jobs.retry(c.run.jobId);
    }

  /** Says at once why a queued run of the experiment waits (the supervisor says it again whenever it looks at the queue). */
  const sayWhy = (job: Job) => {
    const reason = turn(job);
    if (reason !== null && reason !== job.queueReason) {
      jobStore.setQueueReason(job.id, reason);
      announce(jobStore.get(job.id));
    }
  };

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
      // The experiment's own evaluations: one started by hand on another suite would mix suites in a cell. A run the
      // experiment planned none for (no suite: the Sweep dialog warns) is reported from those made by hand on it.
      const own = new Set(c.evalJobs.map((j) => j.id));
      const planned = c.run.config.evalSuite !== null;
      const points: RunEvalPoint[] = runEvalPoints(runs, c.run.id).filter((p) => (!planned || own.has(p.jobId)) && p.results.length > 0);
      const byStep = new Map<number, EvalResult[]>();
      for (const p of points) byStep.set(p.step, [...(byStep.get(p.step) ?? []), ...p.results]);
      const checkpoints = [...byStep].map(([step, rs]) => ({ step, ...readings(rs) }));
      const start = byStep.get(0);
      if (!base && start) base = { name: c.run.modelName, measures: readings(start) };
      const objective = c.run.config.objective;
      const named = c.row.settings['objective'];
      // Every other axis of the grid: runs that differ in one are separate cells of the report, never pooled seeds.
      const settings = Object.fromEntries(Object.entries(c.row.settings).filter(([path]) => !POOLED_OR_KEYED.has(path)));
      return {
        runId: c.run.id,
        // The preset's name where the grid gave one (mmpo-mml is an MMPO config), else the objective's.
        objective: typeof named === 'string' ? named : objective.objective,
        beta: 'beta' in objective ? objective.beta : 0,
        seed: c.run.config.seed,
        status: c.run.status,
        maxSteps: Math.max(1, c.run.totalSteps),
        checkpoints,
        betaFree: objective.objective === 'mmpo' && objective.lambdaPair === 1,
        settings,
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
        // Otherwise it stays queued: the turn gate keeps it waiting until every earlier cell is done (or the
        // experiment is resumed). Said now that it is linked to its cell.
        else if (job.status === 'queued') sayWhy(job);
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
      // Queued evaluations are held (synchronously, so nothing is launched in between; the queued runs are held by the
      // turn gate and say so), then the running run checkpoints and stops.
      const all = jobsOf(id);
      for (const { job, train } of all) {
        if (job.status !== 'queued') continue;
        if (train) sayWhy(job);
        else hold(job, id);
      }
      for (const { job, train } of all) if (train && job.status === 'running') otherProcessAllowed(() => jobs.pause(job.id));
      return detail(id);
    },
    'experiments.resume': ({ id }) => {
      const exp = experiments.get(id);
      if (exp.state === 'cancelled') throw new StudioError('CONFLICT', `Experiment #${id} was cancelled; start a new one to run it again.`);
      experiments.setState(id, 'active');
      // Everything held, stopped mid-way or interrupted by a stopped studio is queued again, in cell order; the turn
      // gate (turn.ts) starts the earliest unfinished cell and keeps the rest waiting. A failed run is left as it is.
      for (const { job } of jobsOf(id)) if (job.status === 'interrupted' || job.status === 'paused') jobs.retry(job.id);
      // The runs the gate held while paused were queued all along: the supervisor looks at them again.
      jobs.reconsider();
      for (const { job, train } of jobsOf(id)) if (train && job.status === 'queued') sayWhy(job);
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
