import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Annotator, LabelItem, LabelQueue, LabelStats } from '../../shared/labeling';
import { REPO_ROOT } from '../helpers/serve';
import { useStudioInChromium } from '../helpers/studio-in-chromium';

const studio = useStudioInChromium();

const labeler = () => studio.page.getByTestId('labeler');
const shownItem = async () => Number(await labeler().getAttribute('data-item-id'));
const acknowledged = async () => Number(await studio.page.getByTestId('labeler-saved').getAttribute('data-acknowledged'));
const pending = async () => Number(await studio.page.getByTestId('labeler-saved').getAttribute('data-pending'));

/** Presses a key on the labeler and waits until another pair is on screen (or the queue is done). */
async function pressForNext(key: string): Promise<number> {
  const before = await shownItem();
  await studio.page.keyboard.press(key);
  // While a pair loads the labeler shows none (item id 0): wait for the next one itself.
  await expect
    .poll(
      async () => (await labeler().getAttribute('data-phase')) === 'done' || ((await shownItem()) > 0 && (await shownItem()) !== before),
      { timeout: 10_000 },
    )
    .toBe(true);
  return shownItem();
}

describe('the labeler against `studio serve`', () => {
  it('makes a queue from the demo dataset and labels 20 pairs keyboard-only: tie, both bad, skip, undo, reload, stats', async () => {
    const { page, serve, api, consoleErrors } = studio;
    await page.goto(serve.url);
    await page.getByTestId('workspace-header').waitFor();
    await page.keyboard.press('g');
    await page.keyboard.press('l');
    await page.getByTestId('labeling-page').waitFor();

    await page.getByTestId('annotator-name').fill('alice');
    await page.getByTestId('annotator-create').click();
    await expect.poll(() => page.getByTestId('annotator-select').locator('option:checked').textContent()).toBe('alice');

    await page.getByTestId('new-queue').click();
    await page.getByTestId('queue-name').fill('demo check');
    await expect.poll(() => page.getByTestId('queue-source').locator('option:checked').textContent()).toMatch(/^Demo: rule following/);
    await page.getByTestId('queue-order').selectOption('stored');
    // No swap re-serves here, so every press below is a label (re-serves have their own test in the core).
    await page.getByTestId('queue-recheck').fill('0');
    await page.getByTestId('queue-guidelines').fill('# Rule\nPick the answer that **follows the rule**.');
    await page.getByTestId('queue-create').click();
    await page.getByTestId('queue-page').waitFor();
    const queue = (await api<LabelQueue[]>('labeling.queues'))[0]!;
    expect(queue).toMatchObject({ name: 'demo check', order: 'stored', overlap: 1, total: 1000 });

    // The pair is on screen and the keys work without a click or Tab.
    await expect.poll(shownItem, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('labeler-guidelines').locator('strong').textContent()).toBe('follows the rule');
    expect(await page.getByTestId('labeler-position').textContent()).toBe('Pair 1 of 1000');
    await page.screenshot({ path: 'test-results/labeler.png' });

    const labeledItems: number[] = [];
    const label = async (key: string) => {
      labeledItems.push(await shownItem());
      return pressForNext(key);
    };
    for (const key of ['1', '2', 'ArrowLeft', 'ArrowRight', 't', 'b']) await label(key);
    // A skip is not a label: the pair comes back last.
    const skipped = await shownItem();
    await pressForNext('s');
    expect(await shownItem()).not.toBe(skipped);

    // Two undos walk back through the last two labels (both bad, then tie), reopening each pair.
    await pressForNext('u');
    expect(await shownItem()).toBe(labeledItems[5]);
    await page.getByText('reopened by undo').waitFor();
    await pressForNext('Control+z');
    expect(await shownItem()).toBe(labeledItems[4]);
    const [tieItem, bothBadItem] = labeledItems.splice(4, 2);
    // Relabeled; the pair after it is the other reopened one, first in the queue's order.
    await label('t');
    expect(labeledItems[4]).toBe(tieItem);
    expect(await shownItem()).toBe(bothBadItem);
    await label('b');

    // A rationale: typing in its box triggers no shortcut (t, b, s, u are letters here), Esc returns to the keys.
    const before = await shownItem();
    await page.keyboard.press('r');
    await page.getByTestId('labeler-rationale').waitFor();
    await page.keyboard.type('both sub-par but this one uses the rule');
    expect(await shownItem()).toBe(before);
    // The rationale is saved as a draft as it is typed (debounced): once the server has it, a reload brings it
    // back on the same pair.
    const alice = (await api<Annotator[]>('labeling.annotators')).find((a) => a.name === 'alice')!;
    await expect
      .poll(async () => (await api<LabelItem | null>('labeling.next', { queueId: queue.id, annotatorId: alice.id }))?.draft, {
        timeout: 10_000,
      })
      .toBe('both sub-par but this one uses the rule');
    await page.reload();
    await expect.poll(shownItem, { timeout: 10_000 }).toBe(before);
    expect(await page.getByTestId('labeler-rationale').inputValue()).toBe('both sub-par but this one uses the rule');
    await page.getByTestId('labeler-rationale').focus();
    await page.keyboard.press('Escape');
    await page.keyboard.press('c');
    await page.keyboard.press('c');
    expect(await page.getByTestId('labeler-confidence').textContent()).toContain('confidence: 2');
    await label('2');
    for (const key of ['1', '1', '2']) await label(key);
    expect(labeledItems).toHaveLength(10);

    // Reload mid-way: every acknowledged label is on disk and the session resumes at the next unlabeled pair.
    await expect.poll(pending, { timeout: 10_000 }).toBe(0);
    const onScreen = await shownItem();
    let stats = await api<LabelStats>('labeling.stats', { queueId: queue.id });
    expect(stats.annotators[0]).toMatchObject({ name: 'alice', labeled: 10, skipped: 1 });
    await page.reload();
    await expect.poll(shownItem).toBe(onScreen);
    expect(await acknowledged()).toBe(0);

    for (let i = 0; i < 10; i++) await label(i % 3 === 0 ? '2' : '1');
    await expect.poll(pending, { timeout: 10_000 }).toBe(0);
    expect(await acknowledged()).toBe(10);
    stats = await api<LabelStats>('labeling.stats', { queueId: queue.id });
    expect(stats.progress).toMatchObject({ total: 1000, done: 20, labels: 20 });
    expect(stats.annotators[0]).toMatchObject({ name: 'alice', labeled: 20, skipped: 1 });
    expect(stats.annotators[0]!.labelsPerHour).toBeGreaterThan(0);
    expect(new Set(labeledItems).size).toBe(20);
    expect(labeledItems).not.toContain(skipped);

    // The Stats tab shows the same.
    await page.getByTestId('tab-stats').click();
    await expect.poll(() => page.getByTestId('stats-done').textContent()).toBe('20 / 1,000');
    expect(await page.getByTestId('stats-labeled').first().textContent()).toBe('20');

    // Build a dataset from the labels: 18 decisive pairs; the tie and the both-bad pair are left out.
    await page.getByTestId('build-name').fill('demo check labels');
    await page.getByTestId('build-start').click();
    const result = page.getByTestId('build-result');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.textContent()).toMatch(
      /18 records in the new dataset.*Left out: 1 ties, 1 both bad, 0 undecided conflicts, 980 unlabeled/,
    );

    // …and start a training run on it from the launcher, which opens with the new snapshot chosen.
    await page.getByTestId('build-train').click();
    await page.getByTestId('launch-page').waitFor();
    await expect.poll(() => page.getByTestId('launch-snapshot').locator('option:checked').textContent()).toMatch(/^demo check labels · /);
    await page.getByTestId('register-model').click();
    await page.getByTestId('register-model-path').fill(join(REPO_ROOT, 'test/fixtures/models/tiny-llama'));
    await page.getByTestId('register-model-submit').click();
    await expect.poll(async () => page.getByTestId('launch-model').locator('option:checked').textContent()).toMatch(/^tiny-llama/);
    await page.getByTestId('launch-length-mode').selectOption('steps');
    for (const [field, value] of Object.entries({
      maxSteps: '4',
      microBatchSize: '2',
      gradAccumulation: '1',
      maxLength: '64',
      maxPromptLength: '48',
      evalEvery: '2',
      checkpointEvery: '2',
    }))
      await page.getByTestId(`field-${field}`).fill(value);
    await expect.poll(() => page.getByTestId('launch-run').isEnabled(), { timeout: 30_000 }).toBe(true);
    await page.getByTestId('launch-run').click();
    await page.getByTestId('run-page').waitFor();
    const runs = await api<{ id: number; datasetName: string; status: string }[]>('runs.list');
    expect(runs[0]).toMatchObject({ datasetName: 'demo check labels' });
    await api('runs.cancel', { id: runs[0]!.id });
    await expect
      .poll(async () => (await api<{ status: string }>('runs.get', { id: runs[0]!.id })).status, { timeout: 30_000 })
      .toBe('cancelled');
    expect(consoleErrors).toEqual([]);
  });

  it('shows agreement and the conflict queue of two annotators, and decides a conflict from the Stats tab', async () => {
    const { page, serve, api } = studio;
    const demo = (await api<{ id: number; name: string }[]>('datasets.list')).find((d) => d.name.startsWith('Demo'))!;
    const queue = await api<LabelQueue>('labeling.createQueue', { name: 'two people', datasetId: demo.id, overlap: 2, recheckShare: 0 });
    const plan: Record<string, string[]> = { bob: ['tie', 'tie', 'both_bad', 'tie'], carol: ['tie', 'tie', 'tie', 'tie'] };
    for (const [name, choices] of Object.entries(plan)) {
      const who = await api<{ id: number }>('labeling.createAnnotator', { name });
      let item = await api<{ id: number }>('labeling.next', { queueId: queue.id, annotatorId: who.id });
      for (const choice of choices)
        item = (
          await api<{ next: { id: number } }>('labeling.record', {
            queueId: queue.id,
            annotatorId: who.id,
            action: 'label',
            itemId: item.id,
            choice,
            msOnScreen: 2000,
          })
        ).next;
    }
    await page.goto(`${serve.url.split('#')[0]}#/labeling/${queue.id}/stats`);
    await page.getByTestId('queue-stats').waitFor();
    expect(await page.getByTestId('stats-done').textContent()).toBe('4 / 1,000');
    expect(await page.getByTestId('stats-agreement').textContent()).toContain('bob · carol');
    expect(await page.getByTestId('stats-agreement').textContent()).toContain('75.0%');
    // The one pair they disagree on waits for a decision; the person chosen on this machine (alice) decides it.
    await expect.poll(() => page.getByTestId('conflict').count()).toBe(1);
    expect(await page.getByTestId('conflict').textContent()).toMatch(/bob: both bad.*carol: tie/);
    await page.screenshot({ path: 'test-results/labeling-stats.png', fullPage: true });
    await page.getByTestId('adjudicate-tie').click();
    await page.getByTestId('conflicts-empty').waitFor();
    const decided = await api<{ total: number; conflicts: { adjudication: { annotator: string; label: string } | null }[] }>(
      'labeling.conflicts',
      { queueId: queue.id, status: 'adjudicated' },
    );
    expect(decided.conflicts[0]?.adjudication).toMatchObject({ annotator: 'alice', label: 'tie' });
  });

  it('shows a response holding <script> and <img onerror> as text: no such element reaches the page', async () => {
    const { page, serve, api } = studio;
    const file = join(studio.dir, 'hostile.jsonl');
    const rows = [
      {
        prompt: 'Say hi <b>bold</b>',
        chosen: 'Hi! <script>window.__pwned = 1</script>',
        rejected: '<img src=x onerror="window.__pwned = 2"> hello',
      },
      { prompt: 'Second', chosen: 'fine', rejected: 'also fine' },
    ];
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const job = await api<{ id: number }>('datasets.import', { path: file, datasetName: 'hostile' });
    let datasetId: number | undefined;
    await expect
      .poll(async () => {
        const j = await api<{ status: string; result: { datasetId: number } | null }>('jobs.get', { id: job.id });
        datasetId = j.result?.datasetId;
        return j.status;
      })
      .toBe('succeeded');
    const queue = await api<LabelQueue>('labeling.createQueue', {
      name: 'hostile',
      datasetId,
      guidelines: '<script>window.__pwned = 3</script>',
    });
    await page.goto(`${serve.url.split('#')[0]}#/labeling/${queue.id}`);
    await expect.poll(shownItem, { timeout: 10_000 }).toBeGreaterThan(0);
    const text = (await labeler().textContent()) ?? '';
    expect(text).toContain('<script>window.__pwned = 1</script>');
    expect(text).toContain('<img src=x onerror="window.__pwned = 2"> hello');
    expect(text).toContain('Say hi <b>bold</b>');
    expect(await labeler().locator('script, img, b').count()).toBe(0);
    expect(await page.locator('[onerror]').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    // The word diff renders the same text, marked, and still as text.
    await page.keyboard.press('d');
    await page.getByTestId('diff-left').waitFor();
    expect(await labeler().locator('script, img').count()).toBe(0);
    expect(await labeler().locator('mark').count()).toBeGreaterThan(0);
  });
});
