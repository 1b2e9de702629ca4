/**
 * The paper in miniature (issue 19): what an experiment's runs measured
 * (`experiments.results` returns exactly `ExperimentResults`), and the pure
 * functions that turn it into the report — per cell (objective, β and any
 * other varied setting) aggregates over seeds, the spread of win rate across
 * β, the capability drop from the base model, a verdict per claim of the MMPO paper (../shared/mmpo-spec.md,
 * "Headline results"), a Markdown table and an SVG figure. No DOM and no
 * Node APIs: the experiment page, `studio sweep` and `npm run bench --
 * replicate` all print the same numbers.
 */
import { z } from 'zod';
import type { ItemMetrics } from './eval-columns';
import { JobStatus } from './jobs';
import {
  alignmentChoices,
  capabilityChoices,
  escapeXml,
  legendText,
  paperGeometry,
  paperViewSvg,
  type CheckpointPoint,
  type MetricRef,
  type PaperGeometry,
  type PaperRun,
} from './paper-view';
import { RUN_PALETTE } from './run-color';

const Id = z.number().int().positive();

/**
 * A measured value with its 95% interval and the number of items behind it.
 * Win rate: the stored bootstrap interval over prompts; accuracies: Wilson's
 * interval from the value and n (`proportionReading`); perplexity: no
 * interval (null). All proportions are fractions (0–1), as stored.
 */
export const Reading = z.object({
  value: z.number(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  /** Prompts, pairs, questions or documents scored; null where unknown. */
  n: z.number().int().nullable(),
});
export type Reading = z.infer<typeof Reading>;

/** What one evaluation (the base model, or a run at a step) measured; null where not evaluated or undefined. */
export const ExperimentMeasures = z.object({
  /** Judge win rate against the base model (0–1, ties half). The base model is 0.5 against itself by construction. */
  winRate: Reading.nullable(),
  /** Held-out preference accuracy (`logps/accuracies`, 0–1). */
  preferenceAccuracy: Reading.nullable(),
  /** Multiple-choice accuracy of the capability task (acc_norm where present, else acc; 0–1). */
  mcAccuracy: Reading.nullable(),
  /** Held-out perplexity (lower is better). */
  perplexity: Reading.nullable(),
});
export type ExperimentMeasures = z.infer<typeof ExperimentMeasures>;

export const ExperimentCheckpoint = ExperimentMeasures.extend({
  /** 0 is the starting model (the base), evaluated by the run itself. */
  step: z.number().int().nonnegative(),
});
export type ExperimentCheckpoint = z.infer<typeof ExperimentCheckpoint>;

/** A grid cell's run: `pending` before its run exists (queued behind others or the experiment paused), else its run's status. */
export const ExperimentRunStatus = z.enum(['pending', ...JobStatus.options]);
export type ExperimentRunStatus = z.infer<typeof ExperimentRunStatus>;

export const ExperimentRunResult = z.object({
  /** Null while `pending`. */
  runId: Id.nullable(),
  objective: z.string(),
  beta: z.number(),
  seed: z.number().int(),
  status: ExperimentRunStatus,
  /** The step the run trains to, so a report can tell a final checkpoint from an intermediate one. */
  maxSteps: z.number().int().positive(),
  /** Every evaluated checkpoint, any order (the report sorts by step). */
  checkpoints: z.array(ExperimentCheckpoint),
  /**
   * β cannot change this run's training: MMPO with λ_pair = 1, whose update is
   * exactly SFT on the chosen response (mmpo-spec.md, the identity under M9).
   */
  betaFree: z.boolean().optional(),
  /**
   * The run's value of every other setting the grid varies (each axis but
   * objective, β and seed), by path: `{"optimizer.lr": 0.001}`. Runs that
   * differ in them are never pooled as seeds of one cell. Absent or empty
   * when the grid varies nothing else.
   */
  settings: z.record(z.string(), z.unknown()).optional(),
});
export type ExperimentRunResult = z.infer<typeof ExperimentRunResult>;

export const ExperimentResults = z.object({
  experimentId: Id,
  name: z.string(),
  /** The base (starting and reference) model, and what it measured: the capability baseline each drop is taken from. */
  base: z.object({ name: z.string(), measures: ExperimentMeasures }),
  runs: z.array(ExperimentRunResult),
});
export type ExperimentResults = z.infer<typeof ExperimentResults>;

/**
 * A proportion's reading with Wilson's 95% score interval (good at small n
 * and near 0 or 1, where value ± 1.96·stderr leaves [0, 1]). For accuracies
 * stored without an interval (preference accuracy, MC accuracy's stderr only).
 */
export function proportionReading(value: number, n: number): Reading {
  if (!(n > 0)) return { value, low: null, high: null, n: n > 0 ? n : null };
  const z = 1.959963984540054;
  const denom = 1 + (z * z) / n;
  const centre = (value + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((value * (1 - value)) / n + (z * z) / (4 * n * n))) / denom;
  return { value, low: Math.max(0, centre - half), high: Math.min(1, centre + half), n };
}

// ---- Aggregates over seeds ----------------------------------------------------------------------

/** A quantity over the seeds of one setting: their mean and range (min–max). */
export interface SeedSpread {
  mean: number;
  min: number;
  max: number;
  /** Seeds that measured it. */
  n: number;
}

export function seedSpread(values: readonly number[]): SeedSpread | null {
  if (values.length === 0) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/** The seed-to-seed range (max − min); null with fewer than two seeds, where it is unknown. */
export const seedRange = (s: SeedSpread): number | null => (s.n < 2 ? null : s.max - s.min);

export type MeasureName = keyof ExperimentMeasures;
export const MEASURES: readonly MeasureName[] = ['winRate', 'preferenceAccuracy', 'mcAccuracy', 'perplexity'];

/** One (objective, β, other varied settings) of the grid at its runs' final checkpoints. */
export interface CellReport {
  objective: string;
  beta: number;
  /** The other varied settings this cell holds (ExperimentRunResult.settings); empty when the grid varies nothing else. */
  settings: Record<string, unknown>;
  /** Those settings in words ("optimizer.lr=0.001"); '' when there are none. */
  setting: string;
  /** Runs (seeds) of this setting in the grid. */
  seeds: number;
  /** Of those, runs that succeeded and have an evaluated final checkpoint: the aggregates are over these. */
  finished: number;
  /** Their final steps (one value when the seeds agree, as they do in a grid). */
  steps: number[];
  measures: Record<MeasureName, SeedSpread | null>;
  /** Base model's MC accuracy − the run's, per seed (positive: capability lost). */
  mcDrop: SeedSpread | null;
  /** The run's perplexity − the base model's, per seed (positive: capability lost). */
  perplexityRise: SeedSpread | null;
  /** Mean half-width of the win rate's 95% interval over seeds: how much one evaluation can tell apart. */
  winRateHalfWidth: number | null;
  /** Every run of the setting trains the same whatever β (ExperimentRunResult.betaFree). */
  betaFree: boolean;
}

export interface ObjectiveReport {
  objective: string;
  /** The other varied settings of its cells (CellReport.setting): the spread is across β with these held fixed. */
  settings: Record<string, unknown>;
  setting: string;
  /** In β order. */
  cells: CellReport[];
  /** Max − min over β of the per-β mean win rates (β values with a final win rate; null with fewer than two). */
  winRateSpread: { value: number; betas: number[]; seedRange: number | null } | null;
}

/**
 * A run's final checkpoint: the evaluated checkpoint with the highest step,
 * for a run that succeeded and got past step 0. A run still going, stopped or
 * failed has none (its last checkpoint is not its final one), so a cell's
 * numbers never mix steps of different meaning.
 */
export function finalCheckpoint(run: ExperimentRunResult): ExperimentCheckpoint | null {
  if (run.status !== 'succeeded') return null;
  const last = [...run.checkpoints].sort((a, b) => b.step - a.step)[0];
  return last && last.step > 0 ? last : null;
}

const sameBeta = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));

/** "optimizer.lr=0.001 lora.rank=8": other varied settings in words, as a run's grid label writes them; '' for none. */
export function settingsText(settings: Record<string, unknown> = {}): string {
  return Object.entries(settings)
    .map(([path, value]) => `${path}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

/** A run's other varied settings as a grouping key: the same whatever order the paths come in. */
const settingsKey = (settings: Record<string, unknown> = {}) =>
  JSON.stringify(Object.entries(settings).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

interface GridCell {
  objective: string;
  beta: number;
  settings: Record<string, unknown>;
  runs: ExperimentRunResult[];
}

/**
 * The grid's cells: runs that differ only in their seed. Objectives in the
 * order they first appear, then the other varied settings in the order they
 * first appear, then β ascending.
 */
function gridCells(runs: readonly ExperimentRunResult[]): GridCell[] {
  const cells: (GridCell & { key: string })[] = [];
  for (const run of runs) {
    const key = settingsKey(run.settings);
    const cell = cells.find((c) => c.objective === run.objective && c.key === key && sameBeta(c.beta, run.beta));
    if (cell) cell.runs.push(run);
    else cells.push({ objective: run.objective, beta: run.beta, settings: run.settings ?? {}, key, runs: [run] });
  }
  const objectives = [...new Set(runs.map((r) => r.objective))];
  const groups = [...new Set(runs.map((r) => settingsKey(r.settings)))];
  return cells
    .sort(
      (a, b) =>
        objectives.indexOf(a.objective) - objectives.indexOf(b.objective) ||
        groups.indexOf(a.key) - groups.indexOf(b.key) ||
        a.beta - b.beta,
    )
    .map(({ key: _key, ...cell }) => cell);
}

export function cellReport(
  objective: string,
  beta: number,
  runs: readonly ExperimentRunResult[],
  base: ExperimentMeasures,
  settings: Record<string, unknown> = {},
): CellReport {
  const finals = runs.map(finalCheckpoint).filter((c): c is ExperimentCheckpoint => c !== null);
  const values = (name: MeasureName) => finals.map((c) => c[name]?.value).filter((v): v is number => typeof v === 'number');
  const measures = Object.fromEntries(MEASURES.map((m) => [m, seedSpread(values(m))])) as Record<MeasureName, SeedSpread | null>;
  const baseMc = base.mcAccuracy?.value;
  const basePpl = base.perplexity?.value;
  const halfWidths = finals
    .map((c) => c.winRate)
    .filter((r): r is Reading => r !== null && r.low !== null && r.high !== null)
    .map((r) => (r.high! - r.low!) / 2);
  return {
    objective,
    beta,
    settings,
    setting: settingsText(settings),
    seeds: runs.length,
    finished: finals.length,
    steps: [...new Set(finals.map((c) => c.step))].sort((a, b) => a - b),
    measures,
    mcDrop: baseMc === undefined ? null : seedSpread(values('mcAccuracy').map((v) => baseMc - v)),
    perplexityRise: basePpl === undefined ? null : seedSpread(values('perplexity').map((v) => v - basePpl)),
    winRateHalfWidth: halfWidths.length ? halfWidths.reduce((a, b) => a + b, 0) / halfWidths.length : null,
    betaFree: runs.length > 0 && runs.every((r) => r.betaFree === true),
  };
}

/** The largest seed-to-seed range of a measure over some cells; null when a cell has fewer than two seeds (unknown). */
function largestRange(cells: readonly CellReport[], pick: (c: CellReport) => SeedSpread | null): number | null {
  let largest = 0;
  for (const cell of cells) {
    const s = pick(cell);
    const r = s ? seedRange(s) : null;
    if (r === null) return null;
    largest = Math.max(largest, r);
  }
  return largest;
}

/** Max − min of the per-β means of the cells' win rates. */
function spreadOf(cells: readonly CellReport[]): number {
  const means = cells.map((c) => c.measures.winRate!.mean);
  return Math.max(...means) - Math.min(...means);
}

/** An objective's cells with some other varied settings (none by default), across β. */
export function objectiveReport(objective: string, cells: readonly CellReport[], settings: Record<string, unknown> = {}): ObjectiveReport {
  const key = settingsKey(settings);
  const mine = cells.filter((c) => c.objective === objective && settingsKey(c.settings) === key).sort((a, b) => a.beta - b.beta);
  const measured = mine.filter((c) => c.measures.winRate !== null);
  return {
    objective,
    settings,
    setting: settingsText(settings),
    cells: mine,
    winRateSpread:
      measured.length < 2
        ? null
        : { value: spreadOf(measured), betas: measured.map((c) => c.beta), seedRange: largestRange(measured, (c) => c.measures.winRate) },
  };
}

// ---- Verdicts -----------------------------------------------------------------------------------

export type ClaimName = 'stability' | 'capability';
export type Outcome = 'holds' | 'does not hold' | 'inconclusive' | 'not measured';

export interface Verdict {
  claim: ClaimName;
  /** The objective the claim is about (MMPO) and the one it is compared with (DPO, SimPO, …). */
  subject: string;
  baseline: string;
  /** The other varied settings both sides hold (a verdict never compares across them), in words; '' when the grid varies nothing else. */
  setting: string;
  outcome: Outcome;
  /** The claim's quantity for each: the win-rate spread across β, or the MC accuracy drop from the base model at the smallest β. Smaller is better. */
  subjectValue: number | null;
  baselineValue: number | null;
  /** baselineValue − subjectValue: positive is in the claim's favour. */
  difference: number | null;
  /** The seed-to-seed range the difference must exceed: the largest over the settings compared; null where unknown (one seed). */
  noise: number | null;
  /** The β values compared (stability: those both objectives measured; capability: the smallest of them). */
  betas: number[];
  /** The verdict in plain words, with the numbers. */
  text: string;
}

/**
 * Issue 19's rule: a claim holds only when its difference exceeds the
 * seed-to-seed range; the opposite difference exceeding it means it does
 * not; anything within the range — or a range that is unknown because a
 * setting has one finished seed — is inconclusive at this size.
 */
export function judge(difference: number, noise: number | null): Outcome {
  if (noise === null) return 'inconclusive';
  if (difference > noise) return 'holds';
  if (-difference > noise) return 'does not hold';
  return 'inconclusive';
}

/** Display names of the studio's objectives and presets; anything else as given. */
export function objectiveLabel(objective: string): string {
  const names: Record<string, string> = {
    mmpo: 'MMPO',
    'mmpo-mml': 'MMPO-MML',
    dpo: 'DPO',
    ipo: 'IPO',
    simpo: 'SimPO',
    orpo: 'ORPO',
    sft: 'SFT',
  };
  return names[objective] ?? objective;
}

/** `digits` decimals, or one significant digit for a smaller non-zero value (0.004 rather than 0.00). */
export function fixed(value: number, digits: number): string {
  return value === 0 || Math.abs(value) >= 10 ** -digits ? value.toFixed(digits) : value.toPrecision(1);
}
const signed = (value: number, digits: number) => (value > 0 ? `+${fixed(value, digits)}` : fixed(value, digits));

const CLAIM_NAMES: Record<ClaimName, string> = { stability: 'the stability claim', capability: 'the capability-retention claim' };

function outcomeWords(
  claim: ClaimName,
  outcome: Outcome,
  difference: number,
  noise: number | null,
  digits: number,
  baseline: string,
): string {
  const name = CLAIM_NAMES[claim];
  if (outcome === 'holds')
    return `${name} holds here (the difference, ${fixed(difference, digits)}, exceeds the seeds' largest range, ${fixed(noise!, digits)})`;
  if (outcome === 'does not hold')
    return `${name} does not hold here (${baseline} is better by ${fixed(-difference, digits)}, more than the seeds' largest range, ${fixed(noise!, digits)})`;
  if (noise === null)
    return `inconclusive at this size (a setting has one finished seed, so the seed-to-seed range is unknown and the difference, ${fixed(Math.abs(difference), digits)}, cannot be told from noise)`;
  return `inconclusive at this size (the difference, ${fixed(Math.abs(difference), digits)}, is within the seeds' largest range, ${fixed(noise, digits)})`;
}

/** Claim 1: the subject's win rate varies less across β than the baseline's, over the β values both measured. */
export function stabilityVerdict(subject: string, baseline: string, cells: readonly CellReport[]): Verdict {
  const measured = (objective: string) => cells.filter((c) => c.objective === objective && c.measures.winRate !== null);
  const s = measured(subject);
  const b = measured(baseline);
  const betas = s.map((c) => c.beta).filter((beta) => b.some((c) => sameBeta(c.beta, beta)));
  const [S, B] = [objectiveLabel(subject), objectiveLabel(baseline)];
  const base = { claim: 'stability' as const, subject, baseline, setting: '', betas };
  if (betas.length < 2)
    return {
      ...base,
      outcome: 'not measured',
      subjectValue: null,
      baselineValue: null,
      difference: null,
      noise: null,
      text: `The stability claim (${S} vs ${B}) cannot be checked yet: it needs both objectives' final win rates at two or more of the same β values (${S} has ${s.length}, ${B} has ${b.length}).`,
    };
  const sc = s.filter((c) => betas.some((beta) => sameBeta(c.beta, beta)));
  const bc = b.filter((c) => betas.some((beta) => sameBeta(c.beta, beta)));
  const subjectValue = spreadOf(sc);
  const baselineValue = spreadOf(bc);
  const difference = baselineValue - subjectValue;
  const noise = largestRange([...sc, ...bc], (c) => c.measures.winRate);
  const outcome = judge(difference, noise);
  // With λ_pair = 1 MMPO trains the same at every β: a flat win rate across β is then no evidence of stability.
  const byConstruction = sc.every((c) => c.betaFree)
    ? ` By construction, though: with λ_pair = 1 ${S}'s update is SFT on the chosen response (mmpo-spec.md, M9), so β does not change its training and its spread is seed noise; the informative MMPO row is λ_pair = 0 (MMPO-MML).`
    : '';
  return {
    ...base,
    outcome,
    subjectValue,
    baselineValue,
    difference,
    noise,
    text: `${S}'s win-rate spread across β is ${fixed(subjectValue, 2)} vs ${B}'s ${fixed(baselineValue, 2)}: ${outcomeWords('stability', outcome, difference, noise, 2, B)}.${byConstruction}`,
  };
}

/** Claim 2: at the smallest β both measured, the subject loses less of the base model's MC accuracy than the baseline. */
export function capabilityVerdict(subject: string, baseline: string, cells: readonly CellReport[], baseMc: number | null): Verdict {
  const measured = (objective: string) => cells.filter((c) => c.objective === objective && c.mcDrop !== null);
  const s = measured(subject);
  const b = measured(baseline);
  const beta = s.map((c) => c.beta).find((x) => b.some((c) => sameBeta(c.beta, x)));
  const [S, B] = [objectiveLabel(subject), objectiveLabel(baseline)];
  if (beta === undefined || baseMc === null)
    return {
      claim: 'capability',
      subject,
      baseline,
      setting: '',
      outcome: 'not measured',
      subjectValue: null,
      baselineValue: null,
      difference: null,
      noise: null,
      betas: [],
      text:
        baseMc === null
          ? `The capability-retention claim (${S} vs ${B}) cannot be checked yet: the base model's MC accuracy is not measured.`
          : `The capability-retention claim (${S} vs ${B}) cannot be checked yet: it needs both objectives' final MC accuracy at a common β.`,
    };
  const sc = s.find((c) => sameBeta(c.beta, beta))!;
  const bc = b.find((c) => sameBeta(c.beta, beta))!;
  const subjectValue = sc.mcDrop!.mean;
  const baselineValue = bc.mcDrop!.mean;
  const difference = baselineValue - subjectValue;
  const noise = largestRange([sc, bc], (c) => c.measures.mcAccuracy);
  const outcome = judge(difference, noise);
  return {
    claim: 'capability',
    subject,
    baseline,
    setting: '',
    outcome,
    subjectValue,
    baselineValue,
    difference,
    noise,
    betas: [beta],
    text: `At β = ${beta}, MC accuracy moves ${signed(-subjectValue, 3)} from the base model's ${fixed(baseMc, 3)} with ${S} vs ${signed(-baselineValue, 3)} with ${B}: ${outcomeWords('capability', outcome, difference, noise, 3, B)}.`,
  };
}

// ---- The report ---------------------------------------------------------------------------------

export interface ExperimentReport {
  name: string;
  baseName: string;
  base: ExperimentMeasures;
  totalRuns: number;
  /** Runs that succeeded with an evaluated final checkpoint. */
  finishedRuns: number;
  cells: CellReport[];
  /** Per objective and other varied settings, across β. */
  objectives: ObjectiveReport[];
  /** Paths of the settings the grid varies besides objective, β and seed (a column of the tables when any). */
  varied: string[];
  /** The subjects of the claims: the grid's MMPO variants (`mmpo`, `mmpo-mml`, …), in grid order. */
  subjects: string[];
  verdicts: Verdict[];
}

/**
 * Everything the page, the CLI and the bench print: per cell — objective, β
 * and any other setting the grid varies — the final checkpoints' numbers over
 * seeds, per objective (and other settings) the spread of win rate across β,
 * and per claim one verdict for each MMPO variant against each baseline in
 * the grid (objectives that are not an MMPO variant), for each combination of
 * the other varied settings: runs are compared and pooled only where those
 * are the same, so a grid that also varies, say, the learning rate judges
 * each learning rate on its own.
 */
export function experimentReport(results: ExperimentResults): ExperimentReport {
  const cells = gridCells(results.runs).map((c) => cellReport(c.objective, c.beta, c.runs, results.base.measures, c.settings));
  const objectiveNames = [...new Set(cells.map((c) => c.objective))];
  const subjects = objectiveNames.filter((o) => o.startsWith('mmpo'));
  const baselines = objectiveNames.filter((o) => !o.startsWith('mmpo'));
  const baseMc = results.base.measures.mcAccuracy?.value ?? null;
  // The combinations of other varied settings, in grid order; one, empty, when the grid varies nothing else.
  const groups = new Map<string, Record<string, unknown>>();
  for (const c of cells) if (!groups.has(settingsKey(c.settings))) groups.set(settingsKey(c.settings), c.settings);
  const inGroup = (settings: Record<string, unknown>) => cells.filter((c) => settingsKey(c.settings) === settingsKey(settings));
  /** A verdict within one combination, said with it ("With optimizer.lr=0.001: …"). */
  const within = (settings: Record<string, unknown>, verdict: Verdict): Verdict => {
    const setting = settingsText(settings);
    return setting ? { ...verdict, setting, text: `With ${setting}: ${verdict.text}` } : verdict;
  };
  const verdicts = [
    ...[...groups.values()].flatMap((g) => subjects.flatMap((s) => baselines.map((b) => within(g, stabilityVerdict(s, b, inGroup(g)))))),
    ...[...groups.values()].flatMap((g) =>
      subjects.flatMap((s) => baselines.map((b) => within(g, capabilityVerdict(s, b, inGroup(g), baseMc)))),
    ),
  ];
  return {
    name: results.name,
    baseName: results.base.name,
    base: results.base.measures,
    totalRuns: results.runs.length,
    finishedRuns: cells.reduce((a, c) => a + c.finished, 0),
    cells,
    objectives: objectiveNames.flatMap((o) =>
      [...groups.values()].filter((g) => inGroup(g).some((c) => c.objective === o)).map((g) => objectiveReport(o, cells, g)),
    ),
    varied: [...new Set(cells.flatMap((c) => Object.keys(c.settings)))],
    subjects,
    verdicts,
  };
}

// ---- Markdown -----------------------------------------------------------------------------------

/** "0.634 (0.601–0.667)": the mean over seeds and their range; one seed prints its value alone; "—" where not measured. */
export function spreadText(s: SeedSpread | null, digits = 3): string {
  if (!s) return '—';
  if (s.n < 2) return fixed(s.mean, digits);
  return `${fixed(s.mean, digits)} (${fixed(s.min, digits)}–${fixed(s.max, digits)})`;
}

/** "0.412 [0.380, 0.444], n = 900": a single evaluation's reading with its 95% interval. */
export function readingText(r: Reading | null, digits = 3): string {
  if (!r) return '—';
  const interval = r.low !== null && r.high !== null ? ` [${fixed(r.low, digits)}, ${fixed(r.high, digits)}]` : '';
  return `${fixed(r.value, digits)}${interval}${r.n === null ? '' : `, n = ${r.n}`}`;
}

const mdCell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const mdRow = (cells: readonly string[]) => `| ${cells.map(mdCell).join(' | ')} |`;

export const CELL_HEADERS = [
  'objective',
  'β',
  'seeds',
  'step',
  'win rate vs base',
  'preference accuracy',
  'MC accuracy',
  'MC drop from base',
  'perplexity',
  'perplexity rise',
] as const;

/** The main table's headers: CELL_HEADERS, with a settings column after β where the grid varies other settings. */
export function cellHeaders(report: Pick<ExperimentReport, 'varied'>): string[] {
  return report.varied.length ? [...CELL_HEADERS.slice(0, 2), 'other settings', ...CELL_HEADERS.slice(2)] : [...CELL_HEADERS];
}

/** A cell's row of the main table (the page prints the same strings), matching `cellHeaders`. */
export function cellRow(c: CellReport, report: Pick<ExperimentReport, 'varied'> = { varied: [] }): string[] {
  return [
    objectiveLabel(c.objective),
    String(c.beta),
    ...(report.varied.length ? [c.setting || '—'] : []),
    `${c.finished}/${c.seeds}`,
    c.steps.length ? c.steps.join(', ') : '—',
    spreadText(c.measures.winRate),
    spreadText(c.measures.preferenceAccuracy),
    spreadText(c.measures.mcAccuracy),
    spreadText(c.mcDrop),
    spreadText(c.measures.perplexity),
    spreadText(c.perplexityRise),
  ];
}

export const OBJECTIVE_HEADERS = [
  'objective',
  'win-rate spread across β',
  "seeds' largest win-rate range",
  'β values',
  'MC drop at the smallest β',
] as const;

/** The spread table's headers: OBJECTIVE_HEADERS, with a settings column where the grid varies other settings. */
export function objectiveHeaders(report: Pick<ExperimentReport, 'varied'>): string[] {
  return report.varied.length ? [OBJECTIVE_HEADERS[0], 'other settings', ...OBJECTIVE_HEADERS.slice(1)] : [...OBJECTIVE_HEADERS];
}

export function objectiveRow(o: ObjectiveReport, report: Pick<ExperimentReport, 'varied'> = { varied: [] }): string[] {
  const smallest = o.cells.find((c) => c.mcDrop !== null);
  return [
    objectiveLabel(o.objective),
    ...(report.varied.length ? [o.setting || '—'] : []),
    o.winRateSpread ? fixed(o.winRateSpread.value, 3) : '—',
    o.winRateSpread ? (o.winRateSpread.seedRange === null ? 'unknown (one seed)' : fixed(o.winRateSpread.seedRange, 3)) : '—',
    o.winRateSpread ? o.winRateSpread.betas.join(', ') : '—',
    smallest ? `${spreadText(smallest.mcDrop)} at β = ${smallest.beta}` : '—',
  ];
}

/**
 * The report as Markdown: the base model's numbers, the table per
 * (objective, β) at the final checkpoints (mean and min–max over seeds), the
 * spread per objective and the verdicts in words.
 */
export function reportMarkdown(report: ExperimentReport): string {
  const lines = [
    `## ${mdCell(report.name)}`,
    '',
    `Base model ${mdCell(report.baseName)}: MC accuracy ${readingText(report.base.mcAccuracy)}; perplexity ${readingText(report.base.perplexity)}; preference accuracy ${readingText(report.base.preferenceAccuracy)}.`,
    `${report.finishedRuns} of ${report.totalRuns} runs finished. Values are at each run's final checkpoint: the mean over seeds and, in parentheses, their range (min–max). Proportions are fractions (win rate 0.5 = even with the base model).${report.varied.length ? ` The grid also varies ${report.varied.join(', ')}: runs are pooled as seeds, spread across β and judged only with the same other settings.` : ''}`,
    '',
    mdRow(cellHeaders(report)),
    mdRow(cellHeaders(report).map(() => '---')),
    ...report.cells.map((c) => mdRow(cellRow(c, report))),
    '',
    mdRow(objectiveHeaders(report)),
    mdRow(objectiveHeaders(report).map(() => '---')),
    ...report.objectives.map((o) => mdRow(objectiveRow(o, report))),
    '',
    '### Verdicts',
    '',
    ...(report.verdicts.length
      ? report.verdicts.map((v) => `- **${v.outcome}** — ${v.text}`)
      : ['- No verdicts: the claims compare MMPO with a baseline (DPO, SimPO, …), and this grid lacks one of them.']),
    '',
  ];
  return lines.join('\n');
}

// ---- The figure ---------------------------------------------------------------------------------

/** A figure row: one step of one (objective, β) track, as the paper's view reads it. */
export interface FigureRow extends CheckpointPoint {
  runIds: number[];
}

export interface ExperimentFigure {
  /** One track per cell (objective, β and any other varied settings); ids are track numbers (1, 2, …), not run ids. */
  tracks: PaperRun[];
  rows: FigureRow[];
  /** The default axes: MC accuracy (else perplexity) against win rate (else preference accuracy); undefined when nothing is measured. */
  capability: MetricRef | undefined;
  alignment: MetricRef | undefined;
}

/** The figure's suite items: their kinds and metric names are those the paper's view knows (paper-view.ts). */
const FIGURE_ITEMS: Record<MeasureName, { kind: string; label: string; metric: string }> = {
  winRate: { kind: 'win-rate', label: 'vs base model', metric: 'win_rate' },
  preferenceAccuracy: { kind: 'preference', label: 'held-out pairs', metric: 'logps/accuracies' },
  mcAccuracy: { kind: 'multiple-choice', label: 'MC task', metric: 'acc' },
  perplexity: { kind: 'perplexity', label: 'held-out text', metric: 'perplexity' },
};

const NOT_MEASURED: ExperimentMeasures = { winRate: null, preferenceAccuracy: null, mcAccuracy: null, perplexity: null };

/** The base model against itself: even by construction (the paper's SFT = 50%), so a track starts there when step 0 has no judged win rate. */
const EVEN: Reading = { value: 0.5, low: null, high: null, n: null };

/** A step-0 evaluation with what it lacks taken from the base model's numbers (the same weights), and the win rate even. */
function atStart(c: ExperimentMeasures, base: ExperimentMeasures): ExperimentMeasures {
  return {
    winRate: c.winRate ?? base.winRate ?? EVEN,
    preferenceAccuracy: c.preferenceAccuracy ?? base.preferenceAccuracy,
    mcAccuracy: c.mcAccuracy ?? base.mcAccuracy,
    perplexity: c.perplexity ?? base.perplexity,
  };
}

/** A track's point at one step: per measure, the mean over the seeds that measured it, with the seeds' min–max as its interval. */
function stepItems(checkpoints: readonly ExperimentMeasures[]): ItemMetrics[] {
  const items: ItemMetrics[] = [];
  for (const name of MEASURES) {
    const s = seedSpread(checkpoints.map((c) => c[name]?.value).filter((v): v is number => typeof v === 'number'));
    if (!s) continue;
    const { kind, label, metric } = FIGURE_ITEMS[name];
    items.push({
      kind,
      label,
      metrics: { [metric]: s.mean, ...(s.n >= 2 ? { [`${metric}_ci_low`]: s.min, [`${metric}_ci_high`]: s.max } : {}) },
    });
  }
  return items;
}

/**
 * The paper's view of an experiment: one track per cell (objective, β and any
 * other varied setting) through the mean over seeds at each evaluated step,
 * from step 0 (the runs' own step-0 evaluation, what it lacks from the base
 * model's numbers, and a win rate of 0.5 where none was judged: the base
 * model against itself). A run still training adds its steps so far, so the
 * page's figure grows live.
 */
export function experimentFigure(results: ExperimentResults): ExperimentFigure {
  const tracks: PaperRun[] = [];
  const rows: FigureRow[] = [];
  gridCells(results.runs).forEach((cell, i) => {
    const id = i + 1;
    const seeds = cell.runs.length;
    const setting = settingsText(cell.settings);
    const named = setting ? `${objectiveLabel(cell.objective)} ${setting}` : objectiveLabel(cell.objective);
    tracks.push({
      id,
      name: `${named}, mean of ${seeds} seed${seeds === 1 ? '' : 's'}`,
      color: RUN_PALETTE[i % RUN_PALETTE.length]!,
      objective: cell.objective,
      beta: cell.beta,
    });
    const byStep = new Map<number, ExperimentMeasures[]>();
    for (const run of cell.runs) for (const c of run.checkpoints) byStep.set(c.step, [...(byStep.get(c.step) ?? []), c]);
    byStep.set(
      0,
      (byStep.get(0) ?? [{ ...NOT_MEASURED }]).map((c) => atStart(c, results.base.measures)),
    );
    for (const [step, at] of [...byStep].sort(([a], [b]) => a - b))
      rows.push({
        key: `track:${id}:${step}`,
        runId: step === 0 ? null : id,
        runIds: [id],
        step,
        label: `${named} β = ${cell.beta} · step ${step}`,
        items: stepItems(at),
      });
  });
  return { tracks, rows, capability: capabilityChoices(rows)[0], alignment: alignmentChoices(rows)[0] };
}

/** The geometry of an experiment's figure on its default axes; null when no row has both metrics' kinds. */
export function experimentGeometry(figure: ExperimentFigure, size = { width: 640, height: 420 }): PaperGeometry | null {
  if (!figure.capability || !figure.alignment) return null;
  return paperGeometry(figure.tracks, (id) => figure.rows.filter((r) => r.runIds.includes(id)), figure.capability, figure.alignment, size);
}

/** The figure as a standalone SVG with its legend on the right (bench, CLI, README); a note instead where nothing is measured. */
export function experimentFigureSvg(results: ExperimentResults): string {
  const figure = experimentFigure(results);
  const g = experimentGeometry(figure);
  const legendWidth = 260;
  const width = (g?.width ?? 640) + legendWidth;
  const height = Math.max(g?.height ?? 420, 24 + figure.tracks.length * 18);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" class="experiment-figure" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    g ? paperViewSvg(g) : `<text x="16" y="32">No checkpoint has both a capability and an alignment measure yet.</text>`,
    ...figure.tracks.map((t, i) => {
      const y = 24 + i * 18;
      const x = width - legendWidth + 12;
      return `<g class="experiment-legend"><rect x="${x}" y="${y - 9}" width="10" height="10" fill="${escapeXml(t.color)}"/><text x="${x + 16}" y="${y}">${escapeXml(legendText(t))}</text></g>`;
    }),
    '</svg>',
  ];
  return parts.join('');
}
