import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface PlotLine {
  label: string;
  color: string;
  values: (number | null)[];
  width?: number;
  dash?: number[];
  /** Draw each value as a point and join across missing steps (sparse eval values). */
  points?: boolean;
  /** A backdrop line (the raw values behind a smoothed one): left out of the legend. */
  backdrop?: boolean;
}

/** Tick labels: three significant digits, exponents for tiny or huge values (learning rates). */
function formatTick(value: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return value.toExponential(1);
  return String(Number(value.toPrecision(3)));
}

const AXIS = {
  stroke: '#71717a',
  grid: { stroke: 'rgba(113,113,122,0.15)', width: 1 },
  ticks: { stroke: 'rgba(113,113,122,0.3)', width: 1 },
};

function formatValue(_u: uPlot, value: number | null): string {
  if (value === null || value === undefined) return '—';
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e5) ? value.toExponential(2) : value.toPrecision(4);
}

function options(lines: readonly PlotLine[], width: number, height: number): uPlot.Options {
  return {
    width,
    height,
    scales: { x: { time: false } },
    cursor: { drag: { x: false, y: false } },
    // A 1px border on a 2px-high marker (styles.css) draws a short line in the series' colour, not a box.
    legend: { markers: { width: 1 } },
    axes: [
      { ...AXIS, size: 28 },
      { ...AXIS, size: 56, values: (_u, splits) => splits.map(formatTick) },
    ],
    series: [
      { label: 'step' },
      ...lines.map<uPlot.Series>((l) => ({
        label: l.label,
        stroke: l.color,
        width: l.width ?? 1.5,
        ...(l.dash ? { dash: l.dash } : {}),
        spanGaps: l.points === true,
        points: l.points ? { show: true, size: 5, fill: l.color } : { show: false },
        value: formatValue,
        ...(l.backdrop ? { class: 'u-backdrop' } : {}),
      })),
    ],
  };
}

/**
 * A small uPlot line chart over steps. It is created once per set of lines
 * and then only handed new data, so a live run redraws a canvas instead of
 * rebuilding the chart on every step.
 */
export function UPlotChart({ x, lines, height = 150 }: { x: number[]; lines: PlotLine[]; height?: number }) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data: uPlot.AlignedData = [x, ...lines.map((l) => l.values)];
  const shape = lines
    .map((l) => `${l.label}|${l.color}|${l.width ?? ''}|${l.dash?.join(',') ?? ''}|${l.points ? 1 : 0}|${l.backdrop ? 1 : 0}`)
    .join(';');
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const chart = new uPlot(options(lines, Math.max(200, el.clientWidth), height), latest.current, el);
    plot.current = chart;
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(200, el.clientWidth), height }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // Rebuilt only when the set of lines changes; new values go through setData below.
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData(latest.current);
  }, [x, lines]);

  return <div ref={container} className="w-full" />;
}
