// The paper in miniature's pages (issue 19 item 4) in Chromium against `studio serve`: a quick grid (MMPO and DPO ×
// β 0.01 and 0.5 × one seed, 2 steps each) created through the API and run to the end, each run's step 0 and step 2
// evaluated on a tiny suite (8 MC questions, the test pairs, the win rate on 8 prompts) — the demo suite's full
// evaluations are the integration test's (test/integration/experiments.test.ts), and would take this file minutes.
// The page shows the progress, the table per (objective, β), the paper's view with one track per (objective, β)
// and the verdicts computed from the numbers (inconclusive: one seed leaves the seeds' range unknown). The
// launcher's Sweep dialog counts a grid, creates it and opens its page, where Cancel stops it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_EXPERIMENT } from '../../shared/demo';
import type { Experiment } from '../../shared/experiments';
import type { Job } from '../../shared/jobs';
import type { ModelEntry } from '../../shared/runs';
import type { Snapshot } from '../../shared/datasets';
import { attributes } from '../helpers/browser';
import { tinySuite } from '../helpers/compare-runs';
import { REPO_ROOT, waitFor } from '../helpers/serve';
import { useStudioInChromium, type StudioInChromium } from '../helpers/studio-in-chromium';

let experiment: Experiment;

// A small demo (test/helpers/small-demo.ts): the runs' reference log-probs and in-run evaluations, and the tiny
// suite's preference item, cover its few dozen held-out pairs instead of the demo's 274; the page is what is tested.
const studio = useStudioInChromium({ smallDemo: {}, setup: quickGrid, setupTimeoutMs: 900_000 });

/** The quick grid, run to the end, and its runs' evaluations at step 0 and step 2. */
async function quickGrid({ api, dir }: StudioInChromium): Promise<void> {
  const model = (await api<ModelEntry[]>('models.list', {})).find((m) => m.origin === 'demo')!;
  const snapshot = (await api<Snapshot[]>('snapshots.list', {}))[0]!;
  const created = await api<Experiment>('experiments.create', {
    name: 'quick grid',
    modelId: model.id,
    snapshotId: snapshot.id,
    config: { ...DEMO_EXPERIMENT, maxSteps: 2, evalEvery: 2, checkpointEvery: 2, keepCheckpoints: 1, evalSuite: null },
    vary: { objective: ['mmpo', 'dpo'], 'objective.beta': [0.01, 0.5], seed: [1] },
  });
  const settled = async <T extends { status: string }>(what: string, get: () => Promise<T>, done: (x: T) => boolean) =>
    waitFor(
      async () => {
        const x = await get();
        if (['failed', 'cancelled', 'incomplete', 'interrupted'].includes(x.status))
          throw new Error(`${what} ended ${x.status}: ${JSON.stringify(x)}`);
        return done(x) ? x : undefined;
      },
      600_000,
      what,
    );
  await settled(
    'the quick grid',
    () => api<Experiment>('experiments.get', { id: created.id }),
    (e) => e.status === 'succeeded',
  );
  // The tiny suite plus a win rate against each run's starting model on 8 of the demo's prompts, judged by its rules.
  const promptsPath = join(dir, 'prompts-tiny.jsonl');
  const records = readFileSync(join(REPO_ROOT, 'assets/demo/preferences.jsonl'), 'utf8').trim().split('\n').slice(0, 8);
  writeFileSync(
    promptsPath,
    records
      .map((line) => {
        const { prompt, meta } = JSON.parse(line) as { prompt: string; meta: unknown };
        return JSON.stringify({ prompt, meta });
      })
      .join('\n') + '\n',
  );
  const base = tinySuite(dir, snapshot.id);
  const suite = {
    ...base,
    items: [...base.items, { kind: 'win-rate', prompts: { path: promptsPath }, judge: { kind: 'rules' }, sampling: { maxTokens: 16 } }],
  };
  const jobs: Job[] = [];
  for (const cell of created.cells)
    for (const step of [0, 2]) jobs.push(await api<Job>('evals.start', { model: { runId: cell.runId, step }, suite }));
  for (const job of jobs)
    await settled(
      `eval job #${job.id}`,
      () => api<Job>('jobs.get', { id: job.id }),
      (j) => j.status === 'succeeded',
    );
  experiment = await api<Experiment>('experiments.get', { id: created.id });
}

describe('The experiment page against `studio serve`', () => {
  it('lists the experiment and opens its page, finished, with every run and evaluation done', async () => {
    const { page, serve } = studio;
    await page.goto(`${serve.url}#/experiments`);
    const row = page.getByTestId('experiment-row');
    await row.first().waitFor();
    expect(await row.first().textContent()).toContain('quick grid');
    await row.first().press('Enter');
    await page.getByTestId('experiment-page').waitFor();
    expect(await page.getByTestId('experiment-status').textContent()).toBe('succeeded');
    expect(await page.getByTestId('experiment-progress').textContent()).toMatch(
      /^100% · 8 \/ 8 training steps · \d+ \/ \d+ evaluations · 4 runs/,
    );
    expect(experiment.cells.every((c) => c.status === 'succeeded')).toBe(true);
    expect(await page.getByTestId('experiment-axes').textContent()).toMatch(
      /^objective \(mmpo, dpo\) × objective\.beta \(0\.01, 0\.5\) × seed \(1\)\. Every other setting is shared/,
    );
    expect(await page.getByTestId('experiment-run').count()).toBe(4);
    expect(await page.getByTestId('experiment-pause').isDisabled()).toBe(true);
  });

  it('shows the table per (objective, β) at the final checkpoint, with the spread across β per objective', async () => {
    const { page } = studio;
    const cells = page.getByTestId('experiment-cell');
    await expect.poll(() => cells.count()).toBe(4);
    expect(await attributes(cells, 'data-objective')).toEqual(['mmpo', 'mmpo', 'dpo', 'dpo']);
    expect(await attributes(cells, 'data-beta')).toEqual(['0.01', '0.5', '0.01', '0.5']);
    for (const text of await cells.allTextContents()) {
      // objective, β, 1/1 seeds, step 2, then measured numbers (win rate, preference and MC accuracy, MC drop; the tiny suite has no perplexity).
      expect(text).toMatch(/^(MMPO|DPO)(0\.01|0\.5)1\/12/);
      expect(text.match(/\d\.\d{3}/g)!.length).toBeGreaterThanOrEqual(4);
    }
    const spread = await page.getByTestId('experiment-spread').textContent();
    expect(spread).toContain('win-rate spread across β');
    expect(spread).toContain('unknown (one seed)');
    expect(await page.getByTestId('experiment-base').textContent()).toMatch(/MC accuracy 0\.\d{3} \[0\.\d{3}, 0\.\d{3}\], n = \d+/);
  });

  it("draws the paper's view with one track per (objective, β) from the base model to step 2", async () => {
    const { page } = studio;
    const tracks = page.getByTestId('paper-track');
    await expect.poll(() => tracks.count()).toBe(4);
    expect(await attributes(tracks, 'data-points')).toEqual(['2', '2', '2', '2']);
    expect(await page.getByTestId('paper-arrow').count()).toBe(4);
    const legend = await page.getByTestId('paper-legend').textContent();
    expect(legend).toContain('MMPO, mean of 1 seed — mmpo, β = 0.01');
    expect(legend).toContain('DPO, mean of 1 seed — dpo, β = 0.5');
  });

  it('states each claim in words from the numbers: inconclusive with one seed', async () => {
    const { page } = studio;
    const verdicts = page.getByTestId('experiment-verdict');
    expect(await attributes(verdicts, 'data-claim')).toEqual(['stability', 'capability']);
    expect(await attributes(verdicts, 'data-outcome')).toEqual(['inconclusive', 'inconclusive']);
    const [stability, capability] = await verdicts.allTextContents();
    expect(stability).toMatch(
      /MMPO's win-rate spread across β is \d\.\d\d vs DPO's \d\.\d\d: inconclusive at this size \(a setting has one finished seed/,
    );
    expect(capability).toMatch(
      /At β = 0\.01, MC accuracy moves [+-]?\d\.\d{3} from the base model's 0\.\d{3} with MMPO vs [+-]?\d\.\d{3} with DPO/,
    );
    await page.screenshot({ path: 'test-results/experiment-page.png', fullPage: true });
  });

  it('saves the report as Markdown and the figure as SVG from the page, the same files studio sweep writes', async () => {
    const { page } = studio;
    const saved = async (testId: string) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
      const file = join(studio.dir, download.suggestedFilename());
      await download.saveAs(file);
      return { name: download.suggestedFilename(), text: readFileSync(file, 'utf8') };
    };
    const md = await saved('experiment-save-markdown');
    expect(md.name).toMatch(/^experiment-\d+\.md$/);
    expect(md.text).toContain('| objective | β | seeds | step |');
    expect(md.text).toContain('- **inconclusive** — MMPO');
    const svg = await saved('experiment-save-svg');
    expect(svg.name).toMatch(/^experiment-\d+\.svg$/);
    expect(svg.text.match(/class="paper-track"/g)).toHaveLength(4);
  });

  it("Sweep on the launcher counts the grid, creates it, opens its page, and the page's Cancel stops it", async () => {
    const { page, serve, api, consoleErrors } = studio;
    await page.goto(`${serve.url}#/runs/new`);
    const sweep = page.getByTestId('launch-sweep');
    await expect.poll(() => sweep.isEnabled(), { timeout: 60_000 }).toBe(true);
    await sweep.click();
    const dialog = page.getByTestId('sweep-dialog');
    expect(await dialog.getByTestId('sweep-count').textContent()).toBe('4 objectives × 4 β × 2 seeds = 32 runs');
    await dialog.getByTestId('sweep-objective-mmpo-mml').uncheck();
    await dialog.getByTestId('sweep-objective-simpo').uncheck();
    await dialog.getByTestId('sweep-betas').fill('0.1, x');
    expect(await dialog.getByTestId('sweep-problem').textContent()).toBe('β values: "x" (entry 2) is not a number.');
    expect(await dialog.getByTestId('sweep-create').isDisabled()).toBe(true);
    await dialog.getByTestId('sweep-betas').fill('0.1');
    await dialog.getByTestId('sweep-seeds').fill('7');
    expect(await dialog.getByTestId('sweep-count').textContent()).toBe('2 objectives × 1 β × 1 seed = 2 runs');
    await dialog.getByTestId('sweep-name').fill('from the dialog');
    // Enter in a field submits, as in every form of the studio.
    await dialog.getByTestId('sweep-name').press('Enter');
    await page.getByTestId('experiment-page').waitFor();
    expect(await page.locator('h1').textContent()).toBe('from the dialog');
    expect(await page.getByTestId('experiment-run').count()).toBe(2);
    // Live: the first run starting shows up from the job and run events, without a reload.
    await expect.poll(() => page.locator('[data-testid=experiment-run][data-status=running]').count(), { timeout: 180_000 }).toBe(1);
    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('experiment-cancel').click();
    await expect.poll(() => page.getByTestId('experiment-status').textContent(), { timeout: 60_000 }).toBe('cancelled');
    const id = Number(/#\/experiments\/(\d+)$/.exec(page.url())![1]);
    const cancelled = await api<Experiment>('experiments.get', { id });
    expect(cancelled.spec.vary).toEqual({ objective: ['mmpo', 'dpo'], 'objective.beta': [0.1], seed: [7] });
    expect(cancelled.cells.every((c) => c.status !== 'running' && c.status !== 'queued')).toBe(true);
    expect(consoleErrors).toEqual([]);
  });
});
