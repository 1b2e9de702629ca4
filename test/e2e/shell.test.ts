import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage } from '../helpers/browser';
import { startServe, type ServeHandle } from '../helpers/serve';
import { tempDir } from '../helpers/tmp';
import { latestSchemaVersion } from '../../main/core/db/migrate';

let serve: ServeHandle;
let browser: Browser;
let page: Page;
let cleanup: () => void;
let consoleErrors: string[] = [];

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  serve = await startServe(t.dir);
  browser = await launchChromium();
  ({ page, consoleErrors } = await openPage(browser));
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  cleanup?.();
});

describe('the studio shell in Chromium against `studio serve`', () => {
  it('refuses the page without the token', async () => {
    const res = await page.goto(`http://127.0.0.1:${serve.port}/`);
    expect(res?.status()).toBe(401);
    expect(await page.textContent('body')).toMatch(/access token/);
  });

  it('loads with the token URL, hides the token, and shows the workspace', async () => {
    await page.goto(serve.url);
    await page.getByTestId('workspace-header').waitFor();
    expect(page.url()).not.toContain('token=');
    const header = await page.getByTestId('workspace-header').textContent();
    expect(header).toContain('backend:');
    expect(header).toContain('serve mode');
    const info = page.getByTestId('workspace-info');
    await info.waitFor();
    expect(await info.textContent()).toMatch(new RegExp(`Schema version\\s*${latestSchemaVersion()}`, 'i'));
    // The navigation shows only areas that exist.
    const nav = await page.getByRole('navigation', { name: 'Studio areas' }).textContent();
    expect(nav).toBe('WorkspaceDatasetsLabelingRunsEvaluateCompareExperimentsJobs');
  });

  it('runs the self-test job with a visible, moving progress bar, live over events', async () => {
    await page.getByRole('button', { name: 'Run self-test' }).click();
    const panel = page.getByTestId('jobs-panel');
    await panel.waitFor();
    const bar = panel.getByRole('progressbar').first();
    await bar.waitFor();
    const values = new Set<number>();
    await expect
      .poll(
        async () => {
          values.add(Number(await bar.getAttribute('aria-valuenow')));
          return Math.max(...values);
        },
        { timeout: 30_000, interval: 100 },
      )
      .toBeGreaterThan(0);
    await expect.poll(async () => panel.getByTestId('job-status').first().textContent(), { timeout: 30_000 }).toBe('succeeded');
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');
    expect([...values].some((v) => v > 0 && v < 100)).toBe(true);
  });

  it('survives a reload: the job and its log are still there', async () => {
    await page.screenshot({ path: 'test-results/shell-jobs-panel.png' });
    await page.reload();
    await page.getByTestId('workspace-header').waitFor();
    await page.keyboard.press('g');
    await page.keyboard.press('j');
    await page.getByTestId('jobs-table').waitFor();
    await page.getByTestId('jobs-table').getByText('Self-test (20 steps)').click();
    await page.getByTestId('job-detail').waitFor();
    await expect.poll(() => page.getByTestId('job-log').textContent()).toMatch(/Self-test started in worker process/);
    expect(await page.getByTestId('job-status').textContent()).toBe('succeeded');
  });

  it('shows keyboard shortcuts, switches theme, and toasts errors with their code', async () => {
    await page.goto(serve.url);
    await page.getByTestId('workspace-header').waitFor();
    await page.keyboard.press('?');
    await page.getByTestId('shortcuts').waitFor();
    expect(await page.getByTestId('shortcuts').textContent()).toContain('Open or close the jobs panel');
    await page.keyboard.press('Escape');
    const dark = async () => ((await page.locator('html').getAttribute('class')) ?? '').split(' ').includes('dark');
    const before = await dark();
    await page.keyboard.press('t');
    await expect.poll(dark).toBe(!before);
    // The choice is a persisted setting, so it survives a reload.
    await page.reload();
    await expect.poll(dark).toBe(!before);

    await page.goto(`http://127.0.0.1:${serve.port}/#/jobs/99999`);
    const toast = page.getByTestId('toast').first();
    await toast.waitFor();
    expect(await toast.textContent()).toMatch(/NOT_FOUND.*no job #99999/);
    expect(consoleErrors.filter((e) => !/404|Failed to load resource/.test(e))).toEqual([]);
  });
});
