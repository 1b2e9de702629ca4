// Compare's checkpoint views (issue 15 items 6, 7) in Chromium against `studio serve`: two short demo runs
// (MMPO and DPO); side-by-side generations of the base and each run's last checkpoint (three columns, generated
// by eval jobs); the per-pair drill-down of the base against a checkpoint, a flipped pair sent to a relabel
// queue that then shows in Labeling; the report exported with the generations the filters keep. The workspace's demo
// is a small one (test/helpers/small-demo.ts): 240 pairs, so a little more than one page of 50 held-out prompts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEMO_RUN_DEFAULTS } from '../../shared/demo';
import type { EvalJobResult } from '../../shared/evals';
import type { Job } from '../../shared/jobs';
import { PRESETS } from '../../shared/objectives';
import type { PairDrilldown } from '../../shared/pair-drilldown';
import type { ModelEntry, Run, RunLaunch } from '../../shared/runs';
import type { Snapshot } from '../../shared/datasets';
import { callApi, waitFor, type ServeHandle } from '../helpers/serve';
import { startStudioInChromium, type StudioInChromium } from '../helpers/studio-in-chromium';

let serve: ServeHandle;
let page: Page;
let studio: StudioInChromium | undefined;
let consoleErrors: string[] = [];
let snapshotId = 0;
/** The demo snapshot's held-out pairs: one distinct prompt each. */
let testCount = 0;
const runIds: number[] = [];

async function api<T>(method: string, args: unknown): Promise<T> {
  const { json } = await callApi(serve.port, serve.token, method, args);
  if (!json.ok) throw new Error(`${method}: ${json.error?.message}`);
  return json.value as T;
}

async function settled(id: number): Promise<Job> {
  return waitFor(
    async () => {
      const job = await api<Job>('jobs.get', { id });
      if (job.status === 'failed' || job.status === 'cancelled') throw new Error(`Job #${id} ${job.status}: ${job.error?.message}`);
      return job.status === 'succeeded' ? job : undefined;
    },
    300_000,
    `job #${id}`,
  );
}

/** Eight steps at a high rate, one checkpoint at the end, no evaluation suite (the test evaluates by hand). */
async function startRun(objective: (typeof PRESETS)[keyof typeof PRESETS], name: string): Promise<number> {
  const model = (await api<ModelEntry[]>('models.list', {})).find((m) => m.origin === 'demo')!;
  const launch: RunLaunch = {
    name,
    modelId: model.id,
    snapshotId,
    config: {
      ...DEMO_RUN_DEFAULTS,
      objective,
      maxSteps: 8,
      evalEvery: 8,
      checkpointEvery: 8,
      keepCheckpoints: 1,
      optimizer: { lr: 3e-3, weightDecay: 0 },
      evalSuite: null,
    },
  };
  return (await api<Run>('runs.create', launch)).id;
}

/** Preference accuracy on the demo test split for a checkpoint: its stored result id. */
async function preferenceResult(runId: number, step: number): Promise<number> {
  const job = await api<Job>('evals.start', { model: { runId, step }, suite: { items: [{ kind: 'preference', snapshotId }] } });
  return ((await settled(job.id)).result as EvalJobResult).items[0]!.resultId;
}

beforeAll(async () => {
  studio = await startStudioInChromium(undefined, { smallDemo: { pairs: 240 } });
  ({ serve, page, consoleErrors } = studio);
  const snapshot = (await api<Snapshot[]>('snapshots.list', {}))[0]!;
  snapshotId = snapshot.id;
  testCount = snapshot.testCount;
  // More held-out prompts than the grid's page of 50 rows.
  expect(testCount).toBeGreaterThan(50);
  runIds.push(await startRun(PRESETS.mmpo, 'mmpo short'), await startRun(PRESETS.dpo, 'dpo short'));
  for (const id of runIds) await settled((await api<Run>('runs.get', { id })).jobId);
}, 600_000);

afterAll(() => studio?.stop());

describe('Compare checkpoints against `studio serve`', () => {
  it('shows side-by-side generations of the base and two checkpoints in three columns', async () => {
    // The token link first (it sets the session cookie), then the comparison's address.
    await page.goto(serve.url);
    await page.getByTestId('workspace-header').waitFor();
    await page.goto(`${serve.url.split('?')[0]}#/compare?runs=${runIds.join(',')}`);
    await page.getByTestId('compare-page').waitFor();
    await page.getByTestId('compare-tab-generations').click();
    await page.getByTestId('compare-generations').waitFor();
    // Defaults: the first run's base (step 0), then each run's last checkpoint.
    await expect.poll(() => page.getByTestId('sbs-columns').locator('[aria-pressed=true]').count()).toBe(3);
    await page.locator('input[type=number]').fill('8');
    await page.getByTestId('sbs-generate').click();
    await expect.poll(() => page.getByTestId('sbs-column-head').count()).toBe(3);
    // The cells fill in as the eval jobs end: every column generated for every test prompt.
    await expect
      .poll(() => page.getByTestId('sbs-progress').textContent(), { timeout: 300_000, interval: 1000 })
      .toBe(Array.from({ length: 3 }, () => `${testCount}/${testCount}`).join(' · ') + ' generated');
    await expect.poll(() => page.getByTestId('sbs-row').count()).toBe(50);
    expect(await page.getByTestId('sbs-row').first().getByTestId('sbs-cell').count()).toBe(3);
    // Each cell carries the rule checker's verdict.
    expect(await page.getByTestId('sbs-row').first().getByTestId('sbs-verdict').count()).toBe(3);
    // The filters narrow the rows to those where outputs differ, then to those where the verdict flips.
    await page.getByTestId('sbs-differ').click();
    const differ = Number(/\((\d+)\)/.exec((await page.getByTestId('sbs-differ').textContent())!)![1]);
    await expect.poll(() => page.getByTestId('sbs-row').count()).toBe(Math.min(50, differ));
    await page.getByTestId('sbs-differ').click();
    await page.screenshot({ path: 'test-results/compare-generations.png', fullPage: true });
  }, 400_000);

  it('exports the report with the generations the filters keep, and the tab keeps its set across tabs', async () => {
    await page.getByTestId('sbs-differ').click();
    const differ = Number(/\((\d+)\)/.exec((await page.getByTestId('sbs-differ').textContent())!)![1]);
    // Away and back: the tab's set and filter are the page's, so the grid is still there.
    await page.getByTestId('compare-tab-runs').click();
    await page.getByTestId('compare-tab-generations').click();
    await expect.poll(() => page.getByTestId('sbs-column-head').count()).toBe(3);
    expect(await page.getByTestId('sbs-differ').getAttribute('aria-pressed')).toBe('true');

    await page.getByTestId('compare-tab-checkpoints').click();
    await expect.poll(() => page.getByTestId('export-report-generations').textContent()).toContain(`${differ} kept prompts × 3 columns`);
    await page.getByTestId('export-report-button').click();
    const link = page.getByTestId('export-report-download');
    await link.waitFor({ timeout: 60_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const file = join(studio!.dir, 'generations-report.html');
    await download.saveAs(file);
    const html = readFileSync(file, 'utf8');
    expect(html.match(/<tr data-prompt=/g) ?? []).toHaveLength(differ);
    expect(html).toContain(differ === testCount ? `All ${testCount} prompts of the set` : `${differ} of the set’s ${testCount} prompts`);
    await page.getByTestId('compare-tab-generations').click();
    await page.getByTestId('sbs-differ').click();
    expect(consoleErrors).toEqual([]);
  }, 120_000);

  it('drills into two checkpoints pair by pair and sends a flipped pair to a relabel queue', async () => {
    const base = await preferenceResult(runIds[0]!, 0);
    await preferenceResult(runIds[1]!, 8);
    const flips = await api<PairDrilldown>('compare.pairs', {
      a: base,
      b: (await api<{ id: number; runId: number | null }[]>('evals.list', {})).find((r) => r.runId === runIds[1])!.id,
    });
    const category = flips.counts['wrong-to-right'] > 0 ? 'wrong-to-right' : 'right-to-wrong';
    expect(flips.counts[category]).toBeGreaterThan(0);

    await page.getByTestId('compare-tab-pairs').click();
    await page.getByTestId('compare-pairs').waitFor();
    // Defaults: A is the first run's step 0, B the second run's last checkpoint.
    await page.getByTestId(`pairs-cat-${category}`).click();
    await expect.poll(() => page.getByTestId('pair-row').count()).toBe(Math.min(50, flips.counts[category]));
    const first = page.getByTestId('pair-row').first();
    expect(await first.getByTestId('pair-category').textContent()).toContain('flipped');
    // Opening a pair shows both responses and the margins under each checkpoint.
    await first.click();
    await page.getByTestId('pair-detail').waitFor();
    expect(await page.getByTestId('pair-detail').getByTestId('pair-margin').count()).toBe(2);

    await first.getByTestId('pair-select').check();
    await page.getByTestId('pairs-relabel').click();
    // The new queue opens; it is listed in Labeling with its one pair.
    await page.waitForURL(/#\/labeling\/\d+/);
    await page.goto(`${serve.url.split('?')[0]}#/labeling`);
    await page.getByTestId('labeling-page').waitFor();
    const row = page.getByTestId('queue-row').filter({ hasText: 'Relabel: 1 pair' });
    await expect.poll(() => row.count()).toBe(1);
    expect(consoleErrors).toEqual([]);
  }, 400_000);
  it('makes a blind arena of the three models, lets the rules judge vote, and shows the leaderboard with intervals', async () => {
    await page.goto(`${serve.url.split('?')[0]}#/compare?runs=${runIds.join(',')}`);
    await page.getByTestId('compare-page').waitFor();
    await page.getByTestId('compare-tab-arena').click();
    await page.getByTestId('compare-arena').waitFor();
    // The same models and settings as the side-by-side set above: their answers are stored, so the queue is made at once.
    await page.getByTestId('compare-arena').locator('input[type=number]').fill('8');
    await page.getByTestId('arena-create').click();
    await page.getByTestId('arena-queue').waitFor();
    await page.getByTestId('arena-judge').click();
    await expect.poll(() => page.getByTestId('arena-votes').textContent(), { timeout: 30_000 }).toMatch(/judge:rules: \d+/);
    await expect.poll(() => page.getByTestId('arena-row').count()).toBe(3);
    for (const cell of await page.getByTestId('arena-rating').allTextContents()) expect(cell).toMatch(/^\d+ \[\d+, \d+\]$/);
    await page.screenshot({ path: 'test-results/compare-arena.png', fullPage: true });
    expect(consoleErrors).toEqual([]);
  }, 120_000);
});
