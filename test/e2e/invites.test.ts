import { describe, expect, it } from 'vitest';
import type { Invite } from '../../shared/invites';
import type { Annotator, LabelQueue, LabelStats } from '../../shared/labeling';
import { useStudioInChromium } from '../helpers/studio-in-chromium';

/** Team labeling (issue 18 item 12): an annotator opens an invite link in Chromium and gets the labeler, and only it. */

const studio = useStudioInChromium();

describe('an invite link in Chromium', () => {
  it('opens the labeler for its queue as the invited annotator, and nothing else', async () => {
    const { page, serve, api, consoleErrors } = studio;
    const demo = (await api<{ id: number }[]>('datasets.list'))[0]!;
    const queue = await api<LabelQueue>('labeling.createQueue', { name: 'team pass', datasetId: demo.id });
    const other = await api<LabelQueue>('labeling.createQueue', { name: 'owner only', datasetId: demo.id });
    await api<Annotator>('labeling.createAnnotator', { name: 'alice' });
    const bob = await api<Annotator>('labeling.createAnnotator', { name: 'bob' });
    const { url, token } = await api<{ invite: Invite; token: string; url: string }>('invites.create', {
      annotatorId: bob.id,
      queueIds: [queue.id],
    });

    await page.goto(url);
    const labeler = page.getByTestId('labeler');
    await labeler.waitFor();
    await expect.poll(() => page.getByTestId('annotator-header').textContent()).toContain('bob');
    // The reduced shell: no workspace header, no navigation, no annotator picker; the token is out of the address bar.
    expect(await page.getByTestId('workspace-header').count()).toBe(0);
    expect(await page.getByRole('navigation', { name: 'Studio areas' }).count()).toBe(0);
    expect(await page.getByTestId('annotator-picker').count()).toBe(0);
    expect(page.url()).not.toContain(token);
    expect(page.url()).toContain(`#/labeling/${queue.id}`);

    // Labeling works and is bob's.
    const first = Number(await labeler.getAttribute('data-item-id'));
    await page.keyboard.press('1');
    await expect.poll(async () => Number(await labeler.getAttribute('data-item-id'))).not.toBe(first);
    await expect.poll(async () => Number(await page.getByTestId('labeler-saved').getAttribute('data-acknowledged'))).toBe(1);
    const stats = await api<LabelStats>('labeling.stats', { queueId: queue.id });
    expect(stats.annotators.map((a) => [a.name, a.labeled])).toEqual([['bob', 1]]);
    // The annotator's app asked for nothing the invite refuses (no settings, jobs or event stream).
    expect(consoleErrors).toEqual([]);

    // Another area of the app shows no data: the route shows the invite's queues, the API refuses.
    await page.evaluate("window.location.hash = '/datasets'");
    await page.getByTestId('invite-queues').waitFor();
    expect(await page.getByTestId('datasets-table').count()).toBe(0);
    expect(await page.getByText('Demo: rule following').count()).toBe(0);
    const refused = await page.evaluate(async () => {
      const res = await fetch('./api/datasets.list', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
    });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(refused.body.error.message).toContain('opens only the labeler');

    // A queue the invite does not cover is not opened either.
    await page.evaluate(`window.location.hash = '/labeling/${other.id}'`);
    await page.getByTestId('invite-refused').waitFor();
    expect(await labeler.count()).toBe(0);

    // Typing another page's address is refused by the server.
    const direct = await page.goto(`http://127.0.0.1:${serve.port}/datasets`);
    expect(direct?.status()).toBe(403);
    expect(await page.textContent('body')).toContain('opens only the labeler');
  });
});
