import type { MetricSeries } from '../../../../shared/runs';

/**
 * Which metrics share a chart. Chosen is always green and rejected always
 * red, on every chart, so the two can never be read the wrong way round.
 */
export interface ChartLine {
  metric: string;
  label: string;
  color: string;
  /** Eval metrics are measured every N steps: drawn as points joined by a dashed line, never smoothed. */
  sparse?: boolean;
  /** A schedule, not a noisy measurement: never smoothed. */
  exact?: boolean;
}

export interface ChartGroup {
  id: string;
  title: string;
  lines: ChartLine[];
  /** A short note on how to read the chart. */
  hint?: string;
}

const CHOSEN = '#059669';
const REJECTED = '#e11d48';
const TRAIN = '#4f46e5';
const EVAL = '#d97706';
const EVAL_2 = '#0891b2';

export const CHART_GROUPS: ChartGroup[] = [
  {
    id: 'loss',
    title: 'Loss',
    lines: [
      { metric: 'loss', label: 'train', color: TRAIN },
      { metric: 'eval/loss', label: 'eval', color: EVAL, sparse: true },
    ],
  },
  {
    id: 'rewards',
    title: 'Rewards',
    lines: [
      { metric: 'rewards/chosen', label: 'chosen', color: CHOSEN },
      { metric: 'rewards/rejected', label: 'rejected', color: REJECTED },
    ],
    hint: 'Chosen should stay above rejected; both falling together can mean lost likelihood.',
  },
  {
    id: 'margins',
    title: 'Reward margin',
    lines: [
      { metric: 'rewards/margins', label: 'train', color: TRAIN },
      { metric: 'eval/reward_margin', label: 'eval', color: EVAL, sparse: true },
    ],
  },
  {
    id: 'accuracies',
    title: 'Preference accuracy',
    lines: [
      { metric: 'rewards/accuracies', label: 'train', color: TRAIN },
      { metric: 'eval/reward_accuracy', label: 'eval (reward)', color: EVAL, sparse: true },
      { metric: 'eval/logp_accuracy', label: 'eval (log-prob)', color: EVAL_2, sparse: true },
    ],
  },
  {
    id: 'logps',
    title: 'Log-probabilities',
    lines: [
      { metric: 'logps/chosen', label: 'chosen', color: CHOSEN },
      { metric: 'logps/rejected', label: 'rejected', color: REJECTED },
    ],
  },
  { id: 'weight', title: 'MMPO chosen weight w_w', lines: [{ metric: 'mmpo/weight_chosen', label: 'mean w_w', color: CHOSEN }], hint: 'Share of the update given to the chosen response (M4).' },
  { id: 'lr', title: 'Learning rate', lines: [{ metric: 'learning_rate', label: 'lr', color: TRAIN, exact: true }] },
  { id: 'grad', title: 'Gradient norm', lines: [{ metric: 'grad_norm', label: 'before clipping', color: TRAIN }] },
  { id: 'entropy', title: 'Entropy objective', lines: [{ metric: 'entropy_objective', label: 'H_obj', color: TRAIN }] },
  { id: 'throughput', title: 'Tokens per second', lines: [{ metric: 'tokens_per_second', label: 'tokens/s', color: TRAIN }] },
];

/** The groups the run has values for, each with only the lines it has. */
export function groupsWithData(series: MetricSeries): ChartGroup[] {
  return CHART_GROUPS.map((g) => ({ ...g, lines: g.lines.filter((l) => (series[l.metric]?.steps.length ?? 0) > 0) })).filter((g) => g.lines.length > 0);
}
