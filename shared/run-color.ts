/**
 * One colour per run, the same in every chart, in the runs table and on
 * every visit: a hash of the run's id picks it from a palette (as W&B colours
 * runs), so it never depends on which runs are compared or in what order.
 * Shared: the Compare page and the comparison report (compare.report,
 * studio compare) draw each run in the same colour.
 */

/** Tableau 20's hues, darkened where needed to read on white and on zinc-900. */
export const RUN_PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#b07aa1',
  '#9c755f',
  '#d37295',
  '#76b7b2',
  '#edc948',
  '#6b6ecf',
] as const;

/** FNV-1a over the text: small, fast and well spread for short keys. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The colour of a key (a run id, or a group's value when runs are grouped). */
export function colorOf(key: string): string {
  return RUN_PALETTE[fnv1a(key) % RUN_PALETTE.length]!;
}

export function runColor(runId: number): string {
  return colorOf(`run:${runId}`);
}
