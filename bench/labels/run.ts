import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatasetStore } from '../../main/core/datasets/store';
import { buildDatasetFromLabels } from '../../main/core/labeling/build-dataset';
import { exportLabels, importLabels } from '../../main/core/labeling/label-files';
import { LabelStore } from '../../main/core/labeling/label-store';
import { LabelReview } from '../../main/core/labeling/review';
import { LabelingService } from '../../main/core/labeling/service';
import { openWorkspace } from '../../main/core/workspace';
import { tempDir } from '../../test/helpers/tmp';
import { insertSyntheticPairs } from '../fixtures';
import { loadAverage, type Measurement, percentile, type SuiteResult } from '../report';

const PAIRS = Number(process.env.BENCH_LABEL_PAIRS ?? 100_000);

/**
 * Label review at 100k pairs: two annotators' key presses on every pair (labels, skips, undos and relabels), exported,
 * imported into a second queue (and again: all duplicates), the conflict
 * queue's first page and stats, and building a dataset from the labels. The
 * functions run here in process; the studio runs export, import and build in a
 * job's worker process, so these are the times those jobs take.
 */
export async function run(): Promise<SuiteResult> {
  const t = tempDir('studio-bench-labels-');
  const measurements: Measurement[] = [];
  const loadBefore = loadAverage();
  try {
    const ws = openWorkspace(join(t.dir, 'ws'));
    const datasets = new DatasetStore(ws.db);
    const dataset = insertSyntheticPairs(datasets, 'bench pairs', PAIRS, (i) => ({
      prompt: `Question ${i}: explain topic ${i % 97} briefly.`,
      chosen: `Answer ${i}, with the example asked for.`,
      rejected: `Answer ${i}, without it.`,
    }));
    const labeling = new LabelingService(ws.db);
    const make = (name: string) =>
      labeling.createQueue({ name, kind: 'pairs', datasetId: dataset.id, guidelines: '', order: 'stored', seed: 1, overlap: 2 });
    const source = make('source');
    const target = make('target');
    const store = new LabelStore(ws.db);
    /**
     * Realistic key presses on every pair: mostly one label, with skips (some
     * pairs only skipped), relabels after an undo, and labels undone for good.
     */
    const labelAll = (queueId: number, annotator: string, pick: (i: number) => 'a' | 'b' | 'tie') => {
      const annotatorId = labeling.createAnnotator(annotator).id;
      const items = store.itemSummaries(queueId);
      const event = (itemId: number, action: 'label' | 'skip' | 'undo', label: 'a' | 'b' | 'tie' | null, i: number) =>
        store.insertEvent({
          itemId,
          annotatorId,
          action,
          label,
          shownLeft: i % 2 ? 'a' : 'b',
          rationale: null,
          confidence: null,
          msOnScreen: 1000,
        });
      store.transaction(() => {
        items.forEach((it, i) => {
          if (i % 53 === 0) return void event(it.id, 'skip', null, i);
          if (i % 31 === 0) event(it.id, 'skip', null, i);
          event(it.id, 'label', pick(i), i);
          if (i % 97 === 0) {
            event(it.id, 'undo', null, i);
            event(it.id, 'label', pick(i + 1), i);
          }
          if (i % 211 === 0) event(it.id, 'undo', null, i);
        });
      });
      return annotatorId;
    };
    labelAll(source.id, 'alice', (i) => (i % 10 === 0 ? 'b' : 'a'));
    const bob = labelAll(target.id, 'bob', (i) => (i % 7 === 0 ? 'tie' : 'a'));
    let t0 = performance.now();
    const path = join(t.dir, 'alice.jsonl');
    const file = exportLabels(ws.db, { queueId: source.id, path });
    measurements.push({ name: `export ${file.count} label lines`, value: performance.now() - t0, unit: 'ms' });

    t0 = performance.now();
    const report = await importLabels(ws.db, { queueId: target.id, path });
    measurements.push({ name: `import ${report.imported} label lines`, value: performance.now() - t0, unit: 'ms' });
    t0 = performance.now();
    const again = await importLabels(ws.db, { queueId: target.id, path });
    measurements.push({ name: `import the same file again (${again.duplicates} duplicates)`, value: performance.now() - t0, unit: 'ms' });

    const review = new LabelReview(ws.db);
    // Swap re-serves answered on 2.5% of bob's pairs (one in five inconsistent) and 500 conflicts decided.
    const targetItems = store.itemSummaries(target.id);
    review.store.transaction(() => {
      targetItems.forEach((it, i) => {
        if (i % 40 !== 0) return;
        review.store.insertRecheck({
          item_id: it.id,
          annotator_id: bob,
          label: i % 200 === 0 ? 'b' : 'a',
          shown_left: 'a',
          rationale: null,
          confidence: null,
          ms_on_screen: 900,
        });
      });
      const open = review.conflicts({ queueId: target.id, status: 'open', offset: 0, limit: 500 }).conflicts;
      for (const c of open) review.store.insertAdjudication({ itemId: c.itemId, annotatorId: bob, label: 'a', note: null });
    });
    t0 = performance.now();
    const conflicts = review.conflicts({ queueId: target.id, status: 'open', offset: 0, limit: 100 });
    measurements.push({ name: `labeling.conflicts, first page of ${conflicts.total}`, value: performance.now() - t0, unit: 'ms' });
    t0 = performance.now();
    const decided = review.conflicts({ queueId: target.id, status: 'adjudicated', offset: 400, limit: 100 });
    measurements.push({
      name: `labeling.conflicts, adjudicated page at 400 of ${decided.total}`,
      value: performance.now() - t0,
      unit: 'ms',
    });
    t0 = performance.now();
    const stats = labeling.stats(target.id);
    measurements.push({
      name: `labeling.stats (two annotators, every pair, ${stats.progress.labels} standing labels)`,
      value: performance.now() - t0,
      unit: 'ms',
    });
    // What the summaries' triggers (migrations 0011, 0012) add to each label write: one event per transaction, as labeling.record writes.
    const writes: number[] = [];
    for (const [i, it] of targetItems.slice(0, 200).entries()) {
      t0 = performance.now();
      store.transaction(
        () =>
          store.insertEvent({
            itemId: it.id,
            annotatorId: bob,
            action: 'label',
            label: i % 2 ? 'b' : 'tie',
            shownLeft: 'a',
            rationale: null,
            confidence: null,
            msOnScreen: 800,
          }),
        'immediate',
      );
      writes.push(performance.now() - t0);
    }
    writes.sort((x, y) => x - y);
    measurements.push({
      name: 'one label event written (median, summaries kept)',
      value: percentile(writes, 50),
      unit: 'ms',
      n: writes.length,
    });
    t0 = performance.now();
    labeling.stats(target.id);
    measurements.push({ name: 'labeling.stats again after those 200 relabels', value: performance.now() - t0, unit: 'ms' });
    // labeling.next on that queue (overlap 2, two annotators through every pair): the first call walks the queue's order from
    // the start, later ones from the annotator's cursor; with overlap 2 `remaining` also counts their labels on pairs still short.
    const carol = labeling.createAnnotator('carol').id;
    for (const [who, annotatorId] of [
      ['an annotator of every pair', bob],
      ['a new annotator', carol],
    ] as const) {
      t0 = performance.now();
      labeling.next(target.id, annotatorId);
      measurements.push({ name: `labeling.next for ${who}, first call`, value: performance.now() - t0, unit: 'ms' });
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        t0 = performance.now();
        labeling.next(target.id, annotatorId);
        times.push(performance.now() - t0);
      }
      times.sort((x, y) => x - y);
      measurements.push({ name: `labeling.next for ${who}, again (median)`, value: percentile(times, 50), unit: 'ms', n: times.length });
    }
    t0 = performance.now();
    const built = buildDatasetFromLabels(ws.db, { queueId: target.id, datasetName: 'built' });
    measurements.push({ name: `labeling.build: ${built.records} records, split and snapshot`, value: performance.now() - t0, unit: 'ms' });
    ws.close();
  } finally {
    rmSync(t.dir, { recursive: true, force: true });
  }
  const note = `${PAIRS} pairs; load average before ${loadBefore.map((x) => x.toFixed(1)).join(' ')}`;
  return { suite: 'labels', measurements: measurements.map((m) => ({ ...m, note })) };
}
