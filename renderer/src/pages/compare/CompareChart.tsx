import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatMetric } from '../runs/run-format';

/**
 * One metric of many runs in one uPlot chart. Every chart of the page shares
 * a sync key: hovering one moves the cursor in all of them, and a drag-zoom
 * on the x axis (double-click resets) zooms them all. The legend of 50 runs
 * would repaint 50 cells per mouse move, so instead one line under the chart
 * names the run nearest the cursor and its value.
 */

/** A chart off the screen is built when the browser is next idle, at the latest this long after the page drew. */
const IDLE_BUILD_MS = 2000;

/** The element the chart scrolls in (null: the window). */
function scrollParent(el: HTMLElement): HTMLElement | null {
  for (let p = el.parentElement; p; p = p.parentElement) if (/(auto|scroll)/.test(getComputedStyle(p).overflowY)) return p;
  return null;
}

export interface ChartLine {
  label: string;
  color: string;
  values: (number | null)[];
  /** `raw`: faint, behind its smoothed line; `line`: a run's curve or a group's mean; `band`: a group's min or max edge. */
  role: 'raw' | 'line' | 'band';
}

export interface ChartData {
  x: number[];
  lines: ChartLine[];
  /** Pairs of series (indices into `lines`) whose space between is filled: a group's max and min. */
  bands: { upper: number; lower: number; color: string }[];
}

const AXIS = {
  stroke: '#71717a',
  grid: { stroke: 'rgba(113,113,122,0.15)', width: 1 },
  ticks: { stroke: 'rgba(113,113,122,0.3)', width: 1 },
};

function tick(value: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return value.toExponential(1);
  return String(Number(value.toPrecision(3)));
}

function options(data: ChartData, width: number, height: number, syncKey: string, onCursor: (u: uPlot) => void): uPlot.Options {
  return {
    width,
    height,
    legend: { show: false },
    scales: { x: { time: false } },
    cursor: {
      sync: { key: syncKey },
      drag: { x: true, y: false, setScale: true },
      points: { show: false },
    },
    axes: [
      { ...AXIS, size: 28, values: (_u, splits) => splits.map(tick) },
      { ...AXIS, size: 56, values: (_u, splits) => splits.map(tick) },
    ],
    series: [
      {},
      ...data.lines.map<uPlot.Series>((l) => ({
        label: l.label,
        stroke: l.role === 'band' ? 'transparent' : l.role === 'raw' ? `${l.color}40` : l.color,
        width: l.role === 'line' ? 2 : 1,
        spanGaps: true,
        points: { show: false },
      })),
    ],
    bands: data.bands.map((b) => ({ series: [b.upper + 1, b.lower + 1] as [number, number], fill: `${b.color}26` })),
    hooks: { setCursor: [onCursor] },
  };
}

/** The nearest run's curve (not a raw backdrop, not a band edge) to the cursor's height, at the hovered x. */
function nearestLine(u: uPlot, lines: readonly ChartLine[]): { line: ChartLine; value: number; x: number } | null {
  const idx = u.cursor.idx;
  if (idx === null || idx === undefined || u.cursor.top === undefined || u.cursor.top < 0) return null;
  const at = u.posToVal(u.cursor.top, 'y');
  let best: { line: ChartLine; value: number; x: number } | null = null;
  lines.forEach((line, i) => {
    if (line.role !== 'line') return;
    const value = (u.data[i + 1] as (number | null)[])[idx];
    if (value === null || value === undefined) return;
    if (!best || Math.abs(value - at) < Math.abs(best.value - at)) best = { line, value, x: u.data[0][idx]! };
  });
  return best;
}

export function CompareChart({
  title,
  xLabel,
  data,
  syncKey,
  testId,
  height = 220,
}: {
  title: string;
  xLabel: string;
  data: ChartData;
  syncKey: string;
  testId: string;
  height?: number;
}) {
  const container = useRef<HTMLDivElement>(null);
  const readout = useRef<HTMLSpanElement>(null);
  const plot = useRef<uPlot | null>(null);
  const drawn = useRef<ChartData | null>(null);
  const latest = useRef(data);
  latest.current = data;
  const shape = `${syncKey}|${data.lines.map((l) => `${l.label}|${l.color}|${l.role}`).join(';')}|${data.bands.map((b) => `${b.upper}-${b.lower}`).join(',')}`;

  // A chart is built once it is on the screen, or once the browser is idle after the first screen is drawn: 50 runs ×
  // 2 lines cost tens of ms per chart to set up and draw, and of five charts the first screen shows two. Once built it
  // stays (scrolling back costs nothing).
  const [near, setNear] = useState(() => typeof IntersectionObserver === 'undefined');
  useEffect(() => {
    const el = container.current;
    if (!el || near) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) setNear(true);
      },
      // The page scrolls inside the app's main pane, which clips what is below it: that pane is the root.
      { root: scrollParent(el) },
    );
    observer.observe(el);
    const idle = requestIdleCallback(() => setNear(true), { timeout: IDLE_BUILD_MS });
    return () => {
      observer.disconnect();
      cancelIdleCallback(idle);
    };
  }, [near]);

  useEffect(() => {
    const el = container.current;
    if (!el || !near) return;
    const onCursor = (u: uPlot) => {
      const hit = nearestLine(u, latest.current.lines);
      if (readout.current)
        readout.current.textContent = hit ? `${hit.line.label}: ${formatMetric(hit.value)} at ${xLabel} ${tick(hit.x)}` : '';
    };
    const d = latest.current;
    let width = Math.max(240, el.clientWidth);
    const chart = new uPlot(options(d, width, height, syncKey, onCursor), [d.x, ...d.lines.map((l) => l.values)], el);
    plot.current = chart;
    drawn.current = d;
    // Each redraw of 100 lines costs; the observer's first call (and any that keeps the width) is not a resize.
    const observer = new ResizeObserver(() => {
      const next = Math.max(240, el.clientWidth);
      if (next === width) return;
      width = next;
      chart.setSize({ width, height });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // Rebuilt only when the set of lines changes; new values (smoothing, new points) go through setData below.
  }, [shape, height, xLabel, near]);

  useEffect(() => {
    // A chart just built from this data has drawn it already.
    if (!plot.current || drawn.current === data) return;
    drawn.current = data;
    plot.current.setData([data.x, ...data.lines.map((l) => l.values)]);
  }, [data]);

  const runs = data.lines.filter((l) => l.role === 'line').length;
  return (
    <figure data-testid={testId} data-series={runs} data-points={data.x.length} data-drawn={near || undefined} className="min-w-0">
      <figcaption className="mb-1 flex items-baseline justify-between gap-2">
        <span className="text-sm font-medium">{title}</span>
        <span className="truncate text-xs text-zinc-500 tabular-nums" ref={readout} data-testid="chart-readout" />
      </figcaption>
      <div ref={container} className="w-full" style={near ? undefined : { height }} />
    </figure>
  );
}
