/**
 * Comparing checkpoints (issue 15 items 4 and 9): the evaluation table's rows
 * (the base model and each evaluated checkpoint of the chosen runs), best per
 * column and deltas against a baseline row, and the comparison report — one
 * self-contained HTML file (inline CSS, charts as inline SVG, no request
 * anywhere) plus each table as CSV. Pure, so the Compare page, the
 * `compare.report` handler and `studio compare` build the same tables, and
 * tests read them without a browser or a studio.
 */
import { z } from 'zod';
import { differingKeys, flatRunSettings, type SettingValue } from './compare-settings';
import { runColor } from './run-color';
import { formatMetricCell, formatValue, itemKey, metricColumns, type ItemMetrics, type MetricColumn } from './eval-columns';
import type { Run, RunEvalPoint } from './runs';
import { SIDE_BY_SIDE_MAX_PROMPTS, SideBySideSet, type SideBySide } from './side-by-side';
import {
  alignmentChoices,
  capabilityChoices,
  escapeXml,
  legendText,
  lowerIsBetter,
  metricRefKey,
  niceTicks,
  paperGeometry,
  paperViewSvg,
  readMetric,
  type CheckpointPoint,
  type MetricRef,
  type PaperRun,
} from './paper-view';

const Id = z.number().int().positive();

/** `compare.report`'s arguments and answer (the contract's block for it lives in contract.ts). */
export const CompareReportParams = z.object({
  runIds: z.array(Id).min(1).max(50),
  /** Only evaluations on this suite (by default every suite the runs were evaluated on). */
  suite: z.string().min(1).optional(),
  /** The paper's view's axes and the table's baseline row; defaults as on the page. */
  capability: z.object({ itemKey: z.string(), metric: z.string() }).optional(),
  alignment: z.object({ itemKey: z.string(), metric: z.string() }).optional(),
  baseline: z.string().optional(),
  /** Generations to show (a side-by-side set, as the Generations tab names it): its stored answers, nothing generated now. */
  generations: SideBySideSet.optional(),
  /**
   * The set's prompts to keep, by prompt hash (the rows the Generations tab's
   * filters leave); by default every prompt of the set.
   */
  generationsKeep: z
    .array(z.string().regex(/^[0-9a-f]{64}$/, 'a prompt hash (64 hex digits)'))
    .max(SIDE_BY_SIDE_MAX_PROMPTS)
    .optional(),
  /** Where to write the HTML file (the CSVs go beside it); by default the workspace's exports folder. */
  path: z.string().min(1).optional(),
});
export type CompareReportParams = z.input<typeof CompareReportParams>;

export const CompareReportFile = z.object({
  path: z.string(),
  /** The name to download it by in serve mode (null when written to a path given). */
  downloadName: z.string().nullable(),
});
export const CompareReportResult = z.object({
  html: CompareReportFile,
  csv: z.array(CompareReportFile.extend({ table: z.string() })),
  runs: z.number().int(),
  checkpoints: z.number().int(),
  /** The generations' prompts in the report, when it has generations. */
  generations: z.number().int().optional(),
});
export type CompareReportResult = z.infer<typeof CompareReportResult>;

/** A run as the report and the checkpoint table need it. */
export interface ReportRun extends PaperRun {
  modelName: string;
  modelHash: string | null;
  /** The TRL output folder a run trained elsewhere was imported from (issue 16); null for the studio's own runs. */
  importedFrom: string | null;
  /** Flat settings (nested keys joined with '.'), as the Compare page's runs table lists them (compare-settings.ts). */
  settings: Record<string, SettingValue>;
}

/** A run as the report, the Checkpoints tab and its paper's view need it: its settings as the runs table lists them. */
export function reportRun(run: Run): ReportRun {
  const { objective } = run.config;
  return {
    id: run.id,
    name: run.name,
    color: runColor(run.id),
    objective: objective.objective,
    beta: 'beta' in objective && typeof objective.beta === 'number' ? objective.beta : null,
    modelName: run.modelName,
    modelHash: run.modelHash,
    importedFrom: run.imported?.sourceDir ?? null,
    settings: flatRunSettings(run),
  };
}

export interface ReportData {
  title: string;
  createdAt: number;
  suite: string | null;
  runs: ReportRun[];
  /** Each run's evaluations by step (runs.evals). */
  evals: Record<string, RunEvalPoint[]>;
  /** Metric curves: per metric, each run's points. */
  curves: { metric: string; series: { runId: number; steps: number[]; values: number[] }[] }[];
  /** Selected generations (a side-by-side set's stored answers, only the prompts kept), when asked for. */
  generations?: SideBySide;
  /** How many prompts the generations' set holds (more than its rows when only some were kept). */
  generationsTotal?: number;
}

// ---- The evaluation table ---------------------------------------------------------------------

/** Where a checkpoint's evaluation stands. */
export type RowStatus = 'evaluated' | 'queued' | 'running' | 'failed' | 'cancelled' | 'interrupted' | 'paused' | 'not evaluated';

export interface CheckpointRow extends CheckpointPoint {
  /** The runs this row belongs to (a base row: every run that started from that model). */
  runIds: number[];
  status: RowStatus;
  /** The reason of a failed evaluation. */
  error: string | null;
}

/** The base row's key: runs that started from the same weights share one. */
const baseKey = (run: { id: number; modelHash: string | null }) => `base:${run.modelHash ?? `run-${run.id}`}`;

/** Where a step's evaluations stand: running or queued first, then evaluated (any result), then how it ended. */
function statusOf(points: readonly RunEvalPoint[]): { status: RowStatus; error: string | null } {
  for (const s of ['running', 'queued'] as const) if (points.some((p) => p.status === s)) return { status: s, error: null };
  if (points.some((p) => p.results.length > 0)) return { status: 'evaluated', error: null };
  const last = points[points.length - 1];
  if (!last) return { status: 'not evaluated', error: null };
  return { status: last.status === 'succeeded' ? 'evaluated' : last.status, error: last.error?.message ?? null };
}

/** A step's results as table items: the newest result per suite item. */
function itemsOf(points: readonly RunEvalPoint[]): ItemMetrics[] {
  const newest = new Map<string, ItemMetrics & { id: number }>();
  for (const result of points.flatMap((p) => p.results)) {
    const key = itemKey(result);
    const seen = newest.get(key);
    if (!seen || seen.id < result.id)
      newest.set(key, { kind: result.kind, label: result.label, metrics: result.metrics, resultId: result.id, id: result.id });
  }
  return [...newest.values()].map(({ id: _id, ...item }) => item);
}

/**
 * The table's rows: one base row per starting model (the runs' step-0
 * evaluations; runs from the same weights share it), then each run's steps in
 * order — every evaluated step, and every checkpoint on disk that has no
 * evaluation yet (`checkpointSteps`), which the page offers to evaluate.
 */
export function checkpointRows(
  runs: readonly ReportRun[],
  evals: Readonly<Record<string, readonly RunEvalPoint[]>>,
  options: { suite?: string | null; checkpointSteps?: Readonly<Record<string, readonly number[]>> } = {},
): CheckpointRow[] {
  const bases = new Map<string, { run: ReportRun; points: RunEvalPoint[]; runIds: number[] }>();
  const steps: CheckpointRow[] = [];
  for (const run of runs) {
    const points = (evals[String(run.id)] ?? []).filter((p) => !options.suite || p.suite === options.suite);
    const base = bases.get(baseKey(run)) ?? bases.set(baseKey(run), { run, points: [], runIds: [] }).get(baseKey(run))!;
    base.runIds.push(run.id);
    base.points.push(...points.filter((p) => p.step === 0));
    const byStep = new Map<number, RunEvalPoint[]>();
    for (const p of points) if (p.step > 0) byStep.set(p.step, [...(byStep.get(p.step) ?? []), p]);
    for (const step of options.checkpointSteps?.[String(run.id)] ?? []) if (step > 0 && !byStep.has(step)) byStep.set(step, []);
    for (const [step, at] of [...byStep].sort(([a], [b]) => a - b))
      steps.push({
        key: `run:${run.id}:${step}`,
        runId: run.id,
        runIds: [run.id],
        step,
        label: `${run.name} · step ${step}`,
        items: itemsOf(at),
        ...statusOf(at),
      });
  }
  const baseRows: CheckpointRow[] = [...bases].map(([key, { run, points, runIds }]) => ({
    key,
    runId: null,
    runIds,
    step: 0,
    label: `base · ${run.modelName}`,
    items: itemsOf(points),
    ...statusOf(points),
  }));
  return [...baseRows, ...steps];
}

/** A run's track through the table: its base row, then its checkpoints. */
export function rowsOfRun(rows: readonly CheckpointRow[], runId: number): CheckpointRow[] {
  return rows.filter((r) => r.runIds.includes(runId));
}

export const columnRef = (c: MetricColumn): MetricRef => ({ itemKey: c.itemKey, metric: c.metric });

/** The table's metric columns: each suite item's headline metrics (eval-columns.ts). */
export const tableColumns = (rows: readonly CheckpointRow[]): MetricColumn[] => metricColumns(rows.map((r) => r.items));

/**
 * Per column, the keys of the rows holding its best value (highest; lowest
 * for perplexities, bits per byte and losses; every row that ties). A column
 * with fewer than two values has no best.
 */
export function bestPerColumn(rows: readonly CheckpointRow[], columns: readonly MetricColumn[]): Map<string, Set<string>> {
  const best = new Map<string, Set<string>>();
  for (const column of columns) {
    const ref = columnRef(column);
    const values = rows
      .map((r) => ({ key: r.key, value: readMetric(r.items, ref)?.value }))
      .filter((v): v is { key: string; value: number } => v.value !== undefined);
    if (values.length < 2) continue;
    const top = lowerIsBetter(column.metric) ? Math.min(...values.map((v) => v.value)) : Math.max(...values.map((v) => v.value));
    best.set(metricRefKey(ref), new Set(values.filter((v) => v.value === top).map((v) => v.key)));
  }
  return best;
}

/** A row's value minus the baseline row's, or null where either is missing. */
export function deltaOf(row: CheckpointRow, baseline: CheckpointRow | undefined, ref: MetricRef): number | null {
  const a = readMetric(row.items, ref);
  const b = baseline ? readMetric(baseline.items, ref) : null;
  return a && b ? a.value - b.value : null;
}

/** "+0.031" / "−1.2" / "±0"; whether the change is an improvement is the metric's direction's to say. */
export function formatDelta(delta: number): string {
  if (delta === 0) return '±0';
  return `${delta > 0 ? '+' : '−'}${formatValue(Math.abs(delta))}`;
}

/** Whether a delta is an improvement for the metric (up for accuracies, down for perplexity). */
export const improves = (delta: number, metric: string): boolean => (lowerIsBetter(metric) ? delta < 0 : delta > 0);

/** The default baseline: the first base row (the starting model). */
export const defaultBaseline = (rows: readonly CheckpointRow[]): CheckpointRow | undefined => rows.find((r) => r.runId === null) ?? rows[0];

// ---- CSV ----------------------------------------------------------------------------------------

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
export function csvField(value: string | number | boolean | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvText = (rows: readonly (readonly (string | number | boolean | null | undefined)[])[]): string =>
  rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n';

/** The evaluation table: a row per checkpoint; per metric its value, interval and delta against the baseline. */
export function evaluationCsv(
  rows: readonly CheckpointRow[],
  columns: readonly MetricColumn[],
  baseline: CheckpointRow | undefined,
): string {
  const header = ['checkpoint', 'run_id', 'step', 'status'];
  for (const c of columns) {
    const name = `${c.itemKey} ${c.metric}`;
    header.push(name, `${name} low`, `${name} high`, `${name} delta`);
  }
  const body = rows.map((row) => {
    const cells: (string | number | null)[] = [row.label, row.runId, row.step, row.status];
    for (const c of columns) {
      const reading = readMetric(row.items, columnRef(c));
      cells.push(reading?.value ?? null, reading?.low ?? null, reading?.high ?? null, deltaOf(row, baseline, columnRef(c)));
    }
    return cells;
  });
  return csvText([header, ...body]);
}

export function settingsCsv(runs: readonly ReportRun[], keys: readonly string[]): string {
  return csvText([['run_id', 'run', ...keys], ...runs.map((r) => [r.id, r.name, ...keys.map((k) => r.settings[k] ?? null)])]);
}

export function curvesCsv(data: ReportData): string {
  const names = new Map(data.runs.map((r) => [r.id, r.name]));
  const rows: (string | number)[][] = [['run_id', 'run', 'metric', 'step', 'value']];
  for (const curve of data.curves)
    for (const s of curve.series)
      s.steps.forEach((step, i) => rows.push([s.runId, names.get(s.runId) ?? '', curve.metric, step, s.values[i]!]));
  return csvText(rows);
}

/** A row per prompt; per column its answer and verdict (pass/fail by the rules, win/tie/loss against the first column). */
export function generationsCsv(g: SideBySide): string {
  const header = ['prompt', ...g.columns.flatMap((c) => [c.name, `${c.name} verdict`])];
  const verdict = (cell: SideBySide['rows'][number]['cells'][number]) =>
    [
      cell.verdict?.pass === null || cell.verdict?.pass === undefined ? null : cell.verdict.pass ? 'pass' : 'fail',
      cell.verdict?.vsBase ?? null,
    ]
      .filter((v) => v !== null)
      .join(' ');
  return csvText([header, ...g.rows.map((r) => [r.prompt, ...r.cells.flatMap((c) => [c.text, verdict(c)])])]);
}

/** The generations as a table: a row per prompt, a column per checkpoint, each answer with its verdict. */
export function generationsHtml(g: SideBySide): string {
  const cell = (c: SideBySide['rows'][number]['cells'][number]) => {
    const v = c.verdict;
    const tags = [
      v?.pass === true ? 'pass' : v?.pass === false ? `fail${v.reason ? `: ${v.reason}` : ''}` : null,
      v?.vsBase ? `${v.vsBase} vs first column` : null,
    ].filter((t) => t !== null);
    return `<td class="gen">${c.text === null ? '<span class="note">not generated</span>' : escapeXml(c.text)}${
      tags.length ? `<br><span class="note">${escapeXml(tags.join(' · '))}</span>` : ''
    }</td>`;
  };
  return (
    `<table id="generations-table"><thead><tr><th>prompt</th>${g.columns.map((c) => `<th>${escapeXml(c.name)}</th>`).join('')}</tr></thead><tbody>` +
    g.rows
      .map(
        (r) => `<tr data-prompt="${escapeXml(r.promptHash)}"><td class="gen">${escapeXml(r.prompt)}</td>${r.cells.map(cell).join('')}</tr>`,
      )
      .join('') +
    '</tbody></table>'
  );
}

// ---- Charts as SVG ---------------------------------------------------------------------------------

/** At most `max` points of a curve, evenly spaced, the first and last kept (the report's charts are 640 px wide). */
export function thin(steps: readonly number[], values: readonly number[], max = 250): { steps: number[]; values: number[] } {
  if (steps.length <= max) return { steps: [...steps], values: [...values] };
  const out = { steps: [] as number[], values: [] as number[] };
  const stride = (steps.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) {
    const j = Math.round(i * stride);
    out.steps.push(steps[j]!);
    out.values.push(values[j]!);
  }
  return out;
}

/** One metric's curves, a line per run in its colour, x the step. */
export function curveSvg(curve: ReportData['curves'][number], runs: readonly ReportRun[], size = { width: 640, height: 260 }): string {
  const colors = new Map(runs.map((r) => [r.id, r.color]));
  const series = curve.series.filter((s) => s.steps.length > 0);
  const xs = series.flatMap((s) => [s.steps[0]!, s.steps[s.steps.length - 1]!]);
  const ys = series.flatMap((s) => s.values.filter(Number.isFinite));
  const [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  const [y0, y1] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  const [ylo, yhi] = y1 > y0 ? [y0, y1] : [y0 - 0.5, y1 + 0.5];
  const [xlo, xhi] = x1 > x0 ? [x0, x1] : [x0 - 0.5, x1 + 0.5];
  const plot = { left: 56, top: 12, right: size.width - 12, bottom: size.height - 36 };
  const px = (x: number) => r1(plot.left + ((x - xlo) / (xhi - xlo)) * (plot.right - plot.left));
  const py = (y: number) => r1(plot.bottom - ((y - ylo) / (yhi - ylo)) * (plot.bottom - plot.top));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size.width} ${size.height}" width="${size.width}" height="${size.height}" class="curve" data-metric="${escapeXml(curve.metric)}" font-family="sans-serif" font-size="11">`,
    `<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}" fill="none" stroke="#d4d4d8"/>`,
    ...niceTicks(ylo, yhi, 4).map(
      (v) =>
        `<line x1="${plot.left}" x2="${plot.right}" y1="${py(v)}" y2="${py(v)}" stroke="#f4f4f5"/><text x="${plot.left - 6}" y="${py(v) + 4}" text-anchor="end" fill="#71717a">${escapeXml(formatValue(v))}</text>`,
    ),
    ...niceTicks(xlo, xhi, 6).map(
      (v) => `<text x="${px(v)}" y="${plot.bottom + 14}" text-anchor="middle" fill="#71717a">${escapeXml(formatValue(v))}</text>`,
    ),
    `<text x="${(plot.left + plot.right) / 2}" y="${size.height - 6}" text-anchor="middle">step</text>`,
  ];
  for (const s of series) {
    const t = thin(s.steps, s.values);
    const d = t.steps.map((x, i) => (Number.isFinite(t.values[i]) ? `${px(x)},${py(t.values[i]!)}` : null)).filter((p) => p !== null);
    parts.push(
      `<polyline class="curve-run" data-run-id="${s.runId}" fill="none" stroke="${escapeXml(colors.get(s.runId) ?? '#71717a')}" stroke-width="1.5" points="${d.join(' ')}"/>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

const r1 = (v: number) => Math.round(v * 10) / 10;

// ---- The report -------------------------------------------------------------------------------------

export interface ReportChoices {
  capability?: MetricRef;
  alignment?: MetricRef;
  /** The baseline row's key. */
  baseline?: string;
}

/** What the report shows, worked out once (the HTML and the CSVs read the same). */
export function reportTables(data: ReportData, choices: ReportChoices = {}) {
  const rows = checkpointRows(data.runs, data.evals, { suite: data.suite });
  const columns = tableColumns(rows);
  const baseline = rows.find((r) => r.key === choices.baseline) ?? defaultBaseline(rows);
  const capability = choices.capability ?? capabilityChoices(rows)[0];
  const alignment = choices.alignment ?? alignmentChoices(rows)[0];
  const paper =
    capability && alignment
      ? paperGeometry(data.runs, (id) => rowsOfRun(rows, id), capability, alignment, { width: 720, height: 460 })
      : null;
  const settingKeys = differingKeys(data.runs.map((r) => r.settings));
  return { rows, columns, baseline, capability, alignment, paper, settingKeys };
}

export function reportCsvs(data: ReportData, choices: ReportChoices = {}): { table: string; text: string }[] {
  const t = reportTables(data, choices);
  return [
    { table: 'settings', text: settingsCsv(data.runs, t.settingKeys) },
    { table: 'evaluations', text: evaluationCsv(t.rows, t.columns, t.baseline) },
    { table: 'curves', text: curvesCsv(data) },
    ...(data.generations ? [{ table: 'generations', text: generationsCsv(data.generations) }] : []),
  ];
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#18181b;margin:2rem auto;max-width:1100px;padding:0 1rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #e4e4e7;padding-bottom:.25rem}
table{border-collapse:collapse;font-size:12px;margin:.5rem 0}th,td{border:1px solid #e4e4e7;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f5}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.best{font-weight:700;background:#ecfdf5}.delta{color:#71717a;font-size:11px}.up{color:#047857}.down{color:#be123c}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:middle}
.legend{display:flex;flex-wrap:wrap;gap:.25rem 1rem;font-size:12px;margin:.25rem 0}.note{color:#71717a;font-size:12px}
figure{margin:.5rem 0}td.gen{white-space:pre-wrap;max-width:28rem}figcaption{font-size:12px;font-weight:600}
.tag{margin-left:4px;padding:0 4px;border-radius:3px;background:#e0f2fe;color:#075985;font-size:10px;font-weight:600}
`;

const swatch = (color: string) => `<span class="swatch" style="background:${escapeXml(color)}"></span>`;

/** The mark of a run trained elsewhere and imported (as the Runs and Compare pages' TRL badge). */
const importedTag = (run: ReportRun) =>
  run.importedFrom === null
    ? ''
    : `<span class="tag" data-imported title="Trained elsewhere with TRL; imported from ${escapeXml(run.importedFrom)}">TRL</span>`;

/** What the generations section shows: how many of the set's prompts, and the judge. */
function generationsNote(data: ReportData): string {
  const g = data.generations!;
  const total = data.generationsTotal ?? g.rows.length;
  const shown =
    total === g.rows.length
      ? total === 1
        ? 'The set’s one prompt'
        : `All ${total} prompts of the set`
      : `${g.rows.length} of the set’s ${total} prompts (those kept on the Generations tab)`;
  return `${shown} through ${g.columns.length} models. Judge: ${escapeXml(g.judge)}; verdicts against the first column.`;
}

/** The comparison as one self-contained HTML document: every user string escaped, no script, no request. */
export function reportHtml(data: ReportData, choices: ReportChoices = {}): string {
  const t = reportTables(data, choices);
  const legend = `<div class="legend">${data.runs.map((r) => `<span data-run-id="${r.id}">${swatch(r.color)}${escapeXml(legendText(r))}${importedTag(r)}</span>`).join('')}</div>`;
  const settingsTable =
    `<table id="settings-table"><thead><tr><th>run</th>${t.settingKeys.map((k) => `<th>${escapeXml(k)}</th>`).join('')}</tr></thead><tbody>` +
    data.runs
      .map(
        (r) =>
          `<tr data-run-id="${r.id}"><td>${swatch(r.color)}${escapeXml(r.name)} (#${r.id})${importedTag(r)}</td>${t.settingKeys
            .map((k) => `<td>${escapeXml(String(r.settings[k] ?? '—'))}</td>`)
            .join('')}</tr>`,
      )
      .join('') +
    '</tbody></table>';
  const best = bestPerColumn(t.rows, t.columns);
  const evalTable =
    `<table id="evaluation-table"><thead><tr><th>checkpoint</th><th>status</th>${t.columns
      .map(
        (c) =>
          `<th title="${escapeXml(c.itemKey)}">${escapeXml(c.label)}<br>${escapeXml(c.metric)}${lowerIsBetter(c.metric) ? ' ↓' : ' ↑'}</th>`,
      )
      .join('')}</tr></thead><tbody>` +
    t.rows
      .map((row) => {
        const color = row.runId === null ? '#a1a1aa' : (data.runs.find((r) => r.id === row.runId)?.color ?? '#a1a1aa');
        const cells = t.columns.map((c) => {
          const ref = columnRef(c);
          const item = row.items.find((i) => itemKey(i) === c.itemKey);
          if (!item) return '<td class="num">—</td>';
          const delta = row === t.baseline ? null : deltaOf(row, t.baseline, ref);
          const isBest = best.get(metricRefKey(ref))?.has(row.key) ?? false;
          const deltaHtml =
            delta === null
              ? ''
              : `<br><span class="delta ${improves(delta, c.metric) ? 'up' : delta === 0 ? '' : 'down'}">${formatDelta(delta)}</span>`;
          return `<td class="num${isBest ? ' best' : ''}">${escapeXml(formatMetricCell(item.metrics, c.metric))}${isBest ? ' ★' : ''}${deltaHtml}</td>`;
        });
        return `<tr data-row="${escapeXml(row.key)}"><td>${swatch(color)}${escapeXml(row.label)}${row === t.baseline ? ' <em>(baseline)</em>' : ''}</td><td>${escapeXml(row.status)}</td>${cells.join('')}</tr>`;
      })
      .join('') +
    '</tbody></table>';
  const curves = data.curves
    .map((c) => `<figure><figcaption>${escapeXml(c.metric)}</figcaption>${curveSvg(c, data.runs)}</figure>`)
    .join('');
  const paper = t.paper
    ? `${paperViewSvg(t.paper)}<p class="note">Each point a checkpoint (hover for its values), arrows in step order from the base model; right and up are better.${
        t.paper.missing ? ` ${t.paper.missing} checkpoint(s) without both metrics are left out.` : ''
      }</p>`
    : '<p class="note">The paper’s view needs a capability metric (multiple choice, perplexity) and an alignment metric (win rate, preference accuracy) in the runs’ evaluations.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeXml(data.title)}</title><style>${CSS}</style></head>
<body>
<h1>${escapeXml(data.title)}</h1>
<p class="note">Written by Alignment Studio on ${escapeXml(new Date(data.createdAt).toISOString())}${data.suite ? ` — evaluations on suite ${escapeXml(data.suite)}` : ''}. Runs: ${data.runs.length}; checkpoints: ${t.rows.length}.</p>
${legend}
<section id="runs"><h2>What differs between the runs</h2>${t.settingKeys.length ? settingsTable : '<p class="note">The runs share every setting.</p>'}</section>
<section id="curves"><h2>Metric curves</h2>${curves || '<p class="note">No metrics logged.</p>'}</section>
<section id="evaluations"><h2>Evaluation table</h2><p class="note">Value ± standard error or [95% interval] as stored; under it the change against the baseline row (green: better). ★ best per column (↑ higher is better, ↓ lower).</p>${t.rows.length ? evalTable : '<p class="note">No evaluations yet.</p>'}</section>
<section id="paper-view"><h2>The paper’s view: alignment against capability</h2>${legend}${paper}</section>
${data.generations ? `<section id="generations"><h2>Generations</h2><p class="note">${generationsNote(data)}</p>${generationsHtml(data.generations)}</section>\n` : ''}</body></html>
`;
}
