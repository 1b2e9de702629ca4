// Compare (issue 15 items 1–3) in Chromium against `studio serve`: two short demo runs,
// MMPO and DPO, picked in the runs table, overlaid, smoothed, and diffed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEMO_RUN_DEFAULTS } from '../../shared/demo';
import { PRESETS } from '../../shared/objectives';
import type { ModelEntry, Run, RunLaunch } from '../../shared/runs';
import type { Snapshot } from '../../shared/datasets';
import { callApi, waitFor, type ServeHandle } from '../helpers/serve';
import { startStudioInChromium, type StudioInChromium } from '../helpers/studio-in-chromium';

let serve: ServeHandle;
let page: Page;
let studio: StudioInChromium | undefined;
let consoleErrors: string[] = [];
const runIds: number[] = [];

async function api<T>(method: string, args: unknown): Promise<T> {
  const { json } = await callApi(serve.port, serve.token, method, args);
  if (!json.ok) throw new Error(`${method}: ${json.error?.message}`);
  return json.value as T;
}

/** A few steps of the demo run with an objective: enough for a curve and two evaluations. */
async function startRun(objective: (typeof PRESETS)[keyof typeof PRESETS], name: string): Promise<number> {
  const model = (await api<ModelEntry[]>('models.list', {})).find((m) => m.origin === 'demo')!;
  const snapshot = (await api<Snapshot[]>('snapshots.list', {}))[0]!;
  const launch: RunLaunch = {
    name,
    modelId: model.id,
    snapshotId: snapshot.id,
    // No evaluation suite: its jobs (step 0, the checkpoint) would queue on the device lane between the two runs, and
    // this test reads only the in-run held-out metrics.
    config: { ...DEMO_RUN_DEFAULTS, objective, maxSteps: 8, evalEvery: 4, checkpointEvery: 8, keepCheckpoints: 1, evalSuite: null },
  };
  return (await api<Run>('runs.create', launch)).id;
}

const canvasImage = (metric: string) =>
  page
    .getByTestId(`compare-chart-${metric}`)
    .locator('canvas')
    .evaluate((c) => (c as unknown as { toDataURL(): string }).toDataURL());

beforeAll(async () => {
  // A small demo (test/helpers/small-demo.ts): each run's reference log-probs and held-out evaluations cover its few
  // dozen test pairs instead of the demo's 274; the curves and tables are what is tested.
  studio = await startStudioInChromium(undefined, { smallDemo: {} });
  ({ serve, page, consoleErrors } = studio);
  runIds.push(await startRun(PRESETS.mmpo, 'mmpo short'), await startRun(PRESETS.dpo, 'dpo short'));
  for (const id of runIds) {
    await waitFor(
      async () => {
        const run = await api<Run>('runs.get', { id });
        if (run.status === 'failed' || run.status === 'cancelled') throw new Error(`Run #${id} ${run.status}: ${run.error?.message}`);
        return run.status === 'succeeded' ? run : undefined;
      },
      240_000,
      `run #${id} to finish`,
    );
  }
}, 300_000);

afterAll(() => studio?.stop());

describe('Compare against `studio serve`', () => {
  it('picks two runs from the table and overlays their curves; the table shows only settings that differ', async () => {
    await page.goto(serve.url);
    await page.getByTestId('workspace-header').waitFor();
    await page.keyboard.press('g');
    await page.keyboard.press('c');
    await page.getByTestId('compare-page').waitFor();
    await expect.poll(() => page.getByTestId('compare-run-row').count()).toBe(2);

    // Only the settings that differ: the objective (and its switches), not the shared seed or snapshot.
    await page.getByTestId('setting-objective').waitFor();
    expect(await page.getByTestId('setting-seed').count()).toBe(0);
    expect(await page.getByTestId('setting-snapshot').count()).toBe(0);
    const objectives = await page.getByTestId('compare-run-row').getByTestId('cell-objective').allTextContents();
    expect(objectives.sort()).toEqual(['dpo', 'mmpo']);
    // Each row has its final / best held-out accuracy.
    expect(await page.getByTestId('compare-run-row').first().getByTestId('cell-eval/logp_accuracy').textContent()).toMatch(
      /^0\.\d+ \/ 0\.\d+$|^1 \/ 1$/,
    );
    await page.getByTestId('compare-show-all').click();
    await page.getByTestId('setting-seed').waitFor();
    await page.getByTestId('compare-show-all').click();

    for (const id of runIds) await page.locator(`[data-testid=compare-run-row][data-run-id="${id}"]`).click();
    expect(await page.getByTestId('compare-selected-count').textContent()).toBe('2 of 2 picked');
    // The comparison is the URL.
    expect(page.url()).toContain(`#/compare?runs=${runIds.join(',')}`);

    const loss = page.getByTestId('compare-chart-loss');
    await loss.locator('canvas').waitFor();
    expect(await loss.getAttribute('data-series')).toBe('2');
    expect(await page.getByTestId('compare-chart-eval/logp_accuracy').getAttribute('data-series')).toBe('2');
    // Colours are per run and the same in the table.
    const colors = await page
      .getByTestId('run-color')
      .evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { color?: string } }).dataset.color));
    expect(new Set(colors).size).toBe(2);
    // Hovering one chart names the nearest run there and moves the cursor in the other chart too (cursor sync).
    const accuracyCursor = page.getByTestId('compare-chart-eval/logp_accuracy').locator('.u-cursor-x');
    expect(await accuracyCursor.getAttribute('class')).toContain('u-off');
    await loss.locator('.u-over').hover();
    await expect.poll(() => loss.getByTestId('chart-readout').textContent()).toMatch(/^#\d+ (mmpo|dpo) short: -?[\d.e-]+ at step \d+/);
    await expect.poll(() => accuracyCursor.getAttribute('class')).not.toContain('u-off');
    await page.screenshot({ path: 'test-results/compare.png', fullPage: true });
  });

  it('redraws the curves when the smoothing slider moves', async () => {
    const before = await canvasImage('loss');
    await page.getByTestId('compare-smoothing').fill('0');
    await expect.poll(() => canvasImage('loss')).not.toBe(before);
    const unsmoothed = await canvasImage('loss');
    await page.getByTestId('compare-smoothing').fill('0.95');
    await expect.poll(() => canvasImage('loss')).not.toBe(unsmoothed);
    expect(page.url()).toContain('smooth=0.95');
  });

  it('groups runs into a mean line with a band, and puts runs on the share of the run done', async () => {
    await page.getByTestId('compare-group').selectOption('objective');
    await expect.poll(() => page.getByTestId('compare-group-row').count()).toBe(2);
    // One group per objective: still two lines, each a group's mean.
    expect(await page.getByTestId('compare-chart-loss').getAttribute('data-series')).toBe('2');
    await page.getByTestId('compare-group').selectOption('');
    await page.getByTestId('compare-relative').click();
    expect(page.url()).toContain('rel=1');
    await page.getByTestId('compare-x-axis').selectOption('epoch');
    await expect.poll(() => page.getByTestId('compare-chart-loss').getAttribute('data-series')).toBe('2');
  });

  it('says what changed between the two runs: settings, snapshot and model', async () => {
    const changed = page.getByTestId('what-changed');
    await changed.waitFor();
    const rows = await changed.getByTestId('config-diff-row').allTextContents();
    expect(rows.some((r) => /Objective/i.test(r) && /mmpo/.test(r) && /dpo/.test(r))).toBe(true);
    expect(rows.some((r) => /seed/i.test(r))).toBe(false);
    await changed.getByTestId('snapshot-same').waitFor();
    expect(await changed.getByTestId('model-same').textContent()).toBe('same starting model');
    expect(await changed.getByTestId('model-diff').textContent()).toContain('full fine-tuning');
    expect(consoleErrors).toEqual([]);
  });
});
