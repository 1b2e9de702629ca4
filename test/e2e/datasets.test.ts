import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useStudioInChromium } from '../helpers/studio-in-chromium';

const studio = useStudioInChromium({ viewport: { width: 1440, height: 900 } });

/** Ten good rows (one exact duplicate pair, one identical pair) and two broken ones at lines 6 and 7. */
const FILE_LINES = [
  { prompt: 'How do volcanoes erupt?', chosen: 'Magma pressure builds until it escapes.', rejected: 'They sneeze.' },
  { prompt: 'Explain photosynthesis', chosen: 'Plants turn light into sugar.', rejected: 'Magic.' },
  { prompt: 'Name the capital of France', chosen: 'Paris.', rejected: 'Lyon.' },
  { prompt: 'Name the capital of France', chosen: 'Paris.', rejected: 'Lyon.' },
  { prompt: 'Repeat after me: ok', chosen: 'ok', rejected: 'ok' },
  '{"prompt": "cut off half way", "chosen": ',
  { prompt: 'No rejected answer here', chosen: 'x' },
  { prompt: 'What is a volcano made of?', chosen: 'Rock and ash.', rejected: 'Cheese.' },
  { prompt: 'Why is the sky blue?', chosen: 'Rayleigh scattering of sunlight.', rejected: 'Paint.' },
  { prompt: 'How many legs does a spider have?', chosen: 'Eight.', rejected: 'Six.' },
  { prompt: 'Translate "thank you" into German.', chosen: 'Danke.', rejected: 'Merci.' },
  { prompt: 'What is the boiling point of water at sea level?', chosen: '100 °C.', rejected: '50 °C.' },
].map((l) => (typeof l === 'string' ? l : JSON.stringify(l)));

const rows = () => studio.page.getByTestId('record-row');
const totalText = () => studio.page.getByTestId('records-total').textContent();

describe('the Datasets page against `studio serve`', () => {
  it('lists the demo dataset and opens it in a virtualized table', async () => {
    const { page, serve } = studio;
    await page.goto(serve.url);
    await page.getByTestId('workspace-header').waitFor();
    await page.keyboard.press('g');
    await page.keyboard.press('d');
    const table = page.getByTestId('datasets-table');
    await table.waitFor();
    expect(await table.textContent()).toContain('Demo: rule following');
    await table.getByText('Demo: rule following').click();
    await page.getByTestId('dataset-view').waitFor();
    await expect.poll(totalText).toMatch(/^\d[\d,]{2,} records$/); // "1,000 records"
    const total = Number((await totalText())!.replace(/\D/g, ''));
    // Only the rows on screen are in the DOM.
    await expect.poll(() => rows().count()).toBeGreaterThan(5);
    expect(await rows().count()).toBeLessThan(Math.min(total, 80));
    // Both sides of the split exist in the demo.
    await page.getByTestId('filter-split-test').click();
    await expect.poll(async () => Number((await totalText())!.replace(/\D/g, ''))).toBeLessThan(total);
    await page.screenshot({ path: 'test-results/datasets-demo.png' });
  });

  it('imports a picked file: preview, detected format, progress, and a report of the bad rows by line', async () => {
    const { page, serve, dir } = studio;
    const file = join(dir, 'e2e-pairs.jsonl');
    writeFileSync(file, FILE_LINES.join('\n') + '\n');
    await page.goto(`${serve.url.split('#')[0]}#/datasets`);
    await page.getByTestId('import-button').click();
    const dialog = page.getByTestId('import-dialog');
    await dialog.getByTestId('import-file').setInputFiles(file);
    await expect.poll(() => dialog.getByTestId('preview-format').textContent(), { timeout: 15_000 }).toBe('trl-standard');
    expect(await dialog.getByTestId('preview-confidence').textContent()).toMatch(/\d+% confidence/);
    expect(await dialog.getByTestId('mapping-prompt').inputValue()).toBe('prompt');
    expect(await dialog.getByTestId('mapping-rejected').inputValue()).toBe('rejected');
    expect(await dialog.getByTestId('import-sample').textContent()).toContain('How do volcanoes erupt?');
    expect(await dialog.getByTestId('import-dataset-name').inputValue()).toBe('e2e-pairs');
    // A forced format that does not fit asks for a mapping; mapping the columns by hand previews with it.
    await dialog.getByTestId('import-format').selectOption('unlabeled-pair');
    await expect.poll(() => dialog.getByTestId('preview-explanation').textContent()).toMatch(/map the columns yourself/);
    await dialog.getByTestId('mapping-prompt').selectOption('prompt');
    await dialog.getByTestId('mapping-response-0').selectOption('chosen');
    await dialog.getByTestId('mapping-response-1').selectOption('rejected');
    await expect.poll(() => dialog.getByTestId('preview-format').textContent()).toBe('unlabeled-pair');
    expect(await dialog.getByTestId('import-sample').textContent()).toContain('unlabeled-pair');
    await dialog.getByTestId('import-format').selectOption('trl-standard');
    await expect.poll(() => dialog.getByTestId('preview-format').textContent()).toBe('trl-standard');
    await expect.poll(() => dialog.getByTestId('mapping-rejected').inputValue()).toBe('rejected');
    await page.screenshot({ path: 'test-results/datasets-import-preview.png' });

    await dialog.getByTestId('import-run').click();
    await expect.poll(() => dialog.getByTestId('job-status').textContent(), { timeout: 30_000 }).toBe('succeeded');
    const report = dialog.getByTestId('import-report');
    await report.waitFor();
    expect(await report.getByTestId('report-imported').textContent()).toBe('10');
    expect(await report.getByTestId('report-rejected').textContent()).toBe('2');
    const errorLines = await report.getByTestId('import-error-line').allTextContents();
    expect(errorLines).toEqual(expect.arrayContaining(['6', '7']));
    expect(await report.getByTestId('import-errors').textContent()).toMatch(/rejected/);
    // The rejected rows can be saved as they were, to fix and import again.
    await report.getByTestId('save-rejected').getByRole('button').click();
    const link = report.getByTestId('rejected-download');
    await link.waitFor();
    const rejected = await page.evaluate(`fetch(${JSON.stringify(await link.getAttribute('href'))}).then((r) => r.text())`);
    expect(String(rejected).trim().split('\n')).toHaveLength(2);
    await page.screenshot({ path: 'test-results/datasets-import-report.png' });

    await dialog.getByTestId('import-open-dataset').click();
    await expect.poll(() => page.getByTestId('dataset-name-heading').textContent()).toBe('e2e-pairs');
    await expect.poll(totalText).toBe('10 records');
    // The import and its report stay with the dataset.
    await page.getByTestId('tab-imports').click();
    await page.getByTestId('import-item').first().click();
    await expect.poll(() => page.getByTestId('import-errors').textContent()).toMatch(/e2e-pairs\.jsonl/);
    await page.getByTestId('tab-records').click();
  });

  it('searches, filters by flag, opens and edits a record', async () => {
    const { page } = studio;
    await page.keyboard.press('/');
    await expect.poll(() => page.locator(':focus').getAttribute('data-testid')).toBe('search-input');
    await page.keyboard.type('volcano*');
    await expect.poll(totalText).toBe('2 records');
    expect(await rows().getByTestId('record-prompt').allTextContents()).toEqual(['How do volcanoes erupt?', 'What is a volcano made of?']);
    await page.getByTestId('search-input').fill('');
    await expect.poll(totalText).toBe('10 records');

    await page.getByTestId('filter-flag-identical').click();
    await expect.poll(totalText).toBe('1 record');
    expect(await rows().first().getByTestId('record-prompt').textContent()).toBe('Repeat after me: ok');
    await rows().first().click();
    const detail = page.getByTestId('record-detail');
    await detail.waitFor();
    expect(await detail.getByTestId('detail-chosen').textContent()).toContain('ok');
    expect(await detail.getByTestId('detail-source').textContent()).toMatch(/e2e-pairs\.jsonl, line 5/);
    await page.screenshot({ path: 'test-results/datasets-record-detail.png' });
    await detail.getByTestId('record-edit').click();
    await detail.getByTestId('edit-rejected-0').fill('not ok');
    await detail.getByTestId('edit-reason').fill('make the pair meaningful');
    await detail.getByTestId('edit-save').click();
    await expect.poll(() => detail.getByTestId('detail-history').textContent()).toContain('make the pair meaningful');
    expect(await detail.getByTestId('detail-rejected').textContent()).toContain('not ok');
    await page.keyboard.press('Escape');
    await expect.poll(() => detail.count()).toBe(0);
    await page.getByTestId('filter-flag-identical').click();
    await expect.poll(totalText).toBe('10 records');
  });

  it('tags selected rows in bulk, then filters by the tag', async () => {
    const { page } = studio;
    await rows().nth(0).getByTestId('record-check').check();
    await rows().nth(1).getByTestId('record-check').check();
    expect(await page.getByTestId('selection-count').textContent()).toBe('2 selected');
    await page.getByTestId('bulk-tag-input').fill('reviewed');
    await page.getByTestId('bulk-tag-add').click();
    await expect.poll(() => rows().nth(0).getByTestId('record-tags').textContent()).toBe('reviewed');
    await expect.poll(() => page.getByTestId('filter-tag').locator('option', { hasText: 'reviewed (2)' }).count()).toBe(1);
    await page.getByTestId('filter-tag').selectOption('reviewed');
    await expect.poll(totalText).toBe('2 records');
    await page.getByTestId('active-tag-filter').click();
    await expect.poll(totalText).toBe('10 records');

    // "All matching": tag every record of a search, then take the tag off them again.
    await page.getByTestId('search-input').fill('volcano*');
    await expect.poll(totalText).toBe('2 records');
    await rows().nth(0).getByTestId('record-check').check();
    await page.getByTestId('select-all-matching').click();
    expect(await page.getByTestId('selection-count').textContent()).toBe('All 2 matching');
    await page.getByTestId('bulk-tag-input').fill('geology');
    await page.getByTestId('bulk-tag-add').click();
    // The first volcano row also carries "reviewed" from above.
    await expect.poll(() => rows().getByTestId('record-tags').allTextContents()).toEqual(['geologyreviewed', 'geology']);
    await page.getByTestId('bulk-tag-remove').click();
    await expect.poll(() => rows().getByTestId('record-tags').allTextContents()).toEqual(['reviewed', '']);
    await page.getByTestId('search-input').fill('');
    await expect.poll(totalText).toBe('10 records');
  });

  it('moves through rows with the keyboard and opens one with Enter', async () => {
    const { page } = studio;
    await rows().first().focus();
    const focused = () => page.locator(':focus').getAttribute('data-index');
    await page.keyboard.press('ArrowDown');
    await expect.poll(focused).toBe('1');
    await page.keyboard.press('j');
    await expect.poll(focused).toBe('2');
    await page.keyboard.press('Enter');
    const detail = page.getByTestId('record-detail');
    await detail.waitFor();
    expect(await detail.getByTestId('detail-prompt').textContent()).toContain('Name the capital of France');
    await page.keyboard.press('Escape');
    await expect.poll(() => detail.count()).toBe(0);
  });

  it('finds the duplicate pair and keeps one', async () => {
    const { page } = studio;
    await page.getByTestId('tab-duplicates').click();
    const group = page.getByTestId('dup-group');
    // The search is a job in a worker process: give it time to start.
    await expect.poll(() => group.count(), { timeout: 30_000 }).toBe(1);
    expect(await group.textContent()).toMatch(/exact/);
    expect(await group.getByTestId('dup-record').count()).toBe(2);
    await page.screenshot({ path: 'test-results/datasets-dedupe.png' });
    await group.getByTestId('keep-record').first().click();
    await expect.poll(() => group.count()).toBe(0);
    await expect.poll(() => page.getByTestId('dataset-counts').textContent()).toMatch(/^9 records/);
  });

  it('splits, freezes a snapshot and exports it with a download link', async () => {
    const { page } = studio;
    await page.getByTestId('split-button').click();
    const split = page.getByTestId('split-dialog');
    await split.getByTestId('split-fraction').fill('0.3');
    await split.getByTestId('split-seed').fill('7');
    await split.getByTestId('split-run').click();
    await split.getByTestId('split-result').waitFor();
    const train = Number(await split.getByTestId('split-train').textContent());
    const test = Number(await split.getByTestId('split-test').textContent());
    expect(train + test).toBe(9);
    expect(await split.getByTestId('split-overlap').textContent()).toBe('0');
    await page.keyboard.press('Escape');
    await page.getByTestId('tab-records').click();
    await page.getByTestId('filter-split-test').click();
    await expect.poll(totalText).toBe(`${test} records`);
    await page.getByTestId('filter-split-test').click();

    await page.getByTestId('snapshot-button').click();
    const snap = page.getByTestId('snapshot-dialog');
    await snap.getByTestId('snapshot-name').fill('v1');
    await snap.getByTestId('snapshot-run').click();
    await expect.poll(() => snap.getByTestId('snapshot-result').textContent(), { timeout: 30_000 }).toMatch(/v1.*9 records/);
    await page.keyboard.press('Escape');
    await page.getByTestId('tab-snapshots').click();
    const snapRow = page.getByTestId('snapshot-row');
    await expect.poll(() => snapRow.count()).toBe(1);
    expect(await snapRow.textContent()).toMatch(/v1[0-9a-f]{12}9/);

    await snapRow.getByTestId('snapshot-export').click();
    const exp = page.getByTestId('export-dialog');
    await exp.getByTestId('export-format').selectOption('csv');
    await exp.getByTestId('export-run').click();
    await expect.poll(() => exp.getByTestId('export-path').textContent()).toMatch(/e2e-pairs-v1-[0-9a-f]{8}\.csv$/);
    expect(await exp.getByTestId('export-result').textContent()).toContain('Wrote 9 records');
    const href = await exp.getByTestId('export-download').getAttribute('href');
    expect(href).toMatch(/api\/download\//);
    const body = await page.evaluate(async (url) => (await fetch(url!, { credentials: 'same-origin' })).text(), href);
    expect(body).toContain('How do volcanoes erupt?');
    expect(body.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(10);
  });

  it('creates an empty dataset from the list', async () => {
    const { page, consoleErrors } = studio;
    await page.keyboard.press('Escape');
    await page.getByText('← Datasets').click();
    await page.getByTestId('create-dataset').click();
    await page.getByTestId('dataset-name').fill('Hand-made');
    await page.getByTestId('create-dataset-dialog').getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => page.getByTestId('dataset-name-heading').textContent()).toBe('Hand-made');
    await page.getByTestId('records-empty').waitFor();
    await page.getByText('← Datasets').click();
    await expect
      .poll(() => page.getByTestId('dataset-row').allTextContents())
      .toEqual([
        expect.stringContaining('Demo: rule following'),
        expect.stringMatching(/^e2e-pairs9/),
        expect.stringMatching(/^Hand-made0/),
      ]);
    expect(consoleErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });

  it('on 40k records: pages to the end by key, and shows snapshot and duplicate jobs with progress and a cancel button', async () => {
    const { page, serve, dir } = studio;
    const file = join(dir, 'large.jsonl');
    const words = 'river stone cloud lamp field song paper glass bread light'.split(' ');
    const line = (i: number) =>
      JSON.stringify({
        prompt: `Question ${i}: ${words[i % 10]} ${words[(i * 7) % 10]}?`,
        chosen: `${words[(i * 3) % 10]} answer ${i}`,
        rejected: `no ${i}`,
      });
    writeFileSync(file, Array.from({ length: 40_000 }, (_, i) => line(i)).join('\n') + '\n');
    await page.goto(serve.url);
    await page.getByTestId('workspace-header').waitFor();
    // Through the API, as a script would: the page's cookie authorises it.
    const call = <T>(method: string, args: unknown) =>
      page.evaluate(
        async ([m, a]) => {
          const r = await fetch(`/api/${m}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(a),
            credentials: 'same-origin',
          });
          return r.json();
        },
        [method, args] as const,
      ) as Promise<{ ok: boolean; value: T }>;
    const started = await call<{ id: number }>('datasets.import', { path: file, datasetName: 'large' });
    let imported: { status: string; result: { datasetId: number } | null } | undefined;
    await expect
      .poll(
        async () =>
          (imported = (await call<{ status: string; result: { datasetId: number } | null }>('jobs.get', { id: started.value.id })).value)
            .status,
        { timeout: 60_000 },
      )
      .toBe('succeeded');
    const datasetId = imported!.result!.datasetId;
    await page.goto(`${serve.url.split('#')[0]}#/datasets/${datasetId}`);
    await expect.poll(totalText).toBe('40,000 records');

    // End jumps to the last row: its page is fetched from the end of the view, the page above it by key.
    await rows().first().focus();
    await page.keyboard.press('End');
    const last = page.locator('[data-testid="record-row"][data-index="39999"]');
    await expect.poll(() => last.getAttribute('data-record-id')).toMatch(/^\d+$/);
    const lastId = Number(await last.getAttribute('data-record-id'));
    const firstId = Number(await page.locator('[data-testid="record-row"][data-index]').first().getAttribute('data-record-id'));
    expect(lastId).toBeGreaterThan(firstId);
    // Scrolling up past the last page's first row needs the page above: fetched by key, before that row.
    await page.evaluate(`document.querySelector('[data-testid="records-table"]').scrollBy(0, ${-250 * 36})`);
    const above = page.locator('[data-testid="record-row"][data-index="39749"]');
    await expect.poll(() => above.getAttribute('data-record-id')).toBe(String(lastId - 250));

    // A snapshot runs as a job: progress and Cancel while it runs; cancelled, nothing is kept.
    await page.getByTestId('snapshot-button').click();
    const snap = page.getByTestId('snapshot-dialog');
    await snap.getByTestId('snapshot-run').click();
    const snapJob = snap.getByTestId('snapshot-job');
    await snapJob.getByRole('progressbar').waitFor();
    await snapJob.getByTestId('snapshot-job-cancel').click();
    await expect.poll(() => snapJob.getAttribute('data-status'), { timeout: 30_000 }).toBe('cancelled');
    expect((await call<unknown[]>('snapshots.list', { datasetId })).value).toEqual([]);
    await page.keyboard.press('Escape');

    // Above 20k records the duplicate search waits for a click, then shows its job the same way.
    await page.getByTestId('tab-duplicates').click();
    await page.getByTestId('dedupe-run').click();
    const dedupeJob = page.getByTestId('dedupe-job');
    await dedupeJob.getByRole('progressbar').waitFor();
    await dedupeJob.getByTestId('dedupe-job-cancel').click();
    await expect.poll(() => dedupeJob.getAttribute('data-status'), { timeout: 30_000 }).toBe('cancelled');
    await page.screenshot({ path: 'test-results/datasets-dedupe-cancelled.png' });
    await page.getByTestId('dedupe-run').click();
    await expect.poll(() => page.getByTestId('dedupe-summary').textContent(), { timeout: 60_000 }).toMatch(/exact/);
  });
});
