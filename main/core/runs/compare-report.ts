/**
 * The comparison report (issue 15 item 9): `reports.compare` gathers the runs'
 * settings, metric curves and evaluations by step from the stores and writes
 * the HTML file and a CSV per table that shared/compare-report.ts renders —
 * the Compare page's *Export report* and `studio compare` both call it, so
 * they write the same file. It runs on the studio's thread: a few indexed
 * reads and string joins, with curves thinned to 250 points per run and
 * metric — a few ms for the handful of runs a report usually compares, but
 * about 40–100 ms to render 50 runs × 5 curves of 2,000 steps (measured on
 * the loaded CI machine), so a report of many runs should move into a job.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  checkpointRows,
  CompareReportParams,
  flattenSettings,
  reportCsvs,
  reportHtml,
  thin,
  type CompareReportResult,
  type ReportData,
  type ReportRun,
} from '../../../shared/compare-report';
import { runColor } from '../../../shared/run-color';
import type { Run } from '../../../shared/runs';
import { EVAL_METRICS } from '../../../shared/runs';
import { fileError } from '../file-errors';
import type { Handlers } from '../handlers';
import { CompareStore } from './compare-store';
import { runEvalPoints } from './run-evals';
import type { RunStore } from './store';

/** The curves a report draws: the training loss and every held-out metric the runs logged. */
const REPORT_CURVES = ['loss', ...EVAL_METRICS];

/** A run's flat settings, as the Compare page's runs table lists them (renderer/src/lib/compare-config.ts). */
export function reportRun(run: Run): ReportRun {
  const { model: _source, objective, lora, ...rest } = run.config;
  const { objective: name, ...switches } = objective;
  return {
    id: run.id,
    name: run.name,
    color: runColor(run.id),
    objective: name,
    beta: 'beta' in objective && typeof objective.beta === 'number' ? objective.beta : null,
    modelName: run.modelName,
    modelHash: run.modelHash,
    settings: {
      objective: name,
      ...flattenSettings({ objective: switches }),
      model: run.modelName,
      modelHash: run.modelHash,
      dataset: run.datasetName,
      snapshot: `${run.datasetName} · ${run.snapshotName}`,
      snapshotHash: run.snapshotHash,
      ...(lora === null ? { lora: 'full fine-tuning' } : flattenSettings({ lora })),
      ...flattenSettings(rest),
    },
  };
}

/** Everything the report shows about some runs, read from the stores. */
export function compareReportData(runs: RunStore, runIds: readonly number[], suite: string | null, now = Date.now()): ReportData {
  const picked = runIds.map((id) => runs.getRun(id));
  // Only the charted metrics are read (a run logs a dozen more per step).
  const store = new CompareStore(runs.db);
  const series = picked.map((run) => ({ run, series: store.series(run.id, REPORT_CURVES) }));
  const curves = REPORT_CURVES.map((metric) => ({
    metric,
    series: series
      .filter((s) => s.series[metric]?.steps.length)
      .map((s) => ({ runId: s.run.id, ...thin(s.series[metric]!.steps, s.series[metric]!.values) })),
  })).filter((c) => c.series.length > 0);
  return {
    title: `Comparison of ${picked.map((r) => `${r.name} (#${r.id})`).join(', ')}`,
    createdAt: now,
    suite,
    runs: picked.map(reportRun),
    evals: Object.fromEntries(picked.map((run) => [String(run.id), runEvalPoints(runs, run.id)])),
    curves,
  };
}

type ReportMethods = 'reports.compare';

export interface CompareReportDeps {
  runs: RunStore;
  exportsDir: string;
  /** A side-by-side set's stored answers (sideBySide.get), for the report's generations. */
  sideBySide: Handlers['sideBySide.get'];
}

export function compareReportHandlers(deps: CompareReportDeps): Pick<Handlers, ReportMethods> {
  return {
    'reports.compare': async (args) => {
      const params = CompareReportParams.parse(args);
      const data = compareReportData(deps.runs, params.runIds, params.suite ?? null);
      if (params.generations) data.generations = await deps.sideBySide(params.generations);
      const choices = { capability: params.capability, alignment: params.alignment, baseline: params.baseline };
      const base = `compare-${params.runIds.join('-')}`.slice(0, 80);
      const htmlPath = params.path ?? join(deps.exportsDir, `${base}-report.html`);
      const write = (path: string, text: string) => {
        try {
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, text);
        } catch (err) {
          throw fileError(err, path, 'write');
        }
      };
      write(htmlPath, reportHtml(data, choices));
      const stem = htmlPath.replace(/\.html?$/i, '');
      const csv = reportCsvs(data, choices).map(({ table, text }) => {
        const path = `${stem}-${table}.csv`;
        write(path, text);
        return { table, path, downloadName: params.path ? null : `${base}-report-${table}.csv` };
      });
      const result: CompareReportResult = {
        html: { path: htmlPath, downloadName: params.path ? null : `${base}-report.html` },
        csv,
        runs: data.runs.length,
        checkpoints: checkpointRows(data.runs, data.evals, { suite: data.suite }).length,
      };
      return result;
    },
  };
}
