/**
 * "Import a TRL run…" (issue 16 items 6, 7) in real Chromium against `studio
 * serve`: a TRL output folder the test writes (trainer_state.json, a
 * checkpoint with the tiny Llama fixture's safetensors, one NaN loss) is
 * imported from the Runs page by its path; the report lists what was
 * skipped, the run appears in the Runs and Compare lists marked TRL, its page
 * disables Re-run and Export for a cluster (no snapshot) saying why, and
 * imports the folder again after it grew, updating the same run.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Run } from '../../shared/runs';
import { callApi, REPO_ROOT } from '../helpers/serve';
import { useStudioInChromium } from '../helpers/studio-in-chromium';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'models', 'tiny-llama');
const studio = useStudioInChromium();

const entry = (step: number, loss: number | string) => ({
  loss,
  'rewards/accuracies': 0.5,
  'rewards/margins': 0.1 * step,
  epoch: step / 4,
  step,
});
const state = (step: number, log: unknown[]) =>
  JSON.stringify({ global_step: step, max_steps: 4, log_history: log }).replace('"__NAN__"', 'NaN');

function checkpoint(output: string, step: number, log: unknown[]): void {
  const dir = join(output, `checkpoint-${step}`);
  cpSync(FIXTURE, dir, { recursive: true, filter: (p) => !p.endsWith('golden.json') });
  writeFileSync(join(dir, 'trainer_state.json'), state(step, log));
}

describe('Import a TRL run', () => {
  it('imports a folder typed on the Runs page; the run appears marked TRL, and its page imports the grown folder again', async () => {
    const { page, serve, api, consoleErrors } = studio;
    const output = join(studio.dir, 'cluster-output');
    mkdirSync(output, { recursive: true });
    checkpoint(output, 2, [entry(1, 0.7), entry(2, '__NAN__')]);

    await page.goto(`${serve.url}#/runs`);
    await page.getByTestId('import-trl').click();
    await page.getByTestId('import-trl-dir').fill(output);
    await page.getByTestId('import-trl-start').click();
    const result = page.getByTestId('import-trl-result');
    await result.waitFor();
    const text = (await result.textContent())!;
    expect(text).toMatch(/Imported run #\d+: 2 log entries/);
    expect(text).toContain('No export manifest');
    expect(await page.getByTestId('import-trl-skipped').textContent()).toContain('step 2: loss: is NaN');

    const run = (await api<Run[]>('runs.list')).find((r) => r.imported?.sourceDir === output)!;
    expect(run.imported).toMatchObject({ origin: 'trl', snapshotMatched: false });
    // The list shows it, marked as imported.
    await page.getByRole('button', { name: 'Close' }).click();
    const row = page.getByTestId('run-row').filter({ hasText: `#${run.id}` });
    await row.getByTestId('run-imported').waitFor();

    // The cluster job goes on: step 3 and checkpoint-4. "Import again" on the run's page updates the same run.
    checkpoint(output, 4, [entry(1, 0.7), entry(2, '__NAN__'), entry(3, 0.5), entry(4, 0.4)]);
    await row.click();
    await page.getByTestId('run-imported-from').waitFor();
    // Its job is the import: the page says how far the import got, not that the run finished.
    await page.getByText('Imported from TRL up to step 1 of 4 (import again for later steps).').waitFor();
    // Without the export's manifest the snapshot it trained on is unknown: Re-run and Export for a cluster are
    // disabled and the page says why, in the sentence serve mode refuses them with.
    const noSnapshot =
      `Run #${run.id} was imported from ${output} without the export's data/manifest.json, so the snapshot it trained on ` +
      'is unknown; import the run again naming its exported project, or pick a snapshot in the run launcher.';
    expect(await page.getByTestId('run-snapshot-missing').textContent()).toBe(noSnapshot);
    for (const button of ['run-rerun', 'export-cluster']) {
      expect(await page.getByTestId(button).isDisabled(), button).toBe(true);
      expect(await page.getByTestId(button).getAttribute('title'), button).toBe(noSnapshot);
    }
    const refused = await callApi(serve.port, serve.token, 'runs.rerun', { id: run.id });
    expect(refused.json.error?.message).toBe(noSnapshot);
    await page.getByTestId('run-imported-from').getByTestId('import-trl').click();
    await page.getByTestId('import-trl-start').click();
    const again = page.getByTestId('import-trl-result');
    await again.waitFor();
    expect(await again.textContent()).toContain(`Updated run #${run.id}: 4 log entries`);
    expect(await again.textContent()).toContain('checkpoints 1 new (steps 4), 1 already imported');
    expect((await api<Run[]>('runs.list')).filter((r) => r.imported?.sourceDir === output)).toHaveLength(1);
    expect((await api<{ step: number }[]>('runs.checkpoints', { id: run.id })).map((c) => c.step)).toEqual([4, 2]);

    // Compare lists it with the runs trained here, marked as imported.
    await page.goto(`${serve.url}#/compare`);
    await page.locator(`[data-testid=compare-run-row][data-run-id="${run.id}"]`).getByTestId('run-imported').waitFor();
    // Two imported runs whose snapshot is not here: What changed says so instead of diffing records.
    const other = join(studio.dir, 'cluster-output-2');
    checkpoint(other, 2, [entry(1, 0.6), entry(2, 0.5)]);
    const second = await api<{ runId: number }>('runs.importTrl', { dir: other });
    await page.goto(`${serve.url}#/compare?runs=${run.id},${second.runId}`);
    expect(await page.getByTestId('what-changed').getByTestId('snapshot-missing').textContent()).toContain('imported from TRL');
    expect(consoleErrors).toEqual([]);
  });
});
