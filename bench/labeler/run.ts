import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatasetStore } from '../../main/core/datasets/store';
import { LabelingService } from '../../main/core/labeling/service';
import { openWorkspace } from '../../main/core/workspace';
import type { LabelItem } from '../../shared/labeling';
import { launchChromium } from '../../test/helpers/browser';
import { callApi, startServe } from '../../test/helpers/serve';
import { tempDir } from '../../test/helpers/tmp';
import { loadAverage, percentile, type Measurement, type SuiteResult } from '../report';

const PAIRS = 100_000;
const PRESSES = 220;

/**
 * In the page before the studio loads: stamps each labeler key press with its
 * event time and, when the next pair's text is in the DOM, takes the time after
 * the frame that paints it (requestAnimationFrame, then a task). Its keydown
 * listener is registered before the labeler's, so it reads the pair shown
 * before the press.
 */
const PROBE = `
window.__latencies = [];
let pressedAt = null;
let shownBefore = null;
const labeler = () => document.querySelector('[data-testid=labeler]');
window.addEventListener('keydown', (e) => {
  if (e.key !== '1' && e.key !== '2') return;
  pressedAt = e.timeStamp;
  shownBefore = labeler()?.dataset.itemId ?? null;
}, true);
new MutationObserver(() => {
  const el = labeler();
  if (pressedAt === null || !el || !el.dataset.itemId || el.dataset.itemId === shownBefore) return;
  if (!document.querySelector('[data-testid=labeler-left-text]')) return;
  const start = pressedAt;
  pressedAt = null;
  requestAnimationFrame(() => setTimeout(() => window.__latencies.push(performance.now() - start), 0));
}).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
`;

/**
 * The labeler on a queue of 100k pairs in real Chromium against `studio
 * serve`: key press → the next pair's text on screen (p95 over 220 presses,
 * target ≤ 50 ms), and what the backend's record + next round trip costs at
 * that size. Needs the built renderer (npm run build) and Debian's Chromium.
 */
export async function run(): Promise<SuiteResult> {
  const t = tempDir('studio-bench-labeler-');
  const workspace = join(t.dir, 'ws');
  const measurements: Measurement[] = [];
  const loadBefore = loadAverage();
  // 100k pairs written straight into a new workspace; the studio under test is `studio serve`.
  const fixture = openWorkspace(workspace);
  const datasets = new DatasetStore(fixture.db);
  const dataset = datasets.createDataset('bench 100k pairs');
  for (let start = 0; start < PAIRS; start += 20_000) {
    datasets.insertRecords(
      dataset.id,
      null,
      Array.from({ length: 20_000 }, (_, k) => {
        const i = start + k;
        return {
          kind: 'preference' as const,
          prompt: [{ role: 'user', content: `Question ${i}: explain topic ${i % 97} in a short paragraph, with an example.` }],
          chosen: [
            {
              role: 'assistant',
              content: `Answer ${i}. **Topic ${i % 97}** is best seen through an example:\n\n- first point\n- second point\n\n\`\`\`python\nprint(${i})\n\`\`\``,
            },
          ],
          rejected: [{ role: 'assistant', content: `Answer ${i}, shorter and without the example the question asked for.` }],
          responses: null,
          system: null,
        };
      }),
    );
  }
  const labeling = new LabelingService(fixture.db);
  let t0 = performance.now();
  const queue = labeling.createQueue({
    name: 'bench',
    kind: 'pairs',
    datasetId: dataset.id,
    guidelines: '# Pick the answer that follows the question',
    order: 'random',
    seed: 1,
    overlap: 1,
  });
  measurements.push({ name: 'create a 100k-pair queue (in process)', value: performance.now() - t0, unit: 'ms' });
  const annotator = labeling.createAnnotator('bench');
  const other = labeling.createAnnotator('backend');
  fixture.close();

  const serve = await startServe(workspace, { STUDIO_NO_DEMO: '1' });
  const browser = await launchChromium();
  try {
    // The backend alone: record + next in one round trip over HTTP, as the labeler's write does.
    const roundTrips: number[] = [];
    let item = (await callApi(serve.port, serve.token, 'labeling.next', { queueId: queue.id, annotatorId: other.id })).json
      .value as LabelItem;
    for (let i = 0; i < 100; i++) {
      t0 = performance.now();
      const { json } = await callApi(serve.port, serve.token, 'labeling.record', {
        queueId: queue.id,
        annotatorId: other.id,
        action: 'label',
        itemId: item.id,
        choice: i % 2 ? 'left' : 'right',
        msOnScreen: 1000,
      });
      roundTrips.push(performance.now() - t0);
      item = (json.value as { next: LabelItem }).next;
    }
    roundTrips.sort((a, b) => a - b);
    measurements.push({ name: 'labeling.record + next over HTTP, p50', value: percentile(roundTrips, 50), unit: 'ms', n: 100 });
    measurements.push({ name: 'labeling.record + next over HTTP, p95', value: percentile(roundTrips, 95), unit: 'ms', n: 100 });

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.addInitScript(`localStorage.setItem('studio.labeling.annotator', '${annotator.id}');\n${PROBE}`);
    const page = await context.newPage();
    await page.goto(serve.url);
    await page.getByTestId('workspace-header').waitFor();
    t0 = performance.now();
    await page.evaluate(`location.hash = '#/labeling/${queue.id}'`);
    await page.getByTestId('labeler-left-text').waitFor();
    measurements.push({ name: 'labeler: first pair on screen', value: performance.now() - t0, unit: 'ms' });

    const pending = () => page.getByTestId('labeler-saved').getAttribute('data-pending');
    const nextReady = () => page.getByTestId('labeler').getAttribute('data-next-ready');
    for (let i = 0; i < PRESSES; i++) {
      await page.keyboard.press(i % 2 ? '1' : '2');
      // Polled from here: the studio's CSP forbids the eval waitForFunction needs.
      while ((await page.evaluate<number>('window.__latencies.length')) <= i) await page.waitForTimeout(5);
      // A person spends seconds on a pair: the next press comes once this write is answered and the pair after is prefetched.
      while ((await pending()) !== '0' || (await nextReady()) !== 'true') await page.waitForTimeout(5);
    }
    const latencies = (await page.evaluate<number[]>('window.__latencies')).sort((a, b) => a - b);
    const note = `load before ${loadBefore.join(' ')}, after ${loadAverage().join(' ')}`;
    measurements.push({ name: 'key press → next pair on screen, min', value: latencies[0]!, unit: 'ms', n: latencies.length });
    measurements.push({
      name: 'key press → next pair on screen, median',
      value: percentile(latencies, 50),
      unit: 'ms',
      n: latencies.length,
    });
    measurements.push({
      name: 'key press → next pair on screen, p95',
      value: percentile(latencies, 95),
      unit: 'ms',
      n: latencies.length,
      note: `target ≤ 50 ms; ${note}`,
    });
    measurements.push({
      name: 'key press → next pair on screen, max',
      value: latencies[latencies.length - 1]!,
      unit: 'ms',
      n: latencies.length,
    });
    const { json } = await callApi(serve.port, serve.token, 'labeling.stats', { queueId: queue.id });
    // A press answers either a new pair (a label) or a swap re-serve (a recheck, 5% by default): both are events on disk.
    const stats = json.value as { annotators: { name: string; labeled: number; swapConsistency?: { n: number } }[] };
    const mine = stats.annotators.find((a) => a.name === 'bench');
    const saved = (mine?.labeled ?? 0) + (mine?.swapConsistency?.n ?? 0);
    if (saved !== PRESSES) throw new Error(`The labeler saved ${saved} labels and rechecks for ${PRESSES} presses.`);
    measurements.push({ name: 'labels and rechecks acknowledged and on disk', value: saved, unit: 'labels' });
  } finally {
    await browser.close();
    await serve.stop();
    t.cleanup();
  }
  return { suite: 'labeler', measurements };
}
