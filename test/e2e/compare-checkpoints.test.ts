// Compare's Checkpoints tab (issue 15 items 4, 5, 9) in Chromium against `studio serve`: two short demo runs
// (MMPO and DPO) evaluated at their starting model and their checkpoint on a tiny suite; the evaluation table
// shows the base row and both checkpoints, the paper's view two connected tracks; the exported HTML report,
// downloaded and opened from disk with the server stopped, shows the same tracks and tables.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attributes } from '../helpers/browser';
import { tinyComparedRuns } from '../helpers/compare-runs';
import { useStudioInChromium } from '../helpers/studio-in-chromium';

let runIds: number[] = [];
// A small demo (test/helpers/small-demo.ts): the runs' reference log-probs and in-run evaluations, and the tiny
// suite's preference item, cover its few dozen held-out pairs instead of the demo's 274; the tab is what is tested.
const studio = useStudioInChromium({
  smallDemo: {},
  setup: async ({ api, dir }) => {
    runIds = await tinyComparedRuns(api, dir, [
      { name: 'mmpo short', objective: 'mmpo' },
      { name: 'dpo short', objective: 'dpo' },
    ]);
  },
  setupTimeoutMs: 600_000,
});

describe('Compare checkpoints against `studio serve`', () => {
  it('shows the base model and both checkpoints in the evaluation table, best per column and deltas', async () => {
    const { page, serve } = studio;
    await page.goto(`${serve.url}#/compare?runs=${runIds.join(',')}`);
    await page.getByTestId('compare-page').waitFor();
    await page.getByTestId('compare-tab-checkpoints').click();
    const rows = page.getByTestId('checkpoint-row');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(3);
    expect(await attributes(rows, 'data-row')).toEqual([expect.stringMatching(/^base:/), `run:${runIds[0]}:4`, `run:${runIds[1]}:4`]);
    expect(await rows.first().textContent()).toContain('(baseline)');
    // acc_norm with its standard error in every row; the checkpoints carry a delta against the base row.
    const acc = page.getByTestId('cell-acc_norm');
    expect(await acc.count()).toBe(3);
    for (const text of await acc.allTextContents()) expect(text).toMatch(/±/);
    expect(await rows.nth(1).getByTestId('cell-delta').count()).toBeGreaterThan(0);
    // Every column has a best row (ties all marked).
    expect(await page.locator('[data-testid=checkpoints-table] [data-best]').count()).toBeGreaterThanOrEqual(3);
  });

  it("draws the paper's view: one connected track per run, from the base model to its checkpoint", async () => {
    const { page } = studio;
    const tracks = page.getByTestId('paper-track');
    await expect.poll(() => tracks.count()).toBe(2);
    expect(await attributes(tracks, 'data-run-id')).toEqual(runIds.map(String));
    expect(await attributes(tracks, 'data-points')).toEqual(['2', '2']);
    expect(await page.getByTestId('paper-arrow').count()).toBe(2);
    const legend = await page.getByTestId('paper-legend').textContent();
    expect(legend).toContain('mmpo short — mmpo, β = ');
    expect(legend).toContain('dpo short — dpo, β = ');
    // Hover names the checkpoint with both values.
    await page.locator(`[data-testid=paper-track][data-run-id="${runIds[1]}"] [data-testid=paper-point][data-step="4"]`).hover();
    const hover = await page.getByTestId('paper-hover').textContent();
    expect(hover).toContain(`dpo short (#${runIds[1]}), step 4`);
    expect(hover).toMatch(/acc_norm: .* ± /);
    expect(hover).toMatch(/logps\/accuracies: /);
    await page.screenshot({ path: 'test-results/compare-checkpoints.png', fullPage: true });
  });

  it('exports the report, which opens from disk with no server and shows the tracks and tables', async () => {
    const { page, serve, consoleErrors } = studio;
    await page.getByTestId('export-report-button').click();
    const link = page.getByTestId('export-report-download');
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const file = join(studio.dir, 'report.html');
    await download.saveAs(file);
    expect(consoleErrors).toEqual([]);

    await serve.stop();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`);
    expect(await page.locator('g.paper-track').count()).toBe(2);
    expect(await page.locator('line.paper-arrow').count()).toBe(2);
    expect(await page.locator('#evaluation-table tr[data-row]').count()).toBe(3);
    expect(await page.locator('#settings-table th').allTextContents()).toContain('objective');
    expect(await page.locator('svg.curve[data-metric="loss"] polyline.curve-run').count()).toBe(2);
    // Nothing but the file itself was requested.
    expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
  });
});
