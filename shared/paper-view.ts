/**
 * The paper's view (issue 15 item 5, the MMPO paper's figure): each
 * checkpoint a point at (capability, alignment), arrows from one checkpoint
 * to the next within a run in step order, one colour per run. Pure geometry
 * and an SVG string from it, so the Compare page (React SVG from the same
 * geometry) and the HTML report (`studio compare`, Export report) draw the
 * same figure, and tests can read it without a browser. SVG rather than
 * uPlot: uPlot has no arrows (they would be a draw hook over its canvas), and
 * a canvas cannot go into a self-contained report as text.
 */
import { formatMetricCell, formatValue, itemKey, type ItemMetrics } from './eval-columns';

/** Metrics where a smaller value is better: perplexities, bits per byte and losses. */
export function lowerIsBetter(metric: string): boolean {
  return /perplexity|bits_per_byte|loss/.test(metric);
}

/** A metric of one suite item ("multiple-choice mc.jsonl" × acc_norm). */
export interface MetricRef {
  itemKey: string;
  metric: string;
}

export const metricRefKey = (ref: MetricRef): string => `${ref.itemKey}|${ref.metric}`;

/** A checkpoint as the evaluation table and the paper's view read it. */
export interface CheckpointPoint {
  /** Unique per row: "base:<model hash>" or "run:<id>:<step>". */
  key: string;
  /** Null for a base model row (the starting model several runs share). */
  runId: number | null;
  step: number;
  label: string;
  items: ItemMetrics[];
}

/** A value with its interval where the result has one (±stderr, or the stored bootstrap interval). */
export interface MetricReading {
  value: number;
  low: number | null;
  high: number | null;
  /** "0.61 [0.52, 0.70]", "0.685 ± 0.033": as the tables print it. */
  text: string;
}

/** The reading of a metric in a checkpoint's items, or null where it has none (not evaluated, undefined). */
export function readMetric(items: readonly ItemMetrics[], ref: MetricRef): MetricReading | null {
  const item = items.find((i) => itemKey(i) === ref.itemKey);
  const value = item?.metrics[ref.metric];
  if (!item || typeof value !== 'number' || !Number.isFinite(value)) return null;
  const stderr = item.metrics[`${ref.metric}_stderr`];
  const low = item.metrics[`${ref.metric}_ci_low`];
  const high = item.metrics[`${ref.metric}_ci_high`];
  const text = formatMetricCell(item.metrics, ref.metric);
  if (typeof stderr === 'number' && Number.isFinite(stderr)) return { value, low: value - stderr, high: value + stderr, text };
  if (typeof low === 'number' && typeof high === 'number') return { value, low, high, text };
  return { value, low: null, high: null, text };
}

/** The axes' choices: capability from multiple-choice and text items, alignment from win-rate and preference items. */
const CAPABILITY = {
  'multiple-choice': ['acc_norm', 'acc'],
  perplexity: ['bits_per_byte', 'perplexity', 'byte_perplexity', 'word_perplexity'],
};
const ALIGNMENT = {
  'win-rate': ['win_rate', 'lc_win_rate'],
  preference: ['logps/accuracies', 'logps_per_token/accuracies', 'rewards/accuracies'],
};

function choices(rows: readonly CheckpointPoint[], table: Record<string, string[]>): MetricRef[] {
  const found = new Map<string, MetricRef>();
  for (const row of rows)
    for (const item of row.items)
      for (const metric of table[item.kind] ?? [])
        if (metric in item.metrics) found.set(`${itemKey(item)}|${metric}`, { itemKey: itemKey(item), metric });
  // In the table's order of preference: acc_norm before perplexity, win rate before preference accuracy.
  const rank = (ref: MetricRef) => {
    const kind = Object.keys(table).find((k) => ref.itemKey.startsWith(`${k} `))!;
    return Object.keys(table).indexOf(kind) * 10 + table[kind]!.indexOf(ref.metric);
  };
  return [...found.values()].sort((a, b) => rank(a) - rank(b));
}

export const capabilityChoices = (rows: readonly CheckpointPoint[]): MetricRef[] => choices(rows, CAPABILITY);
export const alignmentChoices = (rows: readonly CheckpointPoint[]): MetricRef[] => choices(rows, ALIGNMENT);

/** An axis' title: a lower-is-better metric is negated so that right and up are always better. */
export const axisTitle = (ref: MetricRef): string => (lowerIsBetter(ref.metric) ? `−${ref.metric}` : ref.metric);

export interface PaperRun {
  id: number;
  name: string;
  color: string;
  objective: string;
  beta: number | null;
}

export interface PaperPoint {
  key: string;
  runId: number;
  step: number;
  /** Data coordinates (capability negated where lower is better) and their intervals. */
  x: number;
  y: number;
  xLow: number | null;
  xHigh: number | null;
  yLow: number | null;
  yHigh: number | null;
  /** Pixel position. */
  px: number;
  py: number;
  /** What hovering says: run, step, both values with intervals. */
  title: string;
}

export interface PaperTrack {
  run: PaperRun;
  /** In step order; an arrow goes from each point to the next. */
  points: PaperPoint[];
}

export interface PaperGeometry {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  tracks: PaperTrack[];
  xTicks: { value: number; px: number; label: string }[];
  yTicks: { value: number; py: number; label: string }[];
  xTitle: string;
  yTitle: string;
  /** Checkpoints left out because they lack one of the two metrics. */
  missing: number;
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** The data range of values and their intervals, padded by 5% (a single value gets ±0.05 or ±5%). */
function range(values: number[]): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < 1e-12) {
    const pad = Math.abs(lo) > 1 ? Math.abs(lo) * 0.05 : 0.05;
    return [lo - pad, hi + pad];
  }
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  return [lo, hi];
}

/**
 * The figure for some runs: each run's track starts at its base model's row
 * (`baseOf(runId)`, the step-0 evaluation) and goes through its checkpoints in
 * step order. Rows without both metrics are left out (counted in `missing`).
 */
export function paperGeometry(
  runs: readonly PaperRun[],
  rowsOfRun: (runId: number) => readonly CheckpointPoint[],
  capability: MetricRef,
  alignment: MetricRef,
  size: { width: number; height: number } = { width: 640, height: 420 },
): PaperGeometry {
  const sign = lowerIsBetter(capability.metric) ? -1 : 1;
  let missing = 0;
  const raw = runs.map((run) => {
    const points: Omit<PaperPoint, 'px' | 'py'>[] = [];
    for (const row of [...rowsOfRun(run.id)].sort((a, b) => a.step - b.step)) {
      const x = readMetric(row.items, capability);
      const y = readMetric(row.items, alignment);
      if (!x || !y) {
        missing++;
        continue;
      }
      const [xLow, xHigh] = sign > 0 ? [x.low, x.high] : [x.high === null ? null : -x.high, x.low === null ? null : -x.low];
      points.push({
        key: row.key,
        runId: run.id,
        step: row.step,
        x: sign * x.value,
        y: y.value,
        xLow,
        xHigh,
        yLow: y.low,
        yHigh: y.high,
        title: `${run.name} (#${run.id}), step ${row.step}${row.runId === null ? ' (base model)' : ''}\n${capability.metric}: ${x.text}\n${alignment.metric}: ${y.text}`,
      });
    }
    return { run, points };
  });
  const all = raw.flatMap((t) => t.points);
  const xs = all.flatMap((p) => [p.x, p.xLow, p.xHigh]).filter((v): v is number => v !== null);
  const ys = all.flatMap((p) => [p.y, p.yLow, p.yHigh]).filter((v): v is number => v !== null);
  const [x0, x1] = xs.length ? range(xs) : [0, 1];
  const [y0, y1] = ys.length ? range(ys) : [0, 1];
  const plot = { left: 64, top: 16, right: size.width - 16, bottom: size.height - 48 };
  const px = (x: number) => plot.left + ((x - x0) / (x1 - x0)) * (plot.right - plot.left);
  const py = (y: number) => plot.bottom - ((y - y0) / (y1 - y0)) * (plot.bottom - plot.top);
  return {
    width: size.width,
    height: size.height,
    plot,
    tracks: raw.map(({ run, points }) => ({ run, points: points.map((p) => ({ ...p, px: px(p.x), py: py(p.y) })) })),
    xTicks: niceTicks(x0, x1).map((value) => ({ value, px: px(value), label: formatValue(value) })),
    yTicks: niceTicks(y0, y1).map((value) => ({ value, py: py(value), label: formatValue(value) })),
    xTitle: axisTitle(capability),
    yTitle: alignment.metric,
    missing,
  };
}

/** Text for HTML and SVG: the five characters that could end a text node or an attribute are escaped. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** A run's legend text: its name, objective and β. */
export const legendText = (run: PaperRun): string => `${run.name} — ${run.objective}${run.beta === null ? '' : `, β = ${run.beta}`}`;

/** The figure as a standalone SVG (the report's; the page draws the same geometry with React). */
export function paperViewSvg(g: PaperGeometry): string {
  const { plot } = g;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${g.width} ${g.height}" width="${g.width}" height="${g.height}" class="paper-view" font-family="sans-serif" font-size="11">`,
    '<defs>',
    ...g.tracks.map(
      (t) =>
        `<marker id="arrow-${t.run.id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="${escapeXml(t.run.color)}"/></marker>`,
    ),
    '</defs>',
    `<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}" fill="none" stroke="#d4d4d8"/>`,
    ...g.xTicks.map(
      (t) =>
        `<line x1="${r1(t.px)}" x2="${r1(t.px)}" y1="${plot.top}" y2="${plot.bottom}" stroke="#f4f4f5"/><text x="${r1(t.px)}" y="${plot.bottom + 14}" text-anchor="middle" fill="#71717a">${escapeXml(t.label)}</text>`,
    ),
    ...g.yTicks.map(
      (t) =>
        `<line x1="${plot.left}" x2="${plot.right}" y1="${r1(t.py)}" y2="${r1(t.py)}" stroke="#f4f4f5"/><text x="${plot.left - 6}" y="${r1(t.py) + 4}" text-anchor="end" fill="#71717a">${escapeXml(t.label)}</text>`,
    ),
    `<text x="${(plot.left + plot.right) / 2}" y="${g.height - 8}" text-anchor="middle">${escapeXml(g.xTitle)} (capability) →</text>`,
    `<text transform="translate(14 ${(plot.top + plot.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(g.yTitle)} (alignment) →</text>`,
  ];
  for (const track of g.tracks) {
    const color = escapeXml(track.run.color);
    parts.push(`<g class="paper-track" data-run-id="${track.run.id}" data-points="${track.points.length}">`);
    track.points.forEach((p, i) => {
      const next = track.points[i + 1];
      if (next)
        parts.push(
          `<line class="paper-arrow" x1="${r1(p.px)}" y1="${r1(p.py)}" x2="${r1(next.px)}" y2="${r1(next.py)}" stroke="${color}" stroke-width="1.5" marker-end="url(#arrow-${track.run.id})"/>`,
        );
    });
    for (const p of track.points)
      parts.push(
        `<circle class="paper-point" data-step="${p.step}" cx="${r1(p.px)}" cy="${r1(p.py)}" r="4" fill="${color}"><title>${escapeXml(p.title)}</title></circle>`,
      );
    parts.push('</g>');
  }
  parts.push('</svg>');
  return parts.join('');
}
