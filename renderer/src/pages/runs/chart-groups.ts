import type { ObjectiveConfig } from '../../../../shared/objectives';
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
  // Its hint depends on λ_pair (forObjective below).
  { id: 'weight', title: 'MMPO chosen weight w_w', lines: [{ metric: 'mmpo/weight_chosen', label: 'mean w_w', color: CHOSEN }] },
  { id: 'lr', title: 'Learning rate', lines: [{ metric: 'learning_rate', label: 'lr', color: TRAIN, exact: true }] },
  { id: 'grad', title: 'Gradient norm', lines: [{ metric: 'grad_norm', label: 'before clipping', color: TRAIN }] },
  { id: 'entropy', title: 'Entropy objective', lines: [{ metric: 'entropy_objective', label: 'H_obj', color: TRAIN }] },
  { id: 'throughput', title: 'Tokens per second', lines: [{ metric: 'tokens_per_second', label: 'tokens/s', color: TRAIN }] },
];

/**
 * MMPO with λ_pair = 1 (the `mmpo` preset): −lse(a, b) − log σ(a − b) = −a, so
 * the loss is −s_w and the update is exactly SFT on the chosen response
 * (mmpo-spec.md, M8–M9). The run view says so wherever it applies; null otherwise.
 */
export function sftIdentityNote(objective: ObjectiveConfig | undefined): string | null {
  if (objective?.objective !== 'mmpo' || objective.lambdaPair !== 1) return null;
  return 'With λ_pair = 1 the parameter update is exactly supervised fine-tuning on the chosen response: −lse(s_w, s_l) − log σ(s_w − s_l) = −s_w, so the loss is −s_w and its gradient is −∇ℓθ(y_w|x) (mmpo-spec.md, M8–M9). β, ε, the reference model and the rejected response change the reported loss and rewards, not the parameters.';
}

/** How to read MMPO's w_w for the run's λ_pair: the update's split (M4) only when λ_pair = 0. */
function weightHint(objective: Extract<ObjectiveConfig, { objective: 'mmpo' }>): string {
  const lambda = objective.lambdaPair;
  if (lambda === 1)
    return 'softmax(s_w, s_l)[chosen]: how the model ranks each pair. With λ_pair = 1 it does not split the update, which is all on the chosen response (SFT).';
  if (lambda === 0) return 'Share of the update given to the chosen response (M4): the gradient is −(w_w ∇ℓθ(y_w) + (1 − w_w) ∇ℓθ(y_l)).';
  return `softmax(s_w, s_l)[chosen]. With λ_pair = ${lambda} the chosen response's gradient weight is w_w + ${lambda}·(1 − w_w) and the rejected one's ${1 - lambda}·(1 − w_w).`;
}

/** Titles and hints that depend on the objective: MMPO's rewards are its scores s (nats, not β-scaled), and w_w's meaning follows λ_pair. */
function forObjective(group: ChartGroup, objective: ObjectiveConfig | undefined): ChartGroup {
  if (objective?.objective !== 'mmpo') return group;
  switch (group.id) {
    case 'rewards':
      return {
        ...group,
        title: 'Rewards: scores s_w, s_l (nats)',
        hint: 'MMPO’s rewards are its scores s = ℓθ(y|x) + log P* (M2): summed log-probs in nats plus log P* in [0, 1], not β-scaled like DPO’s rewards.',
      };
    case 'margins':
      return { ...group, title: 'Score margin s_w − s_l (nats)', hint: 'In nats, not β-scaled: summed log-prob differences dominate it.' };
    case 'weight':
      return { ...group, hint: weightHint(objective) };
    default:
      return group;
  }
}

/** The groups the run has values for, each with only the lines it has, titled and explained for the run's objective. */
export function groupsWithData(series: MetricSeries, objective?: ObjectiveConfig): ChartGroup[] {
  return CHART_GROUPS.map((g) =>
    forObjective({ ...g, lines: g.lines.filter((l) => (series[l.metric]?.steps.length ?? 0) > 0) }, objective),
  ).filter((g) => g.lines.length > 0);
}
