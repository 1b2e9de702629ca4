/**
 * Evaluation in the app (issue 14 items 7 and 8), in Chromium against a real
 * `studio serve` on a fresh demo workspace: the Evaluate page (g e) evaluates
 * the demo model on the demo suite, its table fills in with the suite's
 * numbers (with standard errors) when the job ends, and a number opens the
 * result item by item, paged; a run with the demo suite shows its step-0 and
 * checkpoint evaluations on its page, charted and tabled. The workspace's
 * demo dataset is a small one (test/helpers/small-demo.ts: 42 held-out pairs
 * and win-rate prompts, not 274) beside the demo's own task and text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Snapshot } from '../../shared/datasets';
import type { ModelEntry, Run } from '../../shared/runs';
import { callApi, type ServeHandle } from '../helpers/serve';
import { startStudioInChromium, type StudioInChromium } from '../helpers/studio-in-chromium';

let serve: ServeHandle;
let page: Page;
let studio: StudioInChromium | undefined;
let consoleErrors: string[] = [];

async function api<T>(method: string, args: unknown = {}): Promise<T> {
  const { json } = await callApi(serve.port, serve.token, method, args);
  if (!json.ok) throw new Error(`${method}: ${json.error?.message}`);
  return json.value as T;
}

beforeAll(async () => {
  studio = await startStudioInChromium(undefined, { smallDemo: {} });
  ({ serve, page, consoleErrors } = studio);
});

afterAll(() => studio?.stop());

describe('the Evaluate page and the run page against `studio serve`', () => {
  it('evaluates the demo model on the demo suite: the table fills in, and a number opens its items', async () => {
    await page.goto(serve.url);
    await page.getByTestId('workspace-header').waitFor();
    await page.keyboard.press('g');
    await page.keyboard.press('e');
    await page.getByTestId('evaluate-page').waitFor();
    // Nothing evaluated yet: the table says how to start.
    await page.getByText('Nothing evaluated on "demo" yet').waitFor();
    expect(await page.getByTestId('evaluate-suite').locator('option:checked').textContent()).toMatch(/^demo v\d+$/);

    const demo = (await api<ModelEntry[]>('models.list')).find((m) => m.origin === 'demo')!;
    await page.getByTestId(`pick-model-${demo.id}`).check();
    await page.getByTestId('evaluate-start').click();

    const row = page.getByTestId('evaluate-row').first();
    await row.waitFor();
    expect(await row.getByTestId('eval-model').textContent()).toBe(demo.name);
    // The job runs in a worker; the row turns succeeded and the suite's numbers appear, acc with its standard error.
    await expect.poll(() => row.getByTestId('job-status').textContent(), { timeout: 120_000, interval: 250 }).toBe('succeeded');
    expect(await row.getByTestId('eval-cell-acc').textContent()).toMatch(/^0\.\d+ ± 0\.0\d+$/);
    expect(await row.getByTestId('eval-cell-acc_norm').textContent()).toMatch(/^0\.\d+ ± 0\.0\d+$/);
    expect(Number(await row.getByTestId('eval-cell-perplexity').textContent())).toBeGreaterThan(1);
    expect(Number(await row.getByTestId('eval-cell-logps/accuracies').textContent())).toBeGreaterThan(0);

    // The multiple-choice item, question by question: 200 in pages of 50, each right or wrong.
    await row.getByTestId('eval-cell-acc').getByRole('link').click();
    await page.getByTestId('eval-result-page').waitFor();
    await expect.poll(() => page.getByTestId('eval-item').count()).toBe(50);
    expect(await page.getByTestId('eval-items-range').textContent()).toBe('Items 1–50 of 200');
    expect(await page.getByTestId('eval-item-id').first().textContent()).toBe('demo-mc-001');
    const verdicts = await page.getByTestId('eval-item-verdict').allTextContents();
    expect(new Set(verdicts)).toEqual(new Set(['right', 'wrong']));
    await page.getByTestId('eval-items-next').click();
    await expect.poll(() => page.getByTestId('eval-items-range').textContent()).toBe('Items 51–100 of 200');
    expect(await page.getByTestId('eval-item-id').first().textContent()).toBe('demo-mc-051');

    // Evaluating it again comes from the cache: the row is back at once with the same numbers.
    await page.getByText('← Evaluate').click();
    const before = await page.getByTestId('evaluate-row').first().getByTestId('eval-cell-acc').textContent();
    await page.getByTestId(`pick-model-${demo.id}`).check();
    await page.getByTestId('evaluate-start').click();
    await expect
      .poll(() => page.getByTestId('evaluate-row').first().getByTestId('job-status').textContent(), { timeout: 20_000 })
      .toBe('succeeded');
    expect(await page.getByTestId('evaluate-row').first().getByTestId('eval-cell-acc').textContent()).toBe(before);
    expect(await page.getByTestId('evaluate-row').count()).toBe(1);
  });

  it("shows a run's evaluations at step 0 and its checkpoint on the run page, charted and tabled", async () => {
    const snapshot = (await api<Snapshot[]>('snapshots.list'))[0]!;
    const demo = (await api<ModelEntry[]>('models.list')).find((m) => m.origin === 'demo')!;
    // The launcher offers the setting: "demo" for the demo model, and a suite that does not exist is refused at the field.
    await page.goto(serve.url); // the token moves into the cookie, as for a person opening the printed URL
    await page.getByTestId('workspace-header').waitFor();
    await page.goto(`${serve.url.split('?')[0]}#/runs/new`);
    await page.getByTestId('launch-page').waitFor();
    await page.getByTestId('launch-model').selectOption(String(demo.id));
    const field = page.getByTestId('field-evalSuite');
    await expect.poll(() => field.inputValue()).toBe('demo');
    // The workspace's suites are offered as it is typed.
    const offered = await page.locator(`#${await field.getAttribute('list')} option`).all();
    expect(await Promise.all(offered.map((o) => o.getAttribute('value')))).toEqual(['demo']);
    await field.fill('nope');
    await expect.poll(() => page.getByTestId('issue-evalSuite').textContent()).toBe('There is no suite "nope" (known: "demo").');
    expect(await page.getByTestId('launch-run').isDisabled()).toBe(true);

    const defaults = await api<Record<string, unknown>>('runs.defaults', { modelId: demo.id });
    expect(defaults['evalSuite']).toBe('demo');
    const run = await api<Run>('runs.create', {
      name: 'evaluated',
      snapshotId: snapshot.id,
      modelId: demo.id,
      config: { ...defaults, maxSteps: 2, evalEvery: 2, checkpointEvery: 2 },
    });
    await page.goto(`${serve.url.split('?')[0]}#/runs/${run.id}`);
    const panel = page.getByTestId('run-evals');
    await panel.waitFor();
    const rows = panel.getByTestId('run-eval-row');
    // Step 0 (the demo model, with the demo defaults: served from the cache) and the checkpoint at step 2.
    await expect.poll(() => rows.count(), { timeout: 120_000, interval: 250 }).toBe(2);
    expect(await rows.getByTestId('eval-step').allTextContents()).toEqual(['0', '2']);
    await expect
      .poll(() => rows.getByTestId('job-status').allTextContents(), { timeout: 120_000, interval: 250 })
      .toEqual(['succeeded', 'succeeded']);
    expect(await rows.first().getByTestId('eval-cell-acc').textContent()).toMatch(/^0\.\d+ ± 0\.0\d+$/);
    expect(Number(await rows.nth(1).getByTestId('eval-cell-logps/accuracies').textContent())).toBeGreaterThan(0);
    await expect.poll(() => panel.getByTestId('eval-chart-acc').getAttribute('data-points')).toBe('2');
    // A number opens that result, linked back to the run and step.
    await rows.nth(1).getByTestId('eval-cell-perplexity').getByRole('link').click();
    await page.getByTestId('eval-result-page').waitFor();
    await page.getByRole('link', { name: `run #${run.id}, step 2` }).waitFor();
    expect(consoleErrors).toEqual([]);
  });
});
