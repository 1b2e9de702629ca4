import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callApi, REPO_ROOT } from '../helpers/serve';
import { useStudioInChromium } from '../helpers/studio-in-chromium';

const studio = useStudioInChromium();

const TINY_LLAMA = join(REPO_ROOT, 'test/fixtures/models/tiny-llama');

const status = () => studio.page.getByTestId('run-page').getByTestId('run-status').textContent();
const step = async () => Number(/Step (\d+)/.exec((await studio.page.getByTestId('run-step').textContent()) ?? '')?.[1] ?? NaN);
const progress = async () => Number(await studio.page.getByTestId('run-progress').getByRole('progressbar').getAttribute('aria-valuenow'));
const lossPoints = async () =>
  Number(
    (await studio.page
      .getByTestId('chart-loss')
      .getAttribute('data-points')
      .catch(() => null)) ?? 0,
  );

/** The pid of the engine worker process `studio serve` forked for the training job. */
function trainWorkerPid(servePid: number): number {
  const lines = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(servePid)], { encoding: 'utf8' })
    .trim()
    .split('\n');
  const worker = lines.find((l) => l.includes('worker'));
  if (!worker) throw new Error(`No worker process under ${servePid}: ${lines.join(' | ')}`);
  return Number(worker.trim().split(/\s+/)[0]);
}

describe('the Runs area against `studio serve`', () => {
  it('launches an MMPO run from the form: model registered by path, preset switches, validation next to fields', async () => {
    const { page, serve } = studio;
    await page.goto(serve.url);
    await page.getByTestId('workspace-header').waitFor();
    await page.keyboard.press('g');
    await page.keyboard.press('r');
    await page.getByTestId('new-run').click();
    await page.getByTestId('launch-page').waitFor();

    await page.getByTestId('register-model').click();
    await page.getByTestId('register-model-path').fill(TINY_LLAMA);
    await page.getByTestId('register-model-submit').click();
    const model = page.getByTestId('launch-model');
    await expect.poll(async () => model.locator('option:checked').textContent()).toMatch(/^tiny-llama · llama/);
    await expect
      .poll(() => page.getByTestId('launch-snapshot').locator('option:checked').textContent())
      .toMatch(/demo v1 · \d+ train \/ \d+ test/);

    // MMPO is the default; another preset shows only its own switches.
    await page.getByTestId('field-maxLength').waitFor();
    expect(await page.getByTestId('launch-preset').inputValue()).toBe('mmpo');
    expect(await page.getByTestId('field-objective-lambdaPair').inputValue()).toBe('1');
    expect(await page.getByTestId('field-objective-inBatchNorm').isChecked()).toBe(true);
    await page.getByTestId('launch-preset').selectOption('simpo');
    expect(await page.getByTestId('field-objective-gammaBetaRatio').inputValue()).toBe('1.6');
    expect(await page.getByTestId('field-objective-lambdaPair').count()).toBe(0);
    await page.getByTestId('launch-preset').selectOption('mmpo');
    await page.getByTestId('field-objective-epsilon').waitFor();

    await page.getByTestId('launch-length-mode').selectOption('steps');
    const fill = async (field: string, value: string) => page.getByTestId(`field-${field}`).fill(value);
    await fill('maxSteps', '40');
    await fill('microBatchSize', '4');
    await fill('gradAccumulation', '1');
    await fill('maxLength', '64');
    await fill('evalEvery', '10');
    await fill('checkpointEvery', '10');
    // A prompt cap above the length cap is refused next to the field, and Launch waits for a fix.
    await fill('maxPromptLength', '80');
    await page.getByTestId('issue-maxPromptLength').waitFor();
    expect(await page.getByTestId('launch-run').isDisabled()).toBe(true);
    await fill('maxPromptLength', '48');
    await page.getByTestId('issue-maxPromptLength').waitFor({ state: 'detached' });
    expect(await page.getByTestId('effective-batch').textContent()).toBe('4 pairs / step');
    await expect.poll(() => page.getByTestId('estimate-total-steps').textContent()).toBe('40');
    expect(await page.getByTestId('estimate-reference').textContent()).toMatch(/computed once/);
    await expect.poll(() => page.getByTestId('launch-run').isEnabled()).toBe(true);
    await page.screenshot({ path: 'test-results/runs-launch.png', fullPage: true });

    await page.getByTestId('launch-run').click();
    await page.getByTestId('run-page').waitFor();
    expect(await page.getByTestId('run-name').textContent()).toContain('MMPO on demo v1 (tiny-llama)');
    expect(await page.getByTestId('run-config').textContent()).toContain('"maxPromptLength": 48');
  });

  it('shows the run live: progress, loss chart, pause, resume where it stopped', async () => {
    const { page } = studio;
    await expect.poll(lossPoints, { timeout: 90_000, interval: 200 }).toBeGreaterThan(0);
    await expect.poll(progress).toBeGreaterThan(0);
    expect(await status()).toBe('running');
    expect(await page.getByTestId('run-progress-message').textContent()).toMatch(/Step \d+ of 40 · \d+ tokens\/s/);

    await page.getByTestId('run-pause').click();
    await expect.poll(status, { timeout: 30_000 }).toBe('paused');
    const pausedAt = await step();
    expect(pausedAt).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('checkpoint-row').count()).toBeGreaterThan(0);

    await page.getByTestId('run-resume').click();
    await expect.poll(status, { timeout: 15_000 }).toBe('running');
    await expect.poll(step, { timeout: 30_000, interval: 200 }).toBeGreaterThan(pausedAt);
    // The chart kept its earlier points and grew from the checkpoint on.
    expect(await lossPoints()).toBeGreaterThan(pausedAt);
    await page.screenshot({ path: 'test-results/runs-live.png', fullPage: true });
  });

  it('lists a run whose worker died as interrupted, with a banner and Resume; the run can then be cancelled', async () => {
    const { page, serve, consoleErrors } = studio;
    await page.keyboard.press('g');
    await page.keyboard.press('r');
    await page.getByTestId('runs-table').waitFor();
    // A crash of the training process (what a power cut or a closed studio leaves behind) interrupts the run.
    const worker = trainWorkerPid(serve.child.pid!);
    process.kill(worker, 'SIGKILL');
    const banner = page.getByTestId('interrupted-banner');
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.textContent()).toMatch(/^1 run was interrupted/);
    const row = page.getByTestId('run-row').first();
    expect(await row.getByTestId('run-status').textContent()).toBe('interrupted');
    await page.screenshot({ path: 'test-results/runs-interrupted.png' });
    await row.getByTestId('run-resume').click();
    await expect.poll(() => row.getByTestId('run-status').textContent(), { timeout: 15_000 }).toMatch(/queued|running/);
    await expect.poll(() => banner.count()).toBe(0);

    await row.click();
    await page.getByTestId('run-page').waitFor();
    await expect.poll(status, { timeout: 15_000 }).toBe('running');
    await page.getByTestId('run-cancel').click();
    await expect.poll(status, { timeout: 30_000 }).toBe('cancelled');
    await page.getByTestId('run-rerun').waitFor();

    // The charts show what the run recorded, chosen as chosen and rejected as rejected.
    const runId = Number(/#\/runs\/(\d+)/.exec(page.url())?.[1]);
    const { json } = await callApi(serve.port, serve.token, 'runs.get', { id: runId });
    const latest = (json.value as { latest: Record<string, number> }).latest;
    for (const metric of ['loss', 'rewards/chosen', 'rewards/rejected', 'logps/chosen', 'logps/rejected', 'mmpo/weight_chosen']) {
      const shown = Number(await page.getByTestId(`latest-${metric}`).getAttribute('data-value'));
      expect(shown, metric).toBeCloseTo(latest[metric]!, 6);
    }
    expect(await page.getByTestId('latest-rewards/chosen').textContent()).toMatch(/^chosen /);
    expect(await page.getByTestId('latest-rewards/rejected').textContent()).toMatch(/^rejected /);
    expect(await page.getByTestId('checkpoint-row').count()).toBeGreaterThan(0);
    expect(consoleErrors).toEqual([]);
  });
});
