/**
 * The studio as a new user meets it (issue 12, "The app, as a new user sees
 * it"): import a small file, read what training needs, split and snapshot it
 * from the launcher, train, read the run's log; move around with the keyboard
 * straight after arriving, and leave a job's page without blanking the app.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useStudioInChromium } from '../helpers/studio-in-chromium';

const studio = useStudioInChromium();

const DATASET = 'first-pairs';
/** 30 preference pairs with distinct prompts: enough for a split with both sides. */
const LINES = Array.from({ length: 30 }, (_, i) =>
  JSON.stringify({ prompt: `Question ${i}: what is ${i} plus ${i}?`, chosen: `It is ${2 * i}.`, rejected: `It is ${2 * i + 1}.` }),
);

const focusedTestId = () => studio.page.locator(':focus').getAttribute('data-testid');

/** The page is not blank: the navigation is there, the main area shows something, and no boundary caught an error. */
async function expectAlive(): Promise<void> {
  await studio.page.getByRole('navigation', { name: 'Studio areas' }).waitFor();
  expect(((await studio.page.locator('main').textContent()) ?? '').trim().length).toBeGreaterThan(0);
  expect(await studio.page.getByTestId('error-boundary').count()).toBe(0);
}

describe('a new user in Chromium against `studio serve`', () => {
  it('imports a small file; the dataset says it has no split and what training needs', async () => {
    const { page, serve, dir } = studio;
    const file = join(dir, `${DATASET}.jsonl`);
    writeFileSync(file, LINES.join('\n') + '\n');
    await page.goto(`${serve.url.split('#')[0]}#/datasets`);
    await page.getByTestId('import-button').click();
    const dialog = page.getByTestId('import-dialog');
    await dialog.getByTestId('import-file').setInputFiles(file);
    await expect.poll(() => dialog.getByTestId('preview-format').textContent(), { timeout: 15_000 }).toBe('trl-standard');
    await dialog.getByTestId('import-run').click();
    await expect.poll(() => dialog.getByTestId('job-status').textContent(), { timeout: 30_000 }).toBe('succeeded');
    await dialog.getByTestId('import-open-dataset').click();
    await page.getByTestId('dataset-view').waitFor();
    await expect.poll(() => page.getByTestId('dataset-counts').textContent()).toBe('30 records · 0 train · 0 test · 30 not split');
    expect(await page.getByTestId('dataset-training-needs').textContent()).toMatch(
      /Training needs a snapshot of the dataset, split into train and test.*New run/,
    );
  });

  it('takes j/k and Enter right after navigating, with no Tab first', async () => {
    const { page } = studio;
    await page.keyboard.press('g');
    await page.keyboard.press('d');
    await page.getByTestId('datasets-table').waitFor();
    await expect.poll(focusedTestId).toBe('dataset-row');
    // Datasets are listed by name: the demo, then the import.
    await page.keyboard.press('j');
    await expect.poll(() => page.locator(':focus').textContent()).toContain(DATASET);
    await page.keyboard.press('k');
    await expect.poll(() => page.locator(':focus').textContent()).toContain('Demo: rule following');
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('dataset-name-heading').textContent()).toBe(DATASET);

    // The records table has the keyboard on arrival too.
    await expect.poll(() => page.locator(':focus').getAttribute('data-index')).toBe('0');
    await page.keyboard.press('j');
    await expect.poll(() => page.locator(':focus').getAttribute('data-index')).toBe('1');
    await page.keyboard.press('Enter');
    await page.getByTestId('detail-prompt').waitFor();
    expect(await page.getByTestId('detail-prompt').textContent()).toContain('Question 1:');
    await page.keyboard.press('Escape');

    // "g j" still goes to Jobs while a list has the focus, and Enter opens the focused job.
    await page.keyboard.press('g');
    await page.keyboard.press('j');
    await page.getByTestId('jobs-table').waitFor();
    await expect.poll(focusedTestId).toBe('job-row');
    await page.keyboard.press('Enter');
    await page.getByTestId('job-detail').waitFor();
  });

  it('walks job → datasets → runs → job without blanking the app', async () => {
    const { page, consoleErrors } = studio;
    const jobUrl = page.url();
    await expect.poll(() => page.getByTestId('job-log').textContent()).toMatch(/\S/);
    await page.getByRole('link', { name: 'Datasets' }).click();
    await page.getByTestId('datasets-table').waitFor();
    await expectAlive();
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.getByText('No runs yet').waitFor();
    await expectAlive();
    await page.goto(jobUrl);
    await page.getByTestId('job-detail').waitFor();
    await expectAlive();
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.getByTestId('jobs-table').waitFor();
    await expectAlive();
    expect(consoleErrors).toEqual([]);
  });

  it('shows a page that throws as an error in words with a way back, and recovers on leaving it', async () => {
    const { page, consoleErrors } = studio;
    // A malformed answer (a log that is not a list) makes the job page throw while rendering.
    await page.route('**/api/jobs.logs', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ok: true, value: { broken: true } }) }),
    );
    await page.reload();
    await page.getByTestId('workspace-header').waitFor();
    await page.keyboard.press('g');
    await page.keyboard.press('j');
    await page.getByTestId('jobs-table').waitFor();
    await page.getByTestId('job-row').first().click();
    const boundary = page.getByTestId('error-boundary');
    await boundary.waitFor();
    expect(await boundary.textContent()).toMatch(/This page stopped working\..*TypeError: .+Nothing is lost/);
    await boundary.getByRole('button', { name: 'Workspace' }).waitFor();
    // The header and navigation stay; another area renders normally.
    await page.getByRole('link', { name: 'Datasets' }).click();
    await page.getByTestId('datasets-table').waitFor();
    await expectAlive();
    await page.unroute('**/api/jobs.logs');
    // What the boundary and React logged for the caught error is expected here, and only here.
    expect(consoleErrors.join('\n')).toMatch(/The page failed to render/);
    consoleErrors.length = 0;
  });

  it('splits and snapshots the imported dataset from the launcher, then launches a run on it', async () => {
    const { page, serve } = studio;
    await page.goto(`${serve.url.split('#')[0]}#/runs/new`);
    await page.getByTestId('launch-page').waitFor();
    const picker = page.getByTestId('launch-snapshot');
    await expect.poll(() => picker.locator('option', { hasText: `${DATASET} · 30 records · no snapshot` }).count()).toBe(1);
    await picker.selectOption({ label: `${DATASET} · 30 records · no snapshot` });
    const prepare = page.getByTestId('prepare-snapshot');
    await prepare.waitFor();
    expect(await prepare.getByTestId('prepare-snapshot-need').textContent()).toMatch(/0 train \/ 0 test \/ 30 not split.*needs a snapshot/);
    // The split's fraction and seed are shown, and can be changed.
    expect(await prepare.getByTestId('prepare-fraction').inputValue()).toBe('0.1');
    expect(await prepare.getByTestId('prepare-seed').inputValue()).toBe('42');
    await prepare.getByTestId('prepare-fraction').fill('0.2');
    expect(await page.getByTestId('launch-run').isDisabled()).toBe(true);
    await prepare.getByTestId('prepare-run').click();
    await prepare.waitFor({ state: 'detached', timeout: 30_000 });
    const chosen = await picker.locator('option:checked').textContent();
    expect(chosen).toMatch(new RegExp(`^${DATASET} · .+ · (\\d+) train / (\\d+) test`));
    const [, train, test] = /(\d+) train \/ (\d+) test/.exec(chosen!)!;
    expect(Number(train) + Number(test)).toBe(30);
    expect(Number(test)).toBeGreaterThan(0);

    await page.getByTestId('launch-length-mode').selectOption('steps');
    await page.getByTestId('field-maxSteps').fill('6');
    await page.getByTestId('field-microBatchSize').fill('4');
    await page.getByTestId('field-gradAccumulation').fill('1');
    await page.getByTestId('field-evalEvery').fill('3');
    await page.getByTestId('field-checkpointEvery').fill('3');
    await expect.poll(() => page.getByTestId('launch-run').isEnabled(), { timeout: 15_000 }).toBe(true);
    await page.getByTestId('launch-run').click();
    await page.getByTestId('run-page').waitFor();
    // Before its worker reports, the run names the backend the studio will use.
    expect(await page.getByTestId('run-backend').textContent()).toMatch(/^(wasm|cpu|tensorflow|tensorflow-gpu)/);
  });

  it("shows the run's log as the CLI prints it, with search and follow; the finished job's note says it finished", async () => {
    const { page, serve, consoleErrors } = studio;
    await expect
      .poll(() => page.getByTestId('run-page').getByTestId('run-status').textContent(), { timeout: 90_000, interval: 250 })
      .toBe('succeeded');
    const log = page.getByTestId('run-log');
    await expect.poll(() => log.textContent()).toMatch(/step 6\/6 {2}loss \d/);
    const text = (await log.textContent()) ?? '';
    expect(text).toMatch(/step 1\/6 {2}loss \d+\.\d+ {2}acc .* {2}lr .* tok\/s/);
    expect(text).toMatch(/eval @ 3: logp_accuracy/);
    expect(text).toMatch(/Checkpoint at step 3/);
    expect(text).toMatch(/Exported the trained model/);
    // Search keeps only the matching lines.
    await page.getByTestId('run-log-search').fill('eval @');
    await expect.poll(() => log.getByTestId('log-line').count()).toBeGreaterThanOrEqual(2);
    for (const line of await log.getByTestId('log-line').allTextContents()) expect(line).toContain('eval @');
    expect(await page.getByTestId('run-log-count').textContent()).toMatch(/^\d+ of \d+ lines$/);
    await page.getByTestId('run-log-search').fill('');
    // Following: the newest line is in view.
    expect(await page.getByTestId('run-log-follow').isChecked()).toBe(true);
    const atBottom = await log.evaluate((el) => {
      const box = el as unknown as { scrollHeight: number; scrollTop: number; clientHeight: number };
      return box.scrollHeight - box.scrollTop - box.clientHeight < 24;
    });
    expect(atBottom).toBe(true);

    await page.screenshot({ path: 'test-results/first-use-run.png', fullPage: true });
    // The lines are job log rows in the workspace, not only live events: a reload shows them again.
    await page.reload();
    await expect.poll(() => page.getByTestId('run-log').textContent()).toMatch(/step 1\/6 {2}loss[\s\S]*eval @ 3:[\s\S]*step 6\/6 {2}loss/);

    // The job's last note matches its final status.
    await page.goto(`${serve.url.split('#')[0]}#/jobs`);
    const row = page.getByTestId('job-row').filter({ hasText: 'Train:' });
    await expect.poll(() => row.textContent()).toContain('Finished.');
    expect(await row.textContent()).not.toContain('Exporting');
    await page.screenshot({ path: 'test-results/first-use-jobs.png' });
    expect(consoleErrors).toEqual([]);
  });
});
