import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Browser } from 'playwright-core';
import { DatasetStore } from '../../main/core/datasets/store';
import { LabelingService } from '../../main/core/labeling/service';
import { openWorkspace } from '../../main/core/workspace';
import { isRecheckPick, type LabelItem } from '../../shared/labeling';
import { launchChromium } from '../../test/helpers/browser';
import { callApi, startServe } from '../../test/helpers/serve';
import { tempDir } from '../../test/helpers/tmp';
import { insertSyntheticPairs } from '../fixtures';
import { loadAverage, percentile, type Measurement, type SuiteResult } from '../report';

const PAIRS = 100_000;
const PRESSES = 220;
/** Pairs left open at the end of the tail queue. */
const TAIL = 300;
/** Presses measured on the tail queue. */
const TAIL_PRESSES = 100;

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
  const dataset = insertSyntheticPairs(datasets, 'bench 100k pairs', PAIRS, (i) => ({
    prompt: `Question ${i}: explain topic ${i % 97} in a short paragraph, with an example.`,
    chosen: `Answer ${i}. **Topic ${i % 97}** is best seen through an example:\n\n- first point\n- second point\n\n\`\`\`python\nprint(${i})\n\`\`\``,
    rejected: `Answer ${i}, shorter and without the example the question asked for.`,
  }));
  const labeling = new LabelingService(fixture.db);
  let t0 = performance.now();
  const queueArgs = {
    name: 'bench',
    kind: 'pairs' as const,
    datasetId: dataset.id,
    guidelines: '# Pick the answer that follows the question',
    order: 'random' as const,
    seed: 1,
    overlap: 1,
  };
  const queue = labeling.createQueue(queueArgs);
  measurements.push({ name: 'create a 100k-pair queue (in process)', value: performance.now() - t0, unit: 'ms' });
  const annotator = labeling.createAnnotator('bench');
  const other = labeling.createAnnotator('backend');
  // A second queue over the same pairs that the annotator 'tail' has labeled but its last TAIL pairs: the labeler near the
  // end of a big queue, where every event of it stands (written through the real store, so the triggers keep the summaries).
  const tail = labeling.createQueue({ ...queueArgs, name: 'bench tail' });
  const tailAnnotator = labeling.createAnnotator('tail');
  t0 = performance.now();
  const tailItems = labeling.store.itemSummaries(tail.id).slice(0, PAIRS - TAIL);
  labeling.store.transaction(() => {
    tailItems.forEach((it, i) =>
      labeling.store.insertEvent({
        itemId: it.id,
        annotatorId: tailAnnotator.id,
        action: 'label',
        label: i % 3 ? 'a' : 'b',
        shownLeft: i % 2 ? 'a' : 'b',
        rationale: null,
        confidence: null,
        msOnScreen: 2000,
      }),
    );
    // Their swap re-serves came along the way and were answered, as in the labeler.
    for (const it of tailItems)
      if (isRecheckPick(tail.seed, it.id, tailAnnotator.id, tail.recheckShare ?? 0))
        labeling.review.store.insertRecheck({
          item_id: it.id,
          annotator_id: tailAnnotator.id,
          label: 'a',
          shown_left: 'a',
          rationale: null,
          confidence: null,
          ms_on_screen: 2000,
        });
  });
  measurements.push({
    name: `setup: ${tailItems.length} label events written on the tail queue`,
    value: performance.now() - t0,
    unit: 'ms',
  });
  // The backend alone, in process: labeling.next for that annotator (the open pairs are the last TAIL of the order).
  const nextTimes: number[] = [];
  for (let i = 0; i < 50; i++) {
    t0 = performance.now();
    labeling.next(tail.id, tailAnnotator.id);
    nextTimes.push(performance.now() - t0);
  }
  nextTimes.sort((a, b) => a - b);
  const tailName = `queue labeled but its last ${TAIL} of ${PAIRS / 1000}k pairs`;
  measurements.push({ name: `labeling.next in process, ${tailName}, p50`, value: percentile(nextTimes, 50), unit: 'ms', n: 50 });
  measurements.push({ name: `labeling.next in process, ${tailName}, p95`, value: percentile(nextTimes, 95), unit: 'ms', n: 50 });
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

    const note = () => `load before ${loadBefore.join(' ')}, after ${loadAverage().join(' ')}`;
    const start = await pressLatencies(browser, serve.url, queue.id, annotator.id, PRESSES);
    measurements.push({ name: 'labeler: first pair on screen', value: start.firstPair, unit: 'ms' });
    pushLatencies(measurements, '', start.latencies, note());
    const end = await pressLatencies(browser, serve.url, tail.id, tailAnnotator.id, TAIL_PRESSES);
    measurements.push({ name: `labeler: first pair on screen, ${tailName}`, value: end.firstPair, unit: 'ms' });
    pushLatencies(measurements, `, ${tailName}`, end.latencies, note());
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

/**
 * Opens the labeler on a queue as this annotator in a fresh page and presses
 * a label key `presses` times, each once the last write is answered and the
 * pair after is prefetched (a person spends seconds on a pair): the time to
 * the first pair, and each press's time to the next pair on screen, sorted.
 */
async function pressLatencies(
  browser: Browser,
  url: string,
  queueId: number,
  annotatorId: number,
  presses: number,
): Promise<{ firstPair: number; latencies: number[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    await context.addInitScript(`localStorage.setItem('studio.labeling.annotator', '${annotatorId}');\n${PROBE}`);
    const page = await context.newPage();
    await page.goto(url);
    await page.getByTestId('workspace-header').waitFor();
    const t0 = performance.now();
    await page.evaluate(`location.hash = '#/labeling/${queueId}'`);
    await page.getByTestId('labeler-left-text').waitFor();
    const firstPair = performance.now() - t0;
    const pending = () => page.getByTestId('labeler-saved').getAttribute('data-pending');
    const nextReady = () => page.getByTestId('labeler').getAttribute('data-next-ready');
    for (let i = 0; i < presses; i++) {
      await page.keyboard.press(i % 2 ? '1' : '2');
      // Polled from here: the studio's CSP forbids the eval waitForFunction needs.
      while ((await page.evaluate<number>('window.__latencies.length')) <= i) await page.waitForTimeout(5);
      while ((await pending()) !== '0' || (await nextReady()) !== 'true') await page.waitForTimeout(5);
    }
    return { firstPair, latencies: (await page.evaluate<number[]>('window.__latencies')).sort((a, b) => a - b) };
  } finally {
    await context.close();
  }
}

/** Min, median, p95 (against the 50 ms target) and max of sorted press latencies. */
function pushLatencies(measurements: Measurement[], suffix: string, latencies: number[], note: string): void {
  const n = latencies.length;
  measurements.push({ name: `key press → next pair on screen${suffix}, min`, value: latencies[0]!, unit: 'ms', n });
  measurements.push({ name: `key press → next pair on screen${suffix}, median`, value: percentile(latencies, 50), unit: 'ms', n });
  measurements.push({
    name: `key press → next pair on screen${suffix}, p95`,
    value: percentile(latencies, 95),
    unit: 'ms',
    n,
    note: `target ≤ 50 ms; ${note}`,
  });
  measurements.push({ name: `key press → next pair on screen${suffix}, max`, value: latencies[n - 1]!, unit: 'ms', n });
}
