import { useMemo, useState } from 'react';
import type { CheckpointRow, ReportRun } from '../../../../shared/compare-report';
import {
  cellHeaders,
  cellRow,
  experimentFigure,
  experimentFigureSvg,
  experimentReport,
  objectiveHeaders,
  objectiveLabel,
  objectiveRow,
  readingText,
  reportMarkdown,
  type CellReport,
  type ExperimentReport as Report,
  type ExperimentResults,
  type ObjectiveReport,
  type Outcome,
  type Verdict,
} from '../../../../shared/experiment-report';
import type { MetricRef } from '../../../../shared/paper-view';
import { Badge, type Tone } from '../../components/Badge';
import { Button } from '../../components/Button';
import { cardClass } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { Table, type Column } from '../../components/Table';
import { PaperView } from '../compare/PaperView';

const OUTCOME_TONE: Record<Outcome, Tone> = { holds: 'emerald', 'does not hold': 'rose', inconclusive: 'amber', 'not measured': 'muted' };

function Verdicts({ verdicts }: { verdicts: Verdict[] }) {
  if (verdicts.length === 0)
    return (
      <EmptyState testId="experiment-no-verdicts">
        No verdicts: the paper’s claims compare MMPO with a baseline (DPO, SimPO, …), and this grid lacks one of them.
      </EmptyState>
    );
  return (
    <ul className="space-y-2" data-testid="experiment-verdicts">
      {verdicts.map((v) => (
        <li
          key={`${v.claim}-${v.subject}-${v.baseline}-${v.setting}`}
          className="flex items-start gap-2 text-sm"
          data-testid="experiment-verdict"
          data-claim={v.claim}
          data-outcome={v.outcome}
          data-setting={v.setting}
        >
          <Badge tone={OUTCOME_TONE[v.outcome]}>{v.outcome}</Badge>
          <span>{v.text}</span>
        </li>
      ))}
    </ul>
  );
}

/** A header in the table's capitals, but β stays β (capitalised it reads as a B). */
function header(text: string) {
  const parts = text.split('β');
  return parts.flatMap((part, i) =>
    i === 0
      ? [part]
      : [
          <span key={i} className="normal-case">
            β
          </span>,
          part,
        ],
  );
}

/** The main table's columns: the report's own headers (a settings column where the grid varies more than objective, β and seed). */
function cellColumns(report: Report): Column<CellReport>[] {
  const headers = cellHeaders(report);
  // The measured numbers (from the win rate on) align right.
  const numbers = headers.indexOf('win rate vs base');
  return headers.map((text, i) => ({
    header: header(text),
    align: i >= numbers ? 'right' : undefined,
    className: i >= numbers ? 'tabular-nums whitespace-nowrap' : 'whitespace-nowrap',
    cell: (c: CellReport) => cellRow(c, report)[i],
  }));
}

function objectiveColumns(report: Report): Column<ObjectiveReport>[] {
  return objectiveHeaders(report).map((text, i) => ({
    header: header(text),
    align: i === 0 || text === 'other settings' ? undefined : 'right',
    className: 'tabular-nums whitespace-nowrap',
    cell: (o: ObjectiveReport) => objectiveRow(o, report)[i],
  }));
}

/** Saves text as a file from the page itself: the report is computed here, so no server round trip (app and serve mode alike). */
function saveText(name: string, type: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** The figure's tracks as the Compare page's paper view takes runs and rows (one "run" per (objective, β)). */
function paperData(results: ExperimentResults): {
  runs: ReportRun[];
  rows: CheckpointRow[];
  capability?: MetricRef;
  alignment?: MetricRef;
} {
  const figure = experimentFigure(results);
  return {
    runs: figure.tracks.map((t) => ({
      ...t,
      modelName: results.base.name,
      modelHash: null,
      importedFrom: null,
      settings: { objective: t.objective, beta: t.beta },
    })),
    rows: figure.rows.map((r) => ({ ...r, status: 'evaluated', error: null })),
    capability: figure.capability,
    alignment: figure.alignment,
  };
}

/**
 * An experiment's report (issue 19 item 4): the verdict per claim in words,
 * the table per (objective, β) at the final checkpoints (mean and the seeds'
 * min–max), the spread of win rate across β per objective, and the paper's
 * view with one track per (objective, β) through the mean over seeds. All
 * numbers come from shared/experiment-report.ts, as `studio sweep` and the
 * bench print them.
 */
export function ExperimentReport({ results }: { results: ExperimentResults }) {
  const report = useMemo(() => experimentReport(results), [results]);
  const paper = useMemo(() => paperData(results), [results]);
  const columns = useMemo(() => ({ cells: cellColumns(report), objectives: objectiveColumns(report) }), [report]);
  const [capability, setCapability] = useState<MetricRef | undefined>(undefined);
  const [alignment, setAlignment] = useState<MetricRef | undefined>(undefined);
  const seeds = Math.max(0, ...report.cells.map((c) => c.seeds));
  return (
    <div className="space-y-4">
      <section className={`${cardClass} space-y-3 p-4`}>
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h2 className="text-sm font-semibold">Verdicts</h2>
          <div className="flex gap-2">
            <Button
              onClick={() => saveText(`experiment-${results.experimentId}.md`, 'text/markdown', reportMarkdown(report))}
              data-testid="experiment-save-markdown"
              title="The table and the verdicts as Markdown, as studio sweep writes them"
            >
              Save report (.md)
            </Button>
            <Button
              onClick={() => saveText(`experiment-${results.experimentId}.svg`, 'image/svg+xml', experimentFigureSvg(results))}
              data-testid="experiment-save-svg"
              title="The paper's view with its legend, as studio sweep writes it"
            >
              Save figure (.svg)
            </Button>
          </div>
        </div>
        <Verdicts verdicts={report.verdicts} />
        <p className="text-xs text-zinc-500">
          A claim holds only when its difference is larger than the seed-to-seed range (the largest max − min over the seeds of the settings
          compared); the opposite difference that large means it does not hold; anything smaller is noise at this size. With one seed per
          setting the range is unknown, so every verdict is inconclusive
          {seeds < 2 ? ' — as here: run more seeds to decide' : ''}.
        </p>
      </section>
      <section className={`${cardClass} space-y-3 p-4`}>
        <h2 className="text-sm font-semibold">At the final checkpoint</h2>
        <p className="text-xs text-zinc-500" data-testid="experiment-base">
          Base model {report.baseName}: MC accuracy {readingText(report.base.mcAccuracy)}; perplexity {readingText(report.base.perplexity)};
          preference accuracy {readingText(report.base.preferenceAccuracy)}. {report.finishedRuns} of {report.totalRuns} runs finished.
        </p>
        <div className="overflow-x-auto">
          <Table
            columns={columns.cells}
            rows={report.cells}
            rowKey={(c) => `${c.objective}-${c.beta}-${c.setting}`}
            testId="experiment-table"
            rowTestId="experiment-cell"
            density="compact"
            rowData={(c) => ({ 'data-objective': c.objective, 'data-beta': String(c.beta), 'data-setting': c.setting })}
            empty="No runs in this experiment."
          />
        </div>
        <p className="text-xs text-zinc-500">
          Each value is the mean over seeds with their range (min–max) in parentheses. Proportions are fractions: a win rate of 0.5 is even
          with the base model. MC drop is the base model’s accuracy minus the run’s (positive: capability lost); perplexity rise is the
          run’s minus the base model’s. A run that has not finished is left out until its final checkpoint is evaluated.
          {report.varied.length > 0 &&
            ` The grid also varies ${report.varied.join(', ')}: a row pools only the seeds of one combination of them, and the spread and verdicts compare runs with the same one.`}
        </p>
        <div className="overflow-x-auto">
          <Table
            columns={columns.objectives}
            rows={report.objectives}
            rowKey={(o) => `${o.objective}-${o.setting}`}
            testId="experiment-spread"
            density="compact"
          />
        </div>
        <p className="text-xs text-zinc-500">
          Win-rate spread across β: the largest minus the smallest of the per-β mean win rates — the paper’s stability claim is that{' '}
          {objectiveLabel('mmpo')}’s is smaller than the baselines’.
        </p>
      </section>
      <section className={`${cardClass} space-y-3 p-4`} data-testid="experiment-figure">
        <h2 className="text-sm font-semibold">The paper’s view</h2>
        <PaperView
          runs={paper.runs}
          rows={paper.rows}
          capability={capability ?? paper.capability}
          alignment={alignment ?? paper.alignment}
          onCapability={setCapability}
          onAlignment={setAlignment}
        />
        <p className="text-xs text-zinc-500">
          One track per (objective, β{report.varied.length > 0 ? ', other settings' : ''}): the mean over its seeds at each evaluated step,
          from the base model (step 0). A point’s interval (in its hover text) is the seeds’ min–max.
        </p>
      </section>
    </div>
  );
}
