/**
 * What the run view says about the objective and what it exports, in real
 * Chromium against `studio serve`: an MMPO run (λ_pair = 1) on the demo model
 * states that its update is SFT on the chosen response and labels its reward
 * charts in nats; its metrics download under TRL's names; the launcher shows
 * its time estimate as a range.
 */
import { describe, expect, it } from 'vitest';
import type { Run } from '../../shared/runs';
import { startDemoRun } from '../helpers/demo-run';
import { useStudioInChromium } from '../helpers/studio-in-chromium';

// A small demo (test/helpers/small-demo.ts): the run's reference log-probs, its held-out evaluations and the demo
// suite's evaluations queued behind it cover a few dozen test pairs instead of the demo's 274.
const studio = useStudioInChromium({ smallDemo: {} });

describe('the run view follows mmpo-spec.md and exports TRL-named metrics', () => {
  it('states the SFT identity for λ_pair = 1, labels MMPO rewards in nats, downloads TRL-named metrics, and shows the estimate as a range', async () => {
    const { page, serve, api, consoleErrors } = studio;
    let run = await startDemoRun(api, { name: 'spec view', config: { maxSteps: 8, evalEvery: 4 } });
    for (const until = Date.now() + 120_000; run.status !== 'succeeded';) {
      if (Date.now() > until || ['failed', 'cancelled', 'interrupted'].includes(run.status))
        throw new Error(`run ${run.status}: ${run.error?.message ?? ''}`);
      await new Promise((r) => setTimeout(r, 300));
      run = await api<Run>('runs.get', { id: run.id });
    }

    await page.goto(`${serve.url}#/runs/${run.id}`);
    await page.getByTestId('run-charts').waitFor();
    expect(await page.getByTestId('mmpo-sft-identity').textContent()).toMatch(/exactly supervised fine-tuning on the chosen response/);
    expect(await page.getByTestId('chart-rewards').locator('figcaption').textContent()).toMatch(/nats/);
    const weightHint = await page.getByTestId('chart-weight').textContent();
    expect(weightHint).toMatch(/does not split the update/);
    expect(weightHint).not.toMatch(/Share of the update/);

    await page.getByTestId('export-metrics-csv').click();
    const link = page.getByTestId('export-metrics-download');
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const csv = await (await import('node:fs/promises')).readFile(await download.path(), 'utf8');
    const header = csv.split('\n')[0]!.split(',');
    expect(header.slice(0, 3)).toEqual(['step', 'epoch', 'loss']);
    for (const name of ['rewards/accuracies', 'rewards/margins', 'eval_loss', 'eval_rewards/accuracies']) expect(header).toContain(name);
    expect(csv.trimEnd().split('\n')).toHaveLength(1 + 8);

    // The launcher, now that this model has a measured run here: time per epoch with its range.
    await page.goto(`${serve.url}#/runs/new`);
    const time = page.getByTestId('estimate-time');
    await expect.poll(async () => (await time.textContent().catch(() => '')) ?? '', { timeout: 30_000 }).toMatch(/\(.+–.+\)/);
    expect(await page.getByTestId('launch-estimate').textContent()).toMatch(/measured: .* s per step/);
    expect(consoleErrors).toEqual([]);
  });
});
