/**
 * The paper in miniature's report (issue 19 items 4 and 6) on hand-made
 * numbers: aggregates over seeds at the final checkpoint, the win-rate spread
 * across β, the capability drop, and the verdict rule — a claim holds only
 * when its difference exceeds the seeds' range, does not hold when the
 * opposite difference does, and is inconclusive otherwise or with one seed.
 */
import { describe, expect, it } from 'vitest';
import {
  ExperimentResults,
  experimentFigure,
  experimentFigureSvg,
  experimentReport,
  judge,
  proportionReading,
  reportMarkdown,
  type ExperimentCheckpoint,
  type ExperimentRunResult,
  type Reading,
} from '../../../shared/experiment-report';

const reading = (value: number): Reading => ({ value, low: value - 0.05, high: value + 0.05, n: 200 });
const BASE = { winRate: reading(0.5), preferenceAccuracy: reading(0.55), mcAccuracy: reading(0.4), perplexity: reading(12) };

let nextRun = 1;
/** A succeeded run: step 0 at the base's numbers, step 10 halfway, step 20 at the given final numbers. */
function run(
  objective: string,
  beta: number,
  seed: number,
  final: { win: number; mc: number },
  over: Partial<ExperimentRunResult> = {},
): ExperimentRunResult {
  const at = (step: number, win: number, mc: number): ExperimentCheckpoint => ({
    step,
    winRate: reading(win),
    preferenceAccuracy: reading(0.6),
    mcAccuracy: reading(mc),
    perplexity: reading(12 + step / 10),
  });
  return {
    runId: nextRun++,
    objective,
    beta,
    seed,
    status: 'succeeded',
    maxSteps: 20,
    checkpoints: [at(20, final.win, final.mc), at(0, 0.5, 0.4), at(10, (0.5 + final.win) / 2, (0.4 + final.mc) / 2)],
    ...over,
  };
}

const results = (runs: ExperimentRunResult[]): ExperimentResults =>
  ExperimentResults.parse({ experimentId: 1, name: 'grid', base: { name: 'demo', measures: BASE }, runs });

/** MMPO: flat win rate across β, keeps MC accuracy; DPO: win rate swings with β and loses MC accuracy at small β. Seeds ±0.01. */
function paperLike(): ExperimentRunResult[] {
  const runs: ExperimentRunResult[] = [];
  for (const seed of [1, 2]) {
    const jitter = seed === 1 ? -0.005 : 0.005;
    runs.push(run('mmpo', 0.01, seed, { win: 0.66 + jitter, mc: 0.399 + jitter }));
    runs.push(run('mmpo', 0.5, seed, { win: 0.68 + jitter, mc: 0.398 + jitter }));
    runs.push(run('dpo', 0.01, seed, { win: 0.2 + jitter, mc: 0.33 + jitter }));
    runs.push(run('dpo', 0.5, seed, { win: 0.6 + jitter, mc: 0.38 + jitter }));
  }
  return runs;
}

describe('the verdict rule', () => {
  it('holds, does not hold or is inconclusive by the difference against the seeds range', () => {
    expect(judge(0.17, 0.05)).toBe('holds');
    expect(judge(-0.17, 0.05)).toBe('does not hold');
    expect(judge(0.03, 0.05)).toBe('inconclusive');
    expect(judge(-0.03, 0.05)).toBe('inconclusive');
    // "Exceeds" is strict: a difference equal to the range is noise.
    expect(judge(0.05, 0.05)).toBe('inconclusive');
    // One seed: the range is unknown, whatever the difference.
    expect(judge(0.9, null)).toBe('inconclusive');
  });
});

describe('experimentReport', () => {
  it('aggregates each (objective, β) at the final checkpoint: mean and range over seeds, drop from the base', () => {
    const report = experimentReport(results(paperLike()));
    expect(report.cells.map((c) => `${c.objective} ${c.beta}`)).toEqual(['mmpo 0.01', 'mmpo 0.5', 'dpo 0.01', 'dpo 0.5']);
    const dpoSmall = report.cells[2]!;
    expect(dpoSmall.seeds).toBe(2);
    expect(dpoSmall.finished).toBe(2);
    expect(dpoSmall.steps).toEqual([20]);
    expect(dpoSmall.measures.winRate!.mean).toBeCloseTo(0.2);
    expect(dpoSmall.measures.winRate!.min).toBeCloseTo(0.195);
    expect(dpoSmall.measures.winRate!.max).toBeCloseTo(0.205);
    expect(dpoSmall.mcDrop!.mean).toBeCloseTo(0.07);
    expect(dpoSmall.perplexityRise!.mean).toBeCloseTo(2);
    expect(dpoSmall.winRateHalfWidth).toBeCloseTo(0.05);
    expect(report.finishedRuns).toBe(8);
    expect(report.totalRuns).toBe(8);
    const [mmpo, dpo] = report.objectives;
    expect(mmpo!.winRateSpread!.value).toBeCloseTo(0.02);
    expect(dpo!.winRateSpread!.value).toBeCloseTo(0.4);
    expect(dpo!.winRateSpread!.seedRange).toBeCloseTo(0.01);
  });

  it('says both claims hold when MMPO is flatter across β and keeps capability, by more than the seeds vary', () => {
    const { verdicts } = experimentReport(results(paperLike()));
    expect(verdicts.map((v) => [v.claim, v.subject, v.baseline, v.outcome])).toEqual([
      ['stability', 'mmpo', 'dpo', 'holds'],
      ['capability', 'mmpo', 'dpo', 'holds'],
    ]);
    expect(verdicts[0]!.text).toBe(
      "MMPO's win-rate spread across β is 0.02 vs DPO's 0.40: the stability claim holds here (the difference, 0.38, exceeds the seeds' largest range, 0.01).",
    );
    expect(verdicts[1]!.betas).toEqual([0.01]);
    expect(verdicts[1]!.text).toContain('At β = 0.01, MC accuracy moves -0.001 from the base model');
    expect(verdicts[1]!.text).toContain('the capability-retention claim holds here');
  });

  it('judges every MMPO variant against each baseline, and says when MMPO (λ_pair = 1) is flat across β by construction', () => {
    const withMml = paperLike().flatMap((r) =>
      r.objective === 'mmpo'
        ? [
            { ...r, betaFree: true },
            { ...r, runId: r.runId! + 1000, objective: 'mmpo-mml' },
          ]
        : [r],
    );
    const { verdicts, subjects } = experimentReport(results(withMml));
    expect(subjects).toEqual(['mmpo', 'mmpo-mml']);
    expect(verdicts.map((v) => [v.claim, v.subject, v.baseline])).toEqual([
      ['stability', 'mmpo', 'dpo'],
      ['stability', 'mmpo-mml', 'dpo'],
      ['capability', 'mmpo', 'dpo'],
      ['capability', 'mmpo-mml', 'dpo'],
    ]);
    // The outcome is still computed from the numbers; the words add why MMPO's flatness says nothing here.
    expect(verdicts[0]!.outcome).toBe('holds');
    expect(verdicts[0]!.text).toContain('By construction, though: with λ_pair = 1');
    expect(verdicts[1]!.text).not.toContain('By construction');
    // A setting with one β-free run and one that is not is not β-free.
    const mixed = withMml.map((r) => (r.objective === 'mmpo' && r.seed === 2 ? { ...r, betaFree: false } : r));
    expect(experimentReport(results(mixed)).verdicts[0]!.text).not.toContain('By construction');
  });

  it('says a claim does not hold when the baseline wins by more than the seeds vary', () => {
    // Swap the roles: DPO's numbers under MMPO's name.
    const swapped = paperLike().map((r) => ({ ...r, objective: r.objective === 'mmpo' ? 'dpo' : 'mmpo' }));
    const { verdicts } = experimentReport(results(swapped));
    expect(verdicts.map((v) => v.outcome)).toEqual(['does not hold', 'does not hold']);
    expect(verdicts[0]!.text).toBe(
      "MMPO's win-rate spread across β is 0.40 vs DPO's 0.02: the stability claim does not hold here (DPO is better by 0.38, more than the seeds' largest range, 0.01).",
    );
  });

  it('is inconclusive when the seeds vary more than the objectives differ', () => {
    const noisy = paperLike().map((r) => {
      if (r.objective !== 'dpo' || r.seed !== 2) return r;
      // DPO's second seed lands far from its first: a seed range of ~0.5 swamps the 0.38 difference.
      const final = r.checkpoints.find((c) => c.step === 20)!;
      return {
        ...r,
        checkpoints: [...r.checkpoints.filter((c) => c.step !== 20), { ...final, winRate: reading(r.beta === 0.01 ? 0.7 : 0.2) }],
      };
    });
    const stability = experimentReport(results(noisy)).verdicts[0]!;
    expect(stability.outcome).toBe('inconclusive');
    expect(stability.noise).toBeCloseTo(0.505);
    expect(stability.text).toMatch(/inconclusive at this size \(the difference, [\d.]+, is within the seeds' largest range, 0\.50\)/);
  });

  it('with one seed the range is unknown: inconclusive, however large the difference', () => {
    const oneSeed = paperLike().filter((r) => r.seed === 1);
    const report = experimentReport(results(oneSeed));
    expect(report.verdicts.map((v) => v.outcome)).toEqual(['inconclusive', 'inconclusive']);
    expect(report.verdicts[0]!.noise).toBeNull();
    expect(report.verdicts[0]!.text).toContain('one finished seed, so the seed-to-seed range is unknown');
    expect(report.objectives[0]!.winRateSpread!.seedRange).toBeNull();
    expect(reportMarkdown(report)).toContain('unknown (one seed)');
  });

  it('leaves out runs without a final checkpoint: still training, failed, or evaluated at step 0 only', () => {
    const runs = paperLike();
    const i = runs.findIndex((r) => r.objective === 'dpo' && r.beta === 0.5 && r.seed === 2);
    runs[i] = { ...runs[i]!, status: 'running' };
    const j = runs.findIndex((r) => r.objective === 'mmpo' && r.beta === 0.5 && r.seed === 2);
    runs[j] = { ...runs[j]!, checkpoints: runs[j]!.checkpoints.filter((c) => c.step === 0) };
    const report = experimentReport(results(runs));
    const cell = (o: string, b: number) => report.cells.find((c) => c.objective === o && c.beta === b)!;
    expect(cell('dpo', 0.5).finished).toBe(1);
    expect(cell('mmpo', 0.5).finished).toBe(1);
    expect(report.finishedRuns).toBe(6);
    // The cells now have one seed each: their range is unknown, so stability is inconclusive.
    expect(report.verdicts[0]!.outcome).toBe('inconclusive');
    // Capability at the smallest β still has both seeds on both sides.
    expect(report.verdicts[1]!.outcome).toBe('holds');
  });

  it('cannot check a claim before both objectives are measured at common β values', () => {
    const runs = paperLike().filter((r) => !(r.objective === 'dpo' && r.beta === 0.5));
    const noWin = runs.map((r) =>
      r.objective === 'dpo' ? { ...r, checkpoints: r.checkpoints.map((c) => ({ ...c, mcAccuracy: null })) } : r,
    );
    const { verdicts } = experimentReport(results(noWin));
    expect(verdicts.map((v) => v.outcome)).toEqual(['not measured', 'not measured']);
    expect(verdicts[0]!.text).toBe(
      "The stability claim (MMPO vs DPO) cannot be checked yet: it needs both objectives' final win rates at two or more of the same β values (MMPO has 2, DPO has 1).",
    );
  });

  it('has no verdicts for a grid without MMPO or without a baseline', () => {
    expect(experimentReport(results(paperLike().filter((r) => r.objective === 'dpo'))).verdicts).toEqual([]);
    expect(experimentReport(results(paperLike().filter((r) => r.objective === 'mmpo'))).verdicts).toEqual([]);
  });
});

describe('a grid that varies more than objective, β and seed', () => {
  /** Runs of the paper-like grid at one learning rate (`settings`, as experiments.results gives every other axis). */
  const atLr = (runs: ExperimentRunResult[], lr: number) => runs.map((r) => ({ ...r, runId: nextRun++, settings: { 'optimizer.lr': lr } }));
  /** At lr 0.001 MMPO is the stable one; at lr 0.0001 the roles swap (DPO's numbers under MMPO's name). */
  const twoRates = () => [
    ...atLr(paperLike(), 0.001),
    ...atLr(
      paperLike().map((r) => ({ ...r, objective: r.objective === 'mmpo' ? 'dpo' : 'mmpo' })),
      0.0001,
    ),
  ];

  it('keeps a cell per combination of the other settings: seeds are pooled, learning rates are not', () => {
    const report = experimentReport(results(twoRates()));
    expect(report.varied).toEqual(['optimizer.lr']);
    expect(report.cells.map((c) => `${c.objective} ${c.beta} ${c.setting}`)).toEqual([
      'mmpo 0.01 optimizer.lr=0.001',
      'mmpo 0.5 optimizer.lr=0.001',
      'mmpo 0.01 optimizer.lr=0.0001',
      'mmpo 0.5 optimizer.lr=0.0001',
      'dpo 0.01 optimizer.lr=0.001',
      'dpo 0.5 optimizer.lr=0.001',
      'dpo 0.01 optimizer.lr=0.0001',
      'dpo 0.5 optimizer.lr=0.0001',
    ]);
    expect(report.cells.map((c) => c.seeds)).toEqual([2, 2, 2, 2, 2, 2, 2, 2]);
    expect(report.cells[0]!.settings).toEqual({ 'optimizer.lr': 0.001 });
    expect(report.cells[4]!.measures.winRate!.mean).toBeCloseTo(0.2);
    expect(report.objectives.map((o) => [o.objective, o.setting, Number(o.winRateSpread!.value.toFixed(3))])).toEqual([
      ['mmpo', 'optimizer.lr=0.001', 0.02],
      ['mmpo', 'optimizer.lr=0.0001', 0.4],
      ['dpo', 'optimizer.lr=0.001', 0.4],
      ['dpo', 'optimizer.lr=0.0001', 0.02],
    ]);
    // The same runs without their settings are what the report used to see: each cell pooled two learning rates as
    // four "seeds", and their opposite effects cancelled into two inconclusive verdicts.
    const pooled = experimentReport(results(twoRates().map(({ settings: _s, ...r }) => r)));
    expect(pooled.cells.map((c) => c.seeds)).toEqual([4, 4, 4, 4]);
    expect(pooled.verdicts.map((v) => v.outcome)).toEqual(['inconclusive', 'inconclusive']);
  });

  it('judges each claim within one combination and says which in the words', () => {
    const { verdicts } = experimentReport(results(twoRates()));
    expect(verdicts.map((v) => [v.claim, v.setting, v.outcome])).toEqual([
      ['stability', 'optimizer.lr=0.001', 'holds'],
      ['stability', 'optimizer.lr=0.0001', 'does not hold'],
      ['capability', 'optimizer.lr=0.001', 'holds'],
      ['capability', 'optimizer.lr=0.0001', 'does not hold'],
    ]);
    expect(verdicts[0]!.text).toBe(
      "With optimizer.lr=0.001: MMPO's win-rate spread across β is 0.02 vs DPO's 0.40: the stability claim holds here (the difference, 0.38, exceeds the seeds' largest range, 0.01).",
    );
    expect(verdicts[3]!.text).toMatch(/^With optimizer\.lr=0\.0001: At β = 0\.01, MC accuracy moves -0\.070 from the base model/);
  });

  it('labels the settings in the table, the spread table and the figure’s tracks', () => {
    const r = results(twoRates());
    const md = reportMarkdown(experimentReport(r));
    expect(md).toContain('| objective | β | other settings | seeds | step | win rate vs base |');
    expect(md).toContain('| DPO | 0.01 | optimizer.lr=0.001 | 2/2 | 20 | 0.200 (0.195–0.205) |');
    expect(md).toContain('| objective | other settings | win-rate spread across β |');
    expect(md).toContain('| MMPO | optimizer.lr=0.0001 | 0.400 |');
    expect(md).toContain(
      'The grid also varies optimizer.lr: runs are pooled as seeds, spread across β and judged only with the same other settings.',
    );
    expect(md).toContain("- **does not hold** — With optimizer.lr=0.0001: MMPO's win-rate spread");
    const figure = experimentFigure(r);
    expect(figure.tracks).toHaveLength(8);
    expect(figure.tracks[0]!.name).toBe('MMPO optimizer.lr=0.001, mean of 2 seeds');
    expect(figure.rows.find((row) => row.key === 'track:3:20')!.label).toBe('MMPO optimizer.lr=0.0001 β = 0.01 · step 20');
  });

  it('pools runs whose settings are the same whatever order their paths come in, and leaves a plain grid unlabelled', () => {
    const runs = paperLike().map((r) => ({
      ...r,
      settings: r.seed === 1 ? { 'optimizer.lr': 0.001, 'lora.rank': 8 } : { 'lora.rank': 8, 'optimizer.lr': 0.001 },
    }));
    const report = experimentReport(results(runs));
    expect(report.cells.map((c) => c.seeds)).toEqual([2, 2, 2, 2]);
    expect(report.cells[0]!.setting).toBe('optimizer.lr=0.001 lora.rank=8');
    const plain = experimentReport(results(paperLike().map((r) => ({ ...r, settings: {} }))));
    expect(plain.varied).toEqual([]);
    expect(plain.verdicts[0]!.text).toMatch(/^MMPO's win-rate spread/);
    expect(reportMarkdown(plain)).toContain('| objective | β | seeds | step |');
  });
});

describe('reportMarkdown', () => {
  it('prints one row per (objective, β) with mean (min–max) over seeds, the spreads and the verdicts', () => {
    const md = reportMarkdown(experimentReport(results(paperLike())));
    expect(md).toContain(
      '| objective | β | seeds | step | win rate vs base | preference accuracy | MC accuracy | MC drop from base | perplexity | perplexity rise |',
    );
    expect(md).toContain(
      '| DPO | 0.01 | 2/2 | 20 | 0.200 (0.195–0.205) | 0.600 (0.600–0.600) | 0.330 (0.325–0.335) | 0.070 (0.065–0.075) | 14.000 (14.000–14.000) | 2.000 (2.000–2.000) |',
    );
    expect(md).toContain('| MMPO | 0.020 | 0.010 | 0.01, 0.5 | 0.001 (-0.004–0.006) at β = 0.01 |');
    expect(md).toContain("- **holds** — MMPO's win-rate spread across β is 0.02 vs DPO's 0.40");
    expect(md).toContain('Base model demo: MC accuracy 0.400 [0.350, 0.450], n = 200');
    expect(md).toContain('8 of 8 runs finished.');
  });
});

describe('the figure', () => {
  it('draws one track per (objective, β) from step 0 through the mean over seeds, the seeds range as the interval', () => {
    const r = results(paperLike());
    const figure = experimentFigure(r);
    expect(figure.tracks.map((t) => [t.objective, t.beta])).toEqual([
      ['mmpo', 0.01],
      ['mmpo', 0.5],
      ['dpo', 0.01],
      ['dpo', 0.5],
    ]);
    expect(new Set(figure.tracks.map((t) => t.color)).size).toBe(4);
    expect(figure.capability).toEqual({ itemKey: 'multiple-choice MC task', metric: 'acc' });
    expect(figure.alignment).toEqual({ itemKey: 'win-rate vs base model', metric: 'win_rate' });
    const dpoSmall = figure.rows.filter((row) => row.runIds.includes(3));
    expect(dpoSmall.map((row) => row.step)).toEqual([0, 10, 20]);
    const win = dpoSmall[2]!.items.find((i) => i.kind === 'win-rate')!.metrics;
    expect(win['win_rate']).toBeCloseTo(0.2);
    expect(win['win_rate_ci_low']).toBeCloseTo(0.195);
    expect(win['win_rate_ci_high']).toBeCloseTo(0.205);

    const svg = experimentFigureSvg(r);
    expect(svg.match(/class="paper-track"/g)).toHaveLength(4);
    expect(svg.match(/class="paper-point"/g)).toHaveLength(12);
    expect(svg).toContain('DPO, mean of 2 seeds — dpo, β = 0.01');
    expect(svg).toContain('acc (capability)');
    expect(svg).toContain('win_rate (alignment)');
  });

  it("starts a track at the base model's numbers when its runs have no step-0 evaluation, and grows with a live run's steps", () => {
    const live = run('mmpo', 0.1, 1, { win: 0.6, mc: 0.4 }, { status: 'running' });
    live.checkpoints = live.checkpoints.filter((c) => c.step === 10);
    const figure = experimentFigure(results([live]));
    expect(figure.rows.map((row) => [row.step, row.runId])).toEqual([
      [0, null],
      [10, 1],
    ]);
    expect(figure.rows[0]!.items.find((i) => i.kind === 'multiple-choice')!.metrics['acc']).toBe(0.4);
    expect(figure.rows[0]!.items.find((i) => i.kind === 'win-rate')!.metrics['win_rate']).toBe(0.5);
    // One seed: no interval.
    expect(Object.keys(figure.rows[1]!.items[0]!.metrics)).toEqual(['win_rate']);
  });

  it("starts at a win rate of 0.5 where step 0 has none judged (the base model against itself), keeping step 0's own numbers", () => {
    const r = run('dpo', 0.1, 1, { win: 0.3, mc: 0.35 });
    r.checkpoints = r.checkpoints.map((c) => (c.step === 0 ? { ...c, winRate: null, mcAccuracy: reading(0.41) } : c));
    const figure = experimentFigure(
      ExperimentResults.parse({ experimentId: 1, name: 'x', base: { name: 'demo', measures: { ...BASE, winRate: null } }, runs: [r] }),
    );
    const start = figure.rows.find((row) => row.step === 0)!;
    expect(start.items.find((i) => i.kind === 'win-rate')!.metrics).toEqual({ win_rate: 0.5 });
    expect(start.items.find((i) => i.kind === 'multiple-choice')!.metrics['acc']).toBe(0.41);
    const svg = experimentFigureSvg(
      ExperimentResults.parse({ experimentId: 1, name: 'x', base: { name: 'demo', measures: { ...BASE, winRate: null } }, runs: [r] }),
    );
    expect(svg.match(/class="paper-point"/g)).toHaveLength(3);
  });

  it('says so instead of an empty plot when nothing is measured yet', () => {
    const pending: ExperimentRunResult = {
      runId: null,
      objective: 'mmpo',
      beta: 0.1,
      seed: 1,
      status: 'pending',
      maxSteps: 20,
      checkpoints: [],
    };
    const svg = experimentFigureSvg(
      ExperimentResults.parse({
        experimentId: 1,
        name: 'x',
        base: { name: 'demo', measures: { winRate: null, preferenceAccuracy: null, mcAccuracy: null, perplexity: null } },
        runs: [pending],
      }),
    );
    expect(svg).toContain('No checkpoint has both a capability and an alignment measure yet.');
  });
});

describe('proportionReading', () => {
  it("gives Wilson's 95% interval, inside [0, 1] even at 0 and 1", () => {
    const r = proportionReading(0.5, 100);
    expect(r.low).toBeCloseTo(0.4038, 3);
    expect(r.high).toBeCloseTo(0.5962, 3);
    expect(proportionReading(1, 10).high).toBeCloseTo(1, 12);
    expect(proportionReading(0, 10).low).toBeCloseTo(0, 12);
    expect(proportionReading(1, 10).low).toBeCloseTo(0.7225, 3);
    expect(proportionReading(0.5, 0)).toEqual({ value: 0.5, low: null, high: null, n: null });
  });
});
