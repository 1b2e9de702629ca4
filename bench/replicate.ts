/**
 * `npm run bench -- replicate [--quick]`: the paper in miniature (issue 19).
 * A fresh demo workspace runs the default experiment grid (objectives mmpo,
 * mmpo-mml, dpo, simpo × β 0.01, 0.05, 0.1, 0.5 × seeds 1, 2; `--quick`:
 * mmpo, dpo × β 0.01, 0.5 × seed 1) headlessly through the real path —
 * `experiments.create`, every run a `train` job in a worker with the demo
 * suite evaluated at step 0 and each checkpoint — and writes the results,
 * the table with the verdicts (Markdown) and the figure (SVG) to
 * bench-results/replicate[-quick].{json,md,svg}, with the wall time and the
 * machine's load average sampled while it ran.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { DEMO_SWEEP } from '../shared/experiments';
import { experimentReport } from '../shared/experiment-report';
import { call } from '../main/core/client';
import { createStudio } from '../main/core/studio';
import { writeExperimentReport } from '../main/core/experiments/report-files';
import { progressLine } from '../main/cli/experiments';
import { machineInfo, RESULTS_DIR, type Measurement, type SuiteResult } from './report';

const ASSETS = fileURLToPath(new URL('../assets', import.meta.url));
const SETTLED = new Set(['paused', 'cancelled', 'succeeded', 'incomplete']);

export async function run(): Promise<SuiteResult> {
  const quick = process.argv.includes('--quick');
  const suite = quick ? 'replicate-quick' : 'replicate';
  if (!existsSync(join(ASSETS, 'demo', 'model', 'config.json')))
    return { suite, measurements: [{ name: 'grid', value: NaN, unit: 's', note: 'assets/demo/model is missing' }] };
  const dir = mkdtempSync(join(tmpdir(), 'studio-bench-replicate-'));
  const studio = createStudio({ workspaceDir: join(dir, 'ws') });
  const loads: number[] = [];
  const sampler = setInterval(() => loads.push(loadavg()[0]!), 5000);
  try {
    await studio.seedDemo();
    const model = (await studio.demoModel())!;
    const dataset = (await call(studio, 'datasets.list', {})).find((d) => d.name === DEMO_SWEEP.dataset)!;
    const [snapshot] = await call(studio, 'snapshots.list', { datasetId: dataset.id });
    const t0 = performance.now();
    const created = await call(studio, 'experiments.create', {
      name: `${DEMO_SWEEP.name}${quick ? ' (quick)' : ''}`,
      snapshotId: snapshot!.id,
      modelId: model.id,
      config: DEMO_SWEEP.config,
      vary: quick ? DEMO_SWEEP.quick : DEMO_SWEEP.vary,
    });
    console.log(`${created.name}: ${created.runs} runs, varying ${created.varying.join(', ')}`);
    let experiment = created;
    let last = '';
    let lastAt = 0;
    // The estimate said at a quarter of the work, against what the rest then took (README: "honest" time left).
    let quarter: { at: number; estimate: number } | null = null;
    while (!SETTLED.has(experiment.status)) {
      await new Promise((r) => setTimeout(r, 2000));
      experiment = await call(studio, 'experiments.get', { id: created.id });
      const line = progressLine(experiment);
      if (line !== last && performance.now() - lastAt > 15_000) {
        console.log(line);
        last = line;
        lastAt = performance.now();
      }
      if (!quarter && experiment.progress >= 0.25 && experiment.estimate)
        quarter = { at: performance.now(), estimate: experiment.estimate.seconds };
    }
    const wall = (performance.now() - t0) / 1000;
    const results = await call(studio, 'experiments.results', { id: created.id });
    const report = experimentReport(results);
    const machine = machineInfo();
    const loadMean = loads.length ? loads.reduce((a, b) => a + b, 0) / loads.length : loadavg()[0]!;
    const restTaken = quarter ? (performance.now() - quarter.at) / 1000 : null;
    const files = writeExperimentReport(results, RESULTS_DIR, suite, {
      wallSeconds: wall,
      status: experiment.status,
      machine,
      loadAverageDuring: { mean: loadMean, max: loads.length ? Math.max(...loads) : loadMean, samples: loads.length },
      estimateAtQuarter: quarter ? { estimatedSeconds: quarter.estimate, takenSeconds: restTaken } : null,
      experiment,
      date: new Date().toISOString(),
    });
    for (const v of report.verdicts) console.log(`${v.outcome}: ${v.text}`);
    console.log(`wrote ${files.markdown}, ${files.svg}, ${files.json}`);
    const measurements: Measurement[] = [
      { name: `grid of ${created.runs} runs: wall time`, value: wall, unit: 's', note: `status ${experiment.status}` },
      { name: 'wall time per run', value: wall / created.runs, unit: 's', n: created.runs, note: 'training + its evaluations' },
      { name: 'training steps', value: experiment.stepsDone, unit: 'steps', note: `of ${experiment.stepsTotal}` },
      { name: 'evaluations', value: experiment.evalsDone, unit: 'jobs', note: `of ${experiment.evalsPlanned}` },
      { name: 'load average while it ran (1 min)', value: loadMean, unit: '', n: loads.length, note: `${machine.cpus} CPUs` },
    ];
    if (quarter && restTaken !== null)
      measurements.push({
        name: 'time left estimated at 25% / taken',
        value: quarter.estimate / restTaken,
        unit: '×',
        note: `${quarter.estimate.toFixed(0)} s estimated, ${restTaken.toFixed(0)} s taken`,
      });
    return { suite, measurements };
  } finally {
    clearInterval(sampler);
    await studio.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
