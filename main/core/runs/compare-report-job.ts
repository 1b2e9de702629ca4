/**
 * The comparison report's job (issue 15 item 9): `compare-report` gathers the
 * runs' settings, metric curves and evaluations by step — and, when asked,
 * the generations the Generations tab shows — and writes the HTML file and a
 * CSV per table that shared/compare-report.ts renders. Reading 50 runs × 5
 * curves of 2,000 steps and rendering them is 40–100 ms of CPU (more with
 * generations), so it runs in the job's worker process, with progress and
 * cancel, never on the thread that serves the UI. The Compare page's *Export
 * report* (`compare.startReport`) and `studio compare` (`compare.report`,
 * which waits for the job) write the same files.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import {
  checkpointRows,
  CompareReportParams,
  CompareReportResult,
  reportCsvs,
  reportHtml,
  reportRun,
  thin,
  type ReportData,
} from '../../../shared/compare-report';
import type { Run } from '../../../shared/runs';
import { EVAL_METRICS } from '../../../shared/runs';
import { SideBySideSet } from '../../../shared/side-by-side';
import { DatasetStore } from '../datasets/store';
import { openDatabase } from '../db/open';
import { sideBySide } from '../evals/side-by-side';
import { fileError } from '../file-errors';
import { defineJobKind } from '../jobs/kind';
import type { WorkerIo } from '../jobs/protocol';
import { JobStore } from '../jobs/store';
import { CompareStore } from './compare-store';
import { runEvalPoints } from './run-eval-points';
import { RunStore } from './store';

/** The curves a report draws: the training loss and every held-out metric the runs logged. */
const REPORT_CURVES = ['loss', ...EVAL_METRICS];

/**
 * Everything the report shows about some runs, read from the stores.
 * `onRun` is called after each run's curves and evaluations are read (the
 * job's progress; it may throw to stop).
 */
export function compareReportData(
  runs: RunStore,
  runIds: readonly number[],
  suite: string | null,
  options: { now?: number; onRun?: (done: number) => void } = {},
): ReportData {
  const picked = runIds.map((id) => runs.getRun(id));
  // Only the charted metrics are read (a run logs a dozen more per step).
  const store = new CompareStore(runs.db);
  const series: { run: Run; series: ReturnType<CompareStore['series']> }[] = [];
  const evals: ReportData['evals'] = {};
  for (const run of picked) {
    series.push({ run, series: store.series(run.id, REPORT_CURVES) });
    evals[String(run.id)] = runEvalPoints(runs, run.id);
    options.onRun?.(series.length);
  }
  const curves = REPORT_CURVES.map((metric) => ({
    metric,
    series: series
      .filter((s) => s.series[metric]?.steps.length)
      .map((s) => ({ runId: s.run.id, ...thin(s.series[metric]!.steps, s.series[metric]!.values) })),
  })).filter((c) => c.series.length > 0);
  return {
    title: `Comparison of ${picked.map((r) => `${r.name} (#${r.id})`).join(', ')}`,
    createdAt: options.now ?? Date.now(),
    suite,
    runs: picked.map(reportRun),
    evals,
    curves,
  };
}

// ---- The job -------------------------------------------------------------------------------------

/** A report job's parameters: the call's, with where to write settled before the job starts. */
export const CompareReportJobParams = CompareReportParams.extend({
  path: z.string().min(1),
  /** Whether the files go to the exports folder (then serve mode offers them as downloads by these names). */
  download: z.boolean(),
});
const CompareReportPayload = CompareReportJobParams.extend({
  dbPath: z.string().min(1),
  nativeBinding: z.string().optional(),
  artifactsDir: z.string().min(1),
});

/** Writes through a temp file and a rename, so a cancelled or crashed report leaves no half-written file. */
function writeWhole(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw fileError(err, path, 'write');
  }
}

/** Lets the worker read a cancel between steps (the reads are synchronous); a cancel before the files are written leaves none. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The worker's part: read, render and write the report. Nothing is written until everything is read and rendered. */
export async function writeCompareReport(payload: z.output<typeof CompareReportPayload>, io: WorkerIo): Promise<CompareReportResult> {
  const db = openDatabase(payload.dbPath, payload.nativeBinding ? { nativeBinding: payload.nativeBinding } : {});
  try {
    const jobs = new JobStore(db);
    const runs = new RunStore(db, jobs);
    const reading = payload.generations ? 0.6 : 0.8;
    io.progress(0, `Reading ${payload.runIds.length} runs`);
    let last = 0;
    const data = compareReportData(runs, payload.runIds, payload.suite ?? null, {
      onRun: (done) => {
        const now = Date.now();
        if (now - last > 100 || done === payload.runIds.length) {
          last = now;
          io.progress((done / payload.runIds.length) * reading, `Read ${done} of ${payload.runIds.length} runs`);
        }
      },
    });
    await turn();
    io.signal.throwIfAborted();
    if (payload.generations) {
      io.progress(reading, 'Reading the generations');
      const all = await sideBySide(
        { runs, datasets: new DatasetStore(db), artifactsDir: payload.artifactsDir },
        SideBySideSet.parse(payload.generations),
      );
      const keep = payload.generationsKeep ? new Set(payload.generationsKeep) : null;
      data.generations = keep ? { ...all, rows: all.rows.filter((r) => keep.has(r.promptHash)) } : all;
      data.generationsTotal = all.rows.length;
      await turn();
      io.signal.throwIfAborted();
    }
    io.progress(0.8, 'Rendering');
    const choices = { capability: payload.capability, alignment: payload.alignment, baseline: payload.baseline };
    const html = reportHtml(data, choices);
    const csvs = reportCsvs(data, choices);
    await turn();
    io.signal.throwIfAborted();
    io.progress(0.9, 'Writing');
    const stem = payload.path.replace(/\.html?$/i, '');
    const downloadStem = payload.download ? (payload.path.split(/[\\/]/).pop() ?? '').replace(/\.html?$/i, '') : null;
    const csv = csvs.map(({ table, text }) => {
      const path = `${stem}-${table}.csv`;
      writeWhole(path, text);
      return { table, path, downloadName: downloadStem === null ? null : `${downloadStem}-${table}.csv` };
    });
    writeWhole(payload.path, html);
    const result: CompareReportResult = {
      html: { path: payload.path, downloadName: downloadStem === null ? null : `${downloadStem}.html` },
      csv,
      runs: data.runs.length,
      checkpoints: checkpointRows(data.runs, data.evals, { suite: data.suite }).length,
      ...(data.generations ? { generations: data.generations.rows.length } : {}),
    };
    io.log('info', `Wrote ${payload.path} (${result.runs} runs, ${result.checkpoints} checkpoints) and ${csv.length} CSVs.`);
    return result;
  } finally {
    db.close();
  }
}

export const compareReportJob = defineJobKind({
  kind: 'compare-report',
  lane: 'light',
  params: CompareReportJobParams,
  result: CompareReportResult,
  title: (p) => `Comparison report of run${p.runIds.length === 1 ? '' : 's'} ${p.runIds.map((id) => `#${id}`).join(', ')}`,
  worker: { payload: CompareReportPayload, result: CompareReportResult, load: () => Promise.resolve(writeCompareReport) },
  run(ctx) {
    const { services } = ctx;
    return ctx.runWorker({
      ...ctx.params,
      dbPath: services.dbPath,
      artifactsDir: services.artifactsDir,
      ...(services.nativeBinding ? { nativeBinding: services.nativeBinding } : {}),
    });
  },
});
