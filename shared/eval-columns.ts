/**
 * The columns of an evaluation table (the Evaluate page, the run page, `studio train`), read from the stored metrics rather
 * than a fixed list, so an item kind added later (win rate) shows up on its
 * own: one column per metric of each suite item, with its standard error
 * (`name_stderr`) or interval (`name_ci_low` / `name_ci_high`) beside the
 * value instead of a column of its own.
 */

/** What a table row holds per suite item: its kind, its label and its flat metrics. */
export interface ItemMetrics {
  kind: string;
  label: string;
  metrics: Record<string, number | null>;
  /** The stored result, for the drill-down. */
  resultId?: number;
}

export interface MetricColumn {
  /** The suite item the metric belongs to ("multiple-choice mc.jsonl"). */
  itemKey: string;
  kind: string;
  label: string;
  metric: string;
}

/** The metrics a person reads first, in this order; the rest (TRL's means, logits) show with "all metrics". */
export const HEADLINE_METRICS = [
  'acc',
  'acc_norm',
  'perplexity',
  'word_perplexity',
  'byte_perplexity',
  'bits_per_byte',
  'logps/accuracies',
  'logps_per_token/accuracies',
  'rewards/accuracies',
  'rewards/margins',
  'win_rate',
  'lc_win_rate',
] as const;

const COMPANION = /_(stderr|ci_low|ci_high)$/;

export const itemKey = (item: { kind: string; label: string }): string => `${item.kind} ${item.label}`;

function order(a: string, b: string): number {
  const rank = (m: string) => {
    const i = (HEADLINE_METRICS as readonly string[]).indexOf(m);
    return i < 0 ? HEADLINE_METRICS.length : i;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}

/**
 * The columns for rows of item metrics: items in the order they first
 * appear, each item's metrics headline first. Without `all`, an item shows
 * only its headline metrics — unless it has none (a kind this table does not
 * know yet), then all of them.
 */
export function metricColumns(rows: readonly (readonly ItemMetrics[])[], all = false): MetricColumn[] {
  const items = new Map<string, { kind: string; label: string; metrics: Set<string> }>();
  for (const row of rows) {
    for (const item of row) {
      const key = itemKey(item);
      let entry = items.get(key);
      if (!entry) items.set(key, (entry = { kind: item.kind, label: item.label, metrics: new Set() }));
      for (const metric of Object.keys(item.metrics)) if (!COMPANION.test(metric)) entry.metrics.add(metric);
    }
  }
  const columns: MetricColumn[] = [];
  for (const [key, item] of items) {
    const metrics = [...item.metrics].sort(order);
    const headline = metrics.filter((m) => (HEADLINE_METRICS as readonly string[]).includes(m));
    for (const metric of all || headline.length === 0 ? metrics : headline)
      columns.push({ itemKey: key, kind: item.kind, label: item.label, metric });
  }
  return columns;
}

/** A metric value in four significant digits (exponents for tiny or huge ones); "—" where it is undefined. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/** "0.685 ± 0.033", "0.61 [0.52, 0.70]" or "12.31": a metric with its standard error or interval where the result has one. */
export function formatMetricCell(metrics: Record<string, number | null>, metric: string): string {
  const value = formatValue(metrics[metric]);
  const stderr = metrics[`${metric}_stderr`];
  if (typeof stderr === 'number' && Number.isFinite(stderr)) return `${value} ± ${formatValue(stderr)}`;
  const low = metrics[`${metric}_ci_low`];
  const high = metrics[`${metric}_ci_high`];
  if (typeof low === 'number' && typeof high === 'number') return `${value} [${formatValue(low)}, ${formatValue(high)}]`;
  return value;
}

/** A per-item detail value in a cell: numbers rounded, lists joined, booleans as ✓ / ✗. */
export function formatDetail(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return formatValue(value);
  if (typeof value === 'boolean') return value ? '✓' : '✗';
  if (Array.isArray(value)) return value.map(formatDetail).join(', ');
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
