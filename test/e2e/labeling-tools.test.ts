import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../shared/datasets';
import type { Invite } from '../../shared/invites';
import type { Job } from '../../shared/jobs';
import type { LabelItem, LabelQueue } from '../../shared/labeling';
import { REPO_ROOT } from '../helpers/serve';
import { useStudioInChromium } from '../helpers/studio-in-chromium';

/**
 * The labeling tools the queue page offers (issue 18: every item in the app):
 * generate candidates, export labels, invite an annotator, arena results —
 * driven in Chromium against `studio serve` on the demo workspace, with tiny
 * generations so the jobs are quick.
 */
let demoDatasetId = 0;
let recordIds: number[] = [];
let demoModelId = 0;

async function settled(jobId: number): Promise<Job> {
  for (;;) {
    const job = await studio.api<Job>('jobs.get', { id: jobId });
    if (job.finishedAt) return job;
    await new Promise((r) => setTimeout(r, 300));
  }
}

const studio = useStudioInChromium({
  setup: async ({ api, page, serve }) => {
    const datasets = await api<Dataset[]>('datasets.list');
    demoDatasetId = datasets.find((d) => d.name.startsWith('Demo: rule following'))!.id;
    const records = await api<{ rows: { id: number }[] }>('records.query', { datasetId: demoDatasetId, limit: 4 });
    recordIds = records.rows.map((r) => r.id);
    const models = await api<{ id: number; name: string }[]>('models.list');
    demoModelId = models.find((m) => /demo/i.test(m.name))!.id;
    await page.goto(serve.url);
    await page.getByTestId('workspace-header').waitFor();
  },
  setupTimeoutMs: 120_000,
});

async function openQueue(id: number) {
  await studio.page.evaluate(`window.location.hash = '/labeling/${id}'`);
  // The queue was made through the API behind the page's back: reload so the page reads the queue list afresh.
  await studio.page.reload();
  await studio.page.getByTestId('queue-page').waitFor();
}

describe('labeling tools on the queue page', () => {
  it('generates candidates for a prompts queue with the demo model, then one pair is labeled', async () => {
    const { page, api } = studio;
    await api('labeling.createAnnotator', { name: 'alice' });
    const queue = await api<LabelQueue>('labeling.createQueue', {
      name: 'gen',
      kind: 'prompts',
      datasetId: demoDatasetId,
      recordIds: recordIds.slice(0, 3),
      recheckShare: 0,
    });
    await openQueue(queue.id);
    // No pairs yet: the page says to generate first instead of showing an empty labeler.
    expect(await page.getByTestId('generate-first').textContent()).toMatch(/3 prompts and no pairs yet: generate candidates first/);
    expect(await page.getByTestId('queue-prompts').textContent()).toBe('prompts 0 / 3 with candidates');

    await page.getByTestId('generate-candidates').click();
    await page.getByTestId('candidates-model-a').selectOption(`model:${demoModelId}`);
    await page.getByTestId('candidates-max-tokens').fill('6');
    await page.getByTestId('candidates-n').fill('2');
    await page.getByTestId('candidates-temperature').fill('1');
    await page.getByTestId('candidates-start').click();
    // The job's progress shows inline, then what it did.
    await page.getByTestId('queue-job').waitFor();
    await expect.poll(() => page.getByTestId('queue-job').getAttribute('data-status'), { timeout: 120_000 }).toBe('succeeded');
    expect(await page.getByTestId('queue-job-result').textContent()).toMatch(/pairs from 3 prompts/);
    await expect.poll(() => page.getByTestId('queue-prompts').textContent()).toBe('prompts 3 / 3 with candidates');
    const filled = (await api<LabelQueue[]>('labeling.queues')).find((q) => q.id === queue.id)!;
    expect(filled.candidates?.sampling.maxTokens).toBe(6);
    expect(filled.total).toBeGreaterThan(0);

    // The labeler now has pairs: pick alice and label one.
    await page.getByTestId('annotator-select').selectOption({ label: 'alice' });
    await expect
      .poll(async () => Number(await page.getByTestId('labeler').getAttribute('data-item-id')), { timeout: 10_000 })
      .toBeGreaterThan(0);
    await page.keyboard.press('1');
    await expect
      .poll(async () => (await api<LabelQueue[]>('labeling.queues')).find((q) => q.id === queue.id)!.done, { timeout: 10_000 })
      .toBe(1);

    // Export labels: the file is written and offered through serve's download route.
    await page.getByTestId('export-labels').click();
    await page.getByTestId('export-labels-run').click();
    await page.getByTestId('export-labels-result').waitFor();
    expect(await page.getByTestId('export-labels-result').textContent()).toMatch(/Wrote 1 events/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-labels-download').click()]);
    const lines = (await download.path().then((p) => import('node:fs').then((fs) => fs.readFileSync(p, 'utf8')))).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      annotator: 'alice',
      action: 'label',
      label: expect.stringMatching(/^(a|b)$/) as unknown,
    });
    await page.getByTestId('export-labels-dialog').getByRole('button', { name: 'Close' }).last().click();

    // Importing the exported line back adds nothing (a duplicate); a line that is not JSON and one naming a pair this queue
    // does not have are reported with their line numbers.
    const mixed = join(studio.dir, 'labels-mixed.jsonl');
    writeFileSync(
      mixed,
      [lines[0], '{not json', JSON.stringify({ ...JSON.parse(lines[0]!), pair_hash: 'f'.repeat(64) })].join('\n') + '\n',
    );
    await page.getByTestId('import-labels').click();
    await page.getByTestId('import-labels-path').fill(mixed);
    await page.getByTestId('import-labels-start').click();
    await page.getByTestId('import-labels-report').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('import-labels-imported').textContent()).toBe('0 imported');
    expect(await page.getByTestId('import-labels-report').textContent()).toMatch(/1 duplicates \(already in this queue\)/);
    const errors = await page.getByTestId('import-labels-errors').locator('li').allTextContents();
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^line 2: /);
    expect(errors[1]).toMatch(/^line 3: .*pair/);
    await page.keyboard.press('Escape');
    await page.getByTestId('import-labels-dialog').waitFor({ state: 'detached' });
  }, 240_000);

  it('invites an annotator: the link is shown once, listed, and revoked', async () => {
    const { page, api } = studio;
    const queue = (await api<LabelQueue[]>('labeling.queues')).find((q) => q.name === 'gen')!;
    await openQueue(queue.id);
    await page.getByTestId('invite-annotator').click();
    await page.getByTestId('invite-name').fill('bob');
    await page.getByTestId('invite-hours').fill('2');
    await page.getByTestId('invite-create').click();
    await expect.poll(() => page.getByTestId('invite-link').inputValue()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?invite=inv_/);
    await expect.poll(() => page.getByTestId('invite-row').getAttribute('data-status')).toBe('active');
    const [invite] = await api<Invite[]>('invites.list');
    expect(invite).toMatchObject({ annotator: { name: 'bob' }, queueIds: [queue.id], status: 'active' });
    expect(invite!.expiresAt! - invite!.createdAt).toBe(2 * 3600_000);
    await page.getByTestId('invite-revoke').click();
    await expect.poll(() => page.getByTestId('invite-row').getAttribute('data-status')).toBe('revoked');
    await page.keyboard.press('Escape');
  });

  it('shows an arena queue’s results: wins, win rate with its interval, ratings, and the sources on request', async () => {
    const { page, api } = studio;
    const tiny = await api<{ id: number }>('models.register', { path: join(REPO_ROOT, 'test', 'fixtures', 'models', 'tiny-llama') });
    const queue = await api<LabelQueue>('labeling.createQueue', {
      name: 'arena',
      kind: 'arena',
      datasetId: demoDatasetId,
      recordIds: recordIds.slice(0, 2),
      recheckShare: 0,
    });
    const job = await api<Job>('labeling.generateCandidates', {
      queueId: queue.id,
      models: [{ modelId: demoModelId }, { modelId: tiny.id }],
      sampling: { maxTokens: 6, seed: 3, temperature: 1 },
    });
    expect((await settled(job.id)).status).toBe('succeeded');
    const annotator = await api<{ id: number }>('labeling.createAnnotator', { name: 'carol' });
    let item = await api<LabelItem | null>('labeling.next', { queueId: queue.id, annotatorId: annotator.id });
    while (item) {
      ({ next: item } = await api<{ next: LabelItem | null }>('labeling.record', {
        queueId: queue.id,
        annotatorId: annotator.id,
        action: 'label',
        itemId: item.id,
        choice: 'left',
      }));
    }
    await openQueue(queue.id);
    await page.getByTestId('tab-stats').click();
    await page.getByTestId('arena-panel').waitFor();
    await expect
      .poll(() => page.getByTestId('arena-win-rate').textContent())
      .toMatch(/^2 votes · A’s win rate \d+\.\d% \[\d+\.\d, \d+\.\d\]$/);
    const models = await page.getByTestId('arena-model').allTextContents();
    expect(models).toHaveLength(2);
    expect(models[0]).toMatch(/^A · /);
    expect(models[1]).toMatch(/^B · /);
    const wins = (await page.getByTestId('arena-wins').allTextContents()).map(Number);
    expect(wins[0]! + wins[1]!).toBe(2);
    expect(await page.getByTestId('arena-sources').count()).toBe(0);
    await page.getByTestId('arena-reveal').click();
    await page.getByTestId('arena-sources').waitFor();
    expect(await page.getByTestId('arena-sources').textContent()).toMatch(/A · .*B · |B · .*A · /);
  }, 240_000);

  it('follows a generation started elsewhere (the CLI, another window) inline, and cancels it', async () => {
    const { page, api } = studio;
    const records = await api<{ rows: { id: number }[] }>('records.query', { datasetId: demoDatasetId, offset: 10, limit: 12 });
    const queue = await api<LabelQueue>('labeling.createQueue', {
      name: 'long',
      kind: 'prompts',
      datasetId: demoDatasetId,
      recordIds: records.rows.map((r) => r.id),
    });
    // Long generations, so the job is still running when the page opens.
    const job = await api<Job>('labeling.generateCandidates', {
      queueId: queue.id,
      models: [{ modelId: demoModelId }],
      sampling: { maxTokens: 2000, seed: 5, temperature: 1 },
    });
    await openQueue(queue.id);
    await page.getByTestId('queue-job-cancel').click({ timeout: 60_000 });
    expect((await settled(job.id)).status).toBe('cancelled');
    await expect.poll(() => page.getByTestId('queue-job').count()).toBe(0);
  }, 120_000);

  it('orders a queue by uncertainty with the demo model: the header then names the model', async () => {
    const { page, api } = studio;
    const queue = (await api<LabelQueue[]>('labeling.queues')).find((q) => q.name === 'gen')!;
    await openQueue(queue.id);
    expect(await page.getByTestId('queue-order-label').textContent()).toBe('order as stored');
    await page.getByTestId('order-uncertainty').click();
    await page.getByTestId('uncertainty-model').selectOption(`model:${demoModelId}`);
    await page.getByTestId('uncertainty-start').click();
    await expect.poll(() => page.getByTestId('queue-job').getAttribute('data-status'), { timeout: 120_000 }).toBe('succeeded');
    expect(await page.getByTestId('queue-job-result').textContent()).toMatch(/^Ordered by .+: \d+ pairs scored, 0 from the cache/);
    const ordered = (await api<LabelQueue[]>('labeling.queues')).find((q) => q.id === queue.id)!;
    expect(ordered.order).toBe('uncertain');
    await expect
      .poll(() => page.getByTestId('queue-order-label').textContent())
      .toBe(`order uncertain (model ${ordered.orderedBy!.modelName})`);
  }, 180_000);

  it('makes a relabel queue from record ids typed in New queue (bad ids named) and from the datasets page’s selection', async () => {
    const { page, api } = studio;
    await page.evaluate("window.location.hash = '/labeling'");
    await page.getByTestId('labeling-page').waitFor();
    await page.getByTestId('new-queue').click();
    await page.getByTestId('queue-name').fill('relabel typed');
    await page.getByTestId('queue-kind').selectOption('relabel');
    await page.getByTestId('queue-record-ids').fill(`${recordIds[0]}, x7`);
    expect(await page.getByTestId('queue-record-ids-error').textContent()).toBe(
      '"x7" (item 2) is not a record id: ids are whole numbers from 1.',
    );
    expect(await page.getByTestId('queue-create').isDisabled()).toBe(true);
    await page.getByTestId('queue-record-ids').fill(`${recordIds[0]} ${recordIds[1]},${recordIds[2]}`);
    await page.getByTestId('queue-create').click();
    await page.getByTestId('queue-page').waitFor();
    const typed = (await api<LabelQueue[]>('labeling.queues')).find((q) => q.name === 'relabel typed')!;
    expect(typed).toMatchObject({ kind: 'relabel', total: 3 });

    await page.evaluate(`window.location.hash = '/datasets/${demoDatasetId}'`);
    await page.getByTestId('record-check').nth(1).check();
    await page.getByTestId('record-check').nth(2).check();
    await page.getByTestId('bulk-relabel').click();
    await page.getByTestId('queue-name').fill('relabel picked');
    expect(await page.getByTestId('queue-kind').inputValue()).toBe('relabel');
    await page.getByTestId('queue-create').click();
    await page.getByTestId('queue-page').waitFor();
    const picked = (await api<LabelQueue[]>('labeling.queues')).find((q) => q.name === 'relabel picked')!;
    expect(picked).toMatchObject({ kind: 'relabel', total: 2, datasetId: demoDatasetId });
  }, 120_000);
});
