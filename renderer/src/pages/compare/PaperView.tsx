import { useState } from 'react';
import type { CheckpointRow, ReportRun } from '../../../../shared/compare-report';
import { rowsOfRun } from '../../../../shared/compare-report';
import {
  alignmentChoices,
  axisTitle,
  capabilityChoices,
  legendText,
  metricRefKey,
  paperGeometry,
  type MetricRef,
  type PaperPoint,
} from '../../../../shared/paper-view';
import { EmptyState } from '../../components/EmptyState';
import { Field, inputClass } from '../../components/Field';

/**
 * The paper's view (issue 15 item 5): alignment against capability, a point
 * per checkpoint and a track per run from its base model in step order. Drawn
 * as SVG from shared/paper-view.ts's geometry — the same the exported report
 * holds — because uPlot has no arrows and a report cannot hold a canvas.
 */

function MetricPicker({
  label,
  choices,
  value,
  onChange,
  testId,
}: {
  label: string;
  choices: MetricRef[];
  value: MetricRef;
  onChange: (ref: MetricRef) => void;
  testId: string;
}) {
  return (
    <Field label={label}>
      <select
        className={inputClass}
        value={metricRefKey(value)}
        onChange={(e) => onChange(choices.find((c) => metricRefKey(c) === e.target.value)!)}
        data-testid={testId}
      >
        {choices.map((c) => (
          <option key={metricRefKey(c)} value={metricRefKey(c)}>
            {axisTitle(c)} — {c.itemKey}
          </option>
        ))}
      </select>
    </Field>
  );
}

export function PaperView({
  runs,
  rows,
  capability,
  alignment,
  onCapability,
  onAlignment,
}: {
  runs: readonly ReportRun[];
  rows: readonly CheckpointRow[];
  capability: MetricRef | undefined;
  alignment: MetricRef | undefined;
  onCapability: (ref: MetricRef) => void;
  onAlignment: (ref: MetricRef) => void;
}) {
  const [hover, setHover] = useState<PaperPoint | null>(null);
  if (!capability || !alignment)
    return (
      <EmptyState testId="paper-view-empty">
        The paper’s view needs a capability metric (multiple choice, perplexity) and an alignment metric (win rate, preference accuracy)
        among the checkpoints’ evaluations — run the suite on them (a run with an evaluation suite does it by itself).
      </EmptyState>
    );
  const g = paperGeometry(runs, (id) => rowsOfRun(rows, id), capability, alignment, { width: 720, height: 440 });
  const { plot } = g;
  return (
    <div className="space-y-2" data-testid="paper-view">
      <div className="flex flex-wrap items-end gap-4">
        <MetricPicker
          label="Capability (x)"
          choices={capabilityChoices(rows)}
          value={capability}
          onChange={onCapability}
          testId="paper-capability"
        />
        <MetricPicker
          label="Alignment (y)"
          choices={alignmentChoices(rows)}
          value={alignment}
          onChange={onAlignment}
          testId="paper-alignment"
        />
      </div>
      <div className="flex flex-wrap gap-x-4 gap-y-1 text-xs" data-testid="paper-legend">
        {g.tracks.map((t) => (
          <span key={t.run.id} className="flex items-center gap-1.5">
            <span className="inline-block h-2.5 w-2.5 rounded-sm" style={{ background: t.run.color }} />
            {legendText(t.run)}
          </span>
        ))}
      </div>
      <div className="relative max-w-full overflow-x-auto">
        <svg viewBox={`0 0 ${g.width} ${g.height}`} width={g.width} height={g.height} className="text-[11px]" data-testid="paper-svg">
          <defs>
            {g.tracks.map((t) => (
              <marker
                key={t.run.id}
                id={`paper-arrow-${t.run.id}`}
                viewBox="0 0 10 10"
                refX="9"
                refY="5"
                markerWidth="7"
                markerHeight="7"
                orient="auto-start-reverse"
              >
                <path d="M0,0L10,5L0,10z" fill={t.run.color} />
              </marker>
            ))}
          </defs>
          <rect
            x={plot.left}
            y={plot.top}
            width={plot.right - plot.left}
            height={plot.bottom - plot.top}
            className="fill-none stroke-zinc-300"
          />
          {g.xTicks.map((t) => (
            <g key={`x${t.value}`}>
              <line x1={t.px} x2={t.px} y1={plot.top} y2={plot.bottom} className="stroke-zinc-100 dark:stroke-zinc-800" />
              <text x={t.px} y={plot.bottom + 14} textAnchor="middle" className="fill-zinc-500">
                {t.label}
              </text>
            </g>
          ))}
          {g.yTicks.map((t) => (
            <g key={`y${t.value}`}>
              <line x1={plot.left} x2={plot.right} y1={t.py} y2={t.py} className="stroke-zinc-100 dark:stroke-zinc-800" />
              <text x={plot.left - 6} y={t.py + 4} textAnchor="end" className="fill-zinc-500">
                {t.label}
              </text>
            </g>
          ))}
          <text x={(plot.left + plot.right) / 2} y={g.height - 8} textAnchor="middle" className="fill-current">
            {g.xTitle} (capability) →
          </text>
          <text transform={`translate(14 ${(plot.top + plot.bottom) / 2}) rotate(-90)`} textAnchor="middle" className="fill-current">
            {g.yTitle} (alignment) →
          </text>
          {g.tracks.map((t) => (
            <g key={t.run.id} data-testid="paper-track" data-run-id={t.run.id} data-points={t.points.length}>
              {t.points.slice(1).map((p, i) => (
                <line
                  key={p.key}
                  x1={t.points[i]!.px}
                  y1={t.points[i]!.py}
                  x2={p.px}
                  y2={p.py}
                  stroke={t.run.color}
                  strokeWidth={1.5}
                  markerEnd={`url(#paper-arrow-${t.run.id})`}
                  data-testid="paper-arrow"
                />
              ))}
              {t.points.map((p) => (
                <circle
                  key={p.key}
                  cx={p.px}
                  cy={p.py}
                  r={hover === p ? 6 : 4}
                  fill={t.run.color}
                  data-testid="paper-point"
                  data-step={p.step}
                  onMouseEnter={() => setHover(p)}
                  onMouseLeave={() => setHover(null)}
                >
                  <title>{p.title}</title>
                </circle>
              ))}
            </g>
          ))}
        </svg>
        {hover && (
          <div
            className="pointer-events-none absolute rounded border border-zinc-200 bg-white px-2 py-1 text-xs whitespace-pre shadow dark:border-zinc-700 dark:bg-zinc-900"
            style={{ left: hover.px + 10, top: hover.py + 10 }}
            data-testid="paper-hover"
          >
            {hover.title}
          </div>
        )}
      </div>
      <p className="text-xs text-zinc-500">
        Each point is a checkpoint; arrows go from the base model through each run’s checkpoints in step order. Right and up are better (a
        lower-is-better capability such as bits per byte is negated). Whiskers are not drawn; hover a point for its values with their
        intervals.{g.missing > 0 && ` ${g.missing} checkpoint(s) without both metrics are left out.`}
      </p>
    </div>
  );
}
