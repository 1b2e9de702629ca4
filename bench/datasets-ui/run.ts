import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatasetStore } from '../../main/core/datasets/store';
import { openWorkspace } from '../../main/core/workspace';
import { launchChromium } from '../../test/helpers/browser';
import { startServe } from '../../test/helpers/serve';
import { tempDir } from '../../test/helpers/tmp';
import { insertSyntheticPairs } from '../fixtures';
import { percentile, type Measurement, type SuiteResult } from '../report';

/**
 * The records table at 100k rows in real Chromium against `studio serve`:
 * time until the first rows show, frame times while wheel-scrolling, and the
 * time for a jump to the end to show the last rows. Needs the built renderer
 * (npm run build) and Debian's Chromium.
 */
export async function run(): Promise<SuiteResult> {
  const t = tempDir('studio-bench-ui-');
  const workspace = join(t.dir, 'ws');
  const measurements: Measurement[] = [];
  // 100k records written straight into a new workspace through its store; the studio under test is `studio serve`.
  const fixture = openWorkspace(workspace);
  const datasets = new DatasetStore(fixture.db);
  const dataset = insertSyntheticPairs(datasets, 'bench 100k', 100_000, (i) => ({
    prompt: `Question ${i} about topic ${i % 97} with a few more words to wrap`,
    chosen: `Answer ${i}, careful and long enough to fill the cell of the table`,
    rejected: `bad ${i}`,
  }));
  fixture.close();
  const serve = await startServe(workspace, { STUDIO_NO_DEMO: '1' });
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    await page.goto(serve.url);
    await page.getByTestId('workspace-header').waitFor();
    let t0 = performance.now();
    await page.evaluate(`location.hash = '#/datasets/${dataset.id}'`);
    await page.getByTestId('record-row').first().waitFor();
    measurements.push({ name: 'records table: first rows visible (100k records)', value: performance.now() - t0, unit: 'ms' });

    await page.evaluate(
      `(() => { window.__gaps = []; let last = performance.now(); const tick = (now) => { window.__gaps.push(now - last); last = now; if (!window.__stop) requestAnimationFrame(tick); }; requestAnimationFrame(tick); })()`,
    );
    await page.getByTestId('records-table').hover();
    for (let i = 0; i < 80; i++) {
      await page.mouse.wheel(0, 1200);
      await page.waitForTimeout(16);
    }
    await page.evaluate('window.__stop = true');
    const gaps = (await page.evaluate<number[]>('window.__gaps')).slice(2).sort((a, b) => a - b);
    measurements.push({ name: 'wheel scroll frame time p50', value: percentile(gaps, 50), unit: 'ms', n: gaps.length });
    measurements.push({
      name: 'wheel scroll frame time p95',
      value: percentile(gaps, 95),
      unit: 'ms',
      n: gaps.length,
      note: '16.7 ms = 60 fps',
    });

    t0 = performance.now();
    await page.evaluate(`(() => { const el = document.querySelector('[data-testid=records-table]'); el.scrollTop = el.scrollHeight; })()`);
    await page.getByTestId('record-id').getByText('100000', { exact: true }).waitFor({ timeout: 30_000 });
    measurements.push({ name: 'jump to the end: last row visible', value: performance.now() - t0, unit: 'ms' });
    measurements.push({ name: 'rows in the DOM (virtualized)', value: await page.getByTestId('record-row').count(), unit: 'rows' });
  } finally {
    await browser.close();
    await serve.stop();
    t.cleanup();
  }
  return { suite: 'datasets-ui', measurements };
}
