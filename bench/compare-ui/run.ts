import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import { createSnapshot } from '../../main/core/datasets/snapshots';
import { DatasetStore } from '../../main/core/datasets/store';
import { JobStore } from '../../main/core/jobs/store';
import { RunStore } from '../../main/core/runs/store';
import { call } from '../../main/core/client';
import { createStudio } from '../../main/core/studio';
import { openWorkspace } from '../../main/core/workspace';
import { PRESETS } from '../../shared/objectives';
import { RunConfig } from '../../shared/training';
import { launchChromium } from '../../test/helpers/browser';
import { startServe } from '../../test/helpers/serve';
import { tempDir } from '../../test/helpers/tmp';
import { percentile, type Measurement, type SuiteResult } from '../report';

/**
 * The Compare page with 50 runs × 5 metrics × 2,000 steps (issue 15's
 * performance target: drawn in ≤ 500 ms, smooth on hover), in real Chromium
 * against `studio serve` on a workspace whose runs and metrics were written
 * through the run store, as the train job writes them. Measured: the page
 * opened cold (a reload: the app starts, fetches 50 runs' metrics in one
 * batched call and draws the first screen's charts of 100 lines — raw and
 * smoothed — each; charts below are built when idle or scrolled to), opened
 * first in an app already started on another page (the fetch and the
 * drawing, nothing cached), and warm (metrics cached, back from another page), the scroll to the last chart,
 * then frame times while the mouse sweeps a chart (every chart's cursor
 * follows). Needs the built renderer (npm run build)
 * and Debian's Chromium.
 */

const RUNS = 50;
const STEPS = 2000;
const METRICS = ['loss', 'rewards/accuracies', 'rewards/margins', 'logps/chosen', 'grad_norm'];
const ROUNDS = 5;

export function seedWorkspace(workspace: string): number[] {
  const fixture = openWorkspace(workspace);
  try {
    const datasets = new DatasetStore(fixture.db);
    const dataset = datasets.createDataset('bench pairs');
    datasets.insertRecords(dataset.id, null, [
      {
        kind: 'preference',
        prompt: [{ role: 'user', content: 'Say hi.' }],
        chosen: [{ role: 'assistant', content: 'HI' }],
        rejected: [{ role: 'assistant', content: 'hi' }],
        responses: null,
        system: null,
      },
    ]);
    const snapshot = createSnapshot(fixture.db, dataset.id, 'v1', null);
    const jobs = new JobStore(fixture.db);
    const runs = new RunStore(fixture.db, jobs);
    const ids: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const beta = [0.01, 0.05, 0.1, 0.5, 1][r % 5]!;
      const objective = r % 2 === 0 ? { ...PRESETS.mmpo, beta } : { ...PRESETS.dpo, beta };
      const config = RunConfig.parse({
        model: { kind: 'folder', path: '/bench/model' },
        objective,
        optimizer: { lr: 1e-4 * (1 + (r % 3)) },
      });
      const id = runs.createRun({
        name: `bench run ${r + 1}`,
        jobId: null,
        config,
        modelId: null,
        modelName: 'bench model',
        snapshotId: snapshot.id,
        trainPairs: 16_000,
        testPairs: 1000,
        totalSteps: STEPS,
        appVersion: 'bench',
        dir: '',
        rerunOf: null,
      });
      // A finished train job, as a run that trained here has (finished runs' metrics are cached for good).
      const job = jobs.create({
        kind: 'train',
        title: `Train: bench run ${r + 1}`,
        lane: 'device',
        params: { runId: id, name: `bench run ${r + 1}` },
      });
      jobs.transition(job.id, 'running');
      jobs.transition(job.id, 'succeeded');
      runs.setRunJob(id, job.id);
      ids.push(id);
      // One transaction per run: the 10k rows of a run are one commit.
      runs.transaction(() => {
        for (let step = 1; step <= STEPS; step++) {
          const t = step / STEPS;
          const noise = Math.sin(step * 12.9898 + r * 78.233) * 0.05;
          runs.recordMetrics(id, step, {
            loss: 0.69 * Math.exp(-t * (1 + r / RUNS)) + noise,
            'rewards/accuracies': 0.5 + 0.4 * t + noise,
            'rewards/margins': 3 * t * (1 + r / RUNS) + noise,
            'logps/chosen': -60 + 10 * t + noise * 10,
            grad_norm: 2 * Math.exp(-3 * t) + Math.abs(noise),
          });
        }
      });
    }
    return ids;
  } finally {
    fixture.close();
  }
}

/** Parent and CPU time (user + system, ms) of every process, from /proc (Linux: the bench drives Debian's Chromium). */
export function processTable(): Map<number, { parent: number; cpuMs: number }> {
  const table = new Map<number, { parent: number; cpuMs: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command (which may hold spaces) in parentheses: state ppid … utime(14) stime(15).
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), { parent: Number(fields[1]), cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 });
    } catch {
      // The process ended while the table was read.
    }
  }
  return table;
}

/**
 * CPU milliseconds used so far by the processes under `root` (itself
 * included), leaving out the subtrees of `exclude`. Unlike wall time, this
 * barely moves when other work shares the machine's cores.
 */
export function treeCpuMs(root: number, exclude: readonly number[] = []): number {
  const table = processTable();
  const children = new Map<number, number[]>();
  for (const [pid, p] of table) children.set(p.parent, [...(children.get(p.parent) ?? []), pid]);
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    if (exclude.includes(pid)) continue;
    total += pid === root ? 0 : (table.get(pid)?.cpuMs ?? 0);
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** What the page functions below touch (this bench is compiled without the DOM's types). */
interface PageGlobals {
  innerHeight: number;
  document: {
    querySelectorAll(selector: string): ArrayLike<{
      getBoundingClientRect(): { top: number };
      querySelector(s: string): unknown;
      getAttribute(name: string): string | null;
    }> & {
      length: number;
    };
    querySelector(selector: string): { value: string } | null;
  };
}

/**
 * Resolves once every chart on the first screen (the page builds the others
 * when the browser is next idle) has its 50 runs drawn,
 * two frames after the data is set; with `all`, every chart of the page
 * (which needs the page scrolled to them).
 */
export async function chartsDrawn(page: Page, all = false): Promise<void> {
  // Each chart is drawn once its own columns arrive: the first screen is drawn when the charts on it (or, with `all`,
  // every chart) show all the runs on a canvas, whether or not the columns of the charts below have arrived.
  await page.waitForFunction(
    ({ selector, charts, runs, all }) => {
      const g = globalThis as unknown as PageGlobals;
      const figures = Array.from(g.document.querySelectorAll(selector));
      if (figures.length !== charts) return false;
      const due = all ? figures : figures.filter((f) => f.getBoundingClientRect().top < g.innerHeight);
      return due.length > 0 && due.every((f) => f.getAttribute('data-series') === String(runs) && f.querySelector('canvas') !== null);
    },
    { selector: '[data-testid^="compare-chart-"]', charts: METRICS.length, runs: RUNS, all },
    { timeout: 60_000, polling: 'raf' },
  );
  await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
}

const chartsOnScreen = (page: Page) =>
  page.evaluate<number>(
    `Array.from(document.querySelectorAll('[data-testid^="compare-chart-"]')).filter((f) => f.getBoundingClientRect().top < innerHeight).length`,
  );

const summary = (name: string, values: number[], unit: string, note?: string): Measurement[] => {
  const sorted = [...values].sort((a, b) => a - b);
  return [
    { name: `${name} (median)`, value: percentile(sorted, 50), unit, n: sorted.length, ...(note ? { note } : {}) },
    { name: `${name} (min)`, value: sorted[0]!, unit, n: sorted.length },
    { name: `${name} (max)`, value: sorted.at(-1)!, unit, n: sorted.length },
  ];
};

/**
 * compare.snapshotDiff on two snapshots of 100k records that differ in 1% of
 * them (changed, removed and added): the time until the answer, which hashes
 * both in a snapshot-diff job's worker process.
 */
export async function snapshotDiff100k(dir: string): Promise<Measurement[]> {
  const workspace = join(dir, 'diff-ws');
  const fixture = openWorkspace(workspace);
  const datasets = new DatasetStore(fixture.db);
  const record = (i: number, variant = '') => ({
    kind: 'preference' as const,
    prompt: [{ role: 'user' as const, content: `Question ${i} about topic ${i % 97}, with a few more words` }],
    chosen: [{ role: 'assistant' as const, content: `Answer ${i}${variant}, careful and long enough to be a real answer` }],
    rejected: [{ role: 'assistant' as const, content: `bad ${i}` }],
    responses: null,
    system: null,
  });
  const a = datasets.createDataset('v1');
  const b = datasets.createDataset('v2');
  datasets.insertRecords(
    a.id,
    null,
    Array.from({ length: 100_000 }, (_, i) => record(i)),
  );
  // 500 changed, 500 removed, 500 added.
  datasets.insertRecords(
    b.id,
    null,
    Array.from({ length: 100_000 }, (_, i) => (i < 500 ? record(i, ' (edited)') : i < 1000 ? record(200_000 + i) : record(i))),
  );
  const sa = createSnapshot(fixture.db, a.id, 'v1', null);
  const sb = createSnapshot(fixture.db, b.id, 'v2', null);
  fixture.close();
  const studio = createStudio({ workspaceDir: workspace });
  try {
    const t0 = performance.now();
    const diff = await call(studio, 'compare.snapshotDiff', { a: sa.id, b: sb.id });
    const ms = performance.now() - t0;
    if (diff.changed !== 500 || diff.added !== 500 || diff.removed !== 500)
      throw new Error(`Unexpected diff: ${JSON.stringify({ ...diff, samples: undefined })}`);
    return [
      { name: 'snapshot diff, 2 × 100k records (job in a worker)', value: ms, unit: 'ms', note: '500 changed, 500 added, 500 removed' },
    ];
  } finally {
    await studio.close();
  }
}

export async function run(): Promise<SuiteResult> {
  const t = tempDir('studio-bench-compare-');
  const workspace = join(t.dir, 'ws');
  const measurements: Measurement[] = await snapshotDiff100k(t.dir);
  const ids = seedWorkspace(workspace);
  const comparePath = `#/compare?runs=${ids.join(',')}&metrics=${METRICS.join(',')}`;
  const serve = await startServe(workspace, { STUDIO_NO_DEMO: '1' });
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
    await page.goto(serve.url);
    await page.getByTestId('workspace-header').waitFor();
    const base = page.url().split('#')[0]!;

    // The browser's processes: everything this bench started but the server.
    const browserCpu = () => treeCpuMs(process.pid, [serve.child.pid!]);
    const serverCpu = () => treeCpuMs(serve.child.pid!) + (processTable().get(serve.child.pid!)?.cpuMs ?? 0);
    // The first read ever of these runs' columns reads their rows and writes the packed copies every later
    // read uses (run_metric_columns): once per finished run, so one sample.
    {
      const c0 = serverCpu();
      const t0 = performance.now();
      await page.evaluate(`location.hash = ${JSON.stringify(comparePath)}`);
      await chartsDrawn(page);
      measurements.push(
        { name: 'first read ever: Compare opened to the charts drawn', value: performance.now() - t0, unit: 'ms', n: 1 },
        {
          name: 'first read ever: studio serve CPU time for it',
          value: serverCpu() - c0,
          unit: 'ms',
          n: 1,
          note: 'reading the rows and writing the packed copies',
        },
      );
    }
    const cold: number[] = [];
    const coldCpu: number[] = [];
    const coldServerCpu: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await page.goto(`${base}${comparePath}`);
      await chartsDrawn(page);
      // A reload on the comparison's address: nothing cached, the app starts and fetches every run's metrics.
      const c0 = { browser: browserCpu(), server: serverCpu() };
      const t0 = performance.now();
      await page.reload();
      await chartsDrawn(page);
      cold.push(performance.now() - t0);
      coldCpu.push(browserCpu() - c0.browser);
      coldServerCpu.push(serverCpu() - c0.server);
    }
    measurements.push(
      ...summary(
        `cold: reload to the first screen's charts × 50 runs drawn`,
        cold,
        'ms',
        `${RUNS} runs × ${METRICS.length} metrics × ${STEPS} steps`,
      ),
      ...summary('cold: browser CPU time for it', coldCpu, 'ms', 'the app starting, the fetches, drawing'),
      ...summary('cold: studio serve CPU time for it', coldServerCpu, 'ms', 'answering runs.list and one compare.runMetrics of 50 runs'),
    );

    // The app already started on another page: opening Compare fetches the 50 runs' metrics and draws them.
    const first: number[] = [];
    const firstCpu: number[] = [];
    const firstServerCpu: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await page.goto(`${base}#/`);
      await page.reload();
      await page.getByTestId('workspace-header').waitFor();
      await page.waitForLoadState('networkidle');
      const c0 = { browser: browserCpu(), server: serverCpu() };
      const t0 = performance.now();
      await page.evaluate(`location.hash = ${JSON.stringify(comparePath)}`);
      await chartsDrawn(page);
      first.push(performance.now() - t0);
      firstCpu.push(browserCpu() - c0.browser);
      firstServerCpu.push(serverCpu() - c0.server);
    }
    measurements.push(
      ...summary(
        `first open: Compare in the started app to the first screen's charts × 50 runs drawn`,
        first,
        'ms',
        `nothing cached: the fetch of every run's metrics and the drawing`,
      ),
      ...summary('first open: browser CPU time for it', firstCpu, 'ms'),
      ...summary('first open: studio serve CPU time for it', firstServerCpu, 'ms'),
    );

    const warm: number[] = [];
    const warmCpu: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await page.evaluate(`location.hash = '#/'`);
      await page.getByTestId('compare-page').waitFor({ state: 'detached' });
      const c0 = browserCpu();
      const t0 = performance.now();
      await page.evaluate(`location.hash = ${JSON.stringify(comparePath)}`);
      await chartsDrawn(page);
      warm.push(performance.now() - t0);
      warmCpu.push(browserCpu() - c0);
    }
    const onScreen = await chartsOnScreen(page);
    measurements.push(
      ...summary(
        `warm: open Compare to the first screen's charts × 50 runs drawn`,
        warm,
        'ms',
        `metrics cached; ${onScreen} of ${METRICS.length} charts on the first screen (1440 × 1000)`,
      ),
    );
    measurements.push(
      ...summary('warm: browser CPU time for it', warmCpu, 'ms', 'all Chromium processes; 10 ms ticks; the load-independent figure'),
    );

    // Scrolling down at once: the charts below the first screen are built as they come on screen (or were, when idle).
    const scroll: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await page.evaluate(`location.hash = '#/'`);
      await page.getByTestId('compare-page').waitFor({ state: 'detached' });
      await page.evaluate(`location.hash = ${JSON.stringify(comparePath)}`);
      await chartsDrawn(page);
      const t0 = performance.now();
      await page.locator('[data-testid^="compare-chart-"]').last().scrollIntoViewIfNeeded();
      await chartsDrawn(page, true);
      scroll.push(performance.now() - t0);
    }
    measurements.push(...summary('warm: scroll to the last chart, the rest drawn', scroll, 'ms'));
    await page.evaluate('window.scrollTo(0, 0)');

    const smoothing: number[] = [];
    const smoothingCpu: number[] = [];
    for (const value of ['0.3', '0.9', '0', '0.6', '0.8']) {
      const c0 = browserCpu();
      const t0 = performance.now();
      await page.getByTestId('compare-smoothing').fill(value);
      await page.waitForFunction(
        (v) => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=compare-smoothing]')?.value === v,
        value,
      );
      await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
      smoothing.push(performance.now() - t0);
      smoothingCpu.push(browserCpu() - c0);
    }
    measurements.push(...summary('smoothing slider moved: 5 charts redrawn', smoothing, 'ms'));
    measurements.push(...summary('smoothing slider moved: browser CPU time', smoothingCpu, 'ms'));

    // Hover: the mouse sweeps the first chart; every chart's cursor follows (uPlot cursor sync).
    const box = (await page.locator('[data-testid^="compare-chart-"] .u-over').first().boundingBox())!;
    await page.evaluate(
      `(() => { window.__gaps = []; let last = performance.now(); const tick = (now) => { window.__gaps.push(now - last); last = now; if (!window.__stop) requestAnimationFrame(tick); }; requestAnimationFrame(tick); })()`,
    );
    for (let i = 0; i <= 120; i++) {
      await page.mouse.move(box.x + (box.width * (i % 61)) / 60, box.y + box.height / 2);
      await page.waitForTimeout(8);
    }
    await page.evaluate('window.__stop = true');
    const gaps = (await page.evaluate<number[]>('window.__gaps')).slice(2).sort((a, b) => a - b);
    measurements.push({ name: 'hover sweep frame time p50', value: percentile(gaps, 50), unit: 'ms', n: gaps.length });
    measurements.push({
      name: 'hover sweep frame time p95',
      value: percentile(gaps, 95),
      unit: 'ms',
      n: gaps.length,
      note: '16.7 ms = 60 fps',
    });
    measurements.push({ name: 'hover sweep frame time max', value: gaps.at(-1)!, unit: 'ms', n: gaps.length });
  } finally {
    await browser.close();
    await serve.stop();
    t.cleanup();
  }
  return { suite: 'compare-ui', measurements };
}
