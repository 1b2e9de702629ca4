/**
 * A run's colour for what is drawn outside the app (the comparison report
 * written by `reports.compare` and `studio compare`): the same palette and
 * hash as the Compare page's (renderer/src/lib/compare-colors.ts, which
 * main/ may not import), so a run keeps its colour in the report. A unit test
 * checks that both give every run the same colour.
 */
const PALETTE = [
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

/** FNV-1a over the key "run:<id>". */
export function reportRunColor(runId: number): string {
  const text = `run:${runId}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return PALETTE[(h >>> 0) % PALETTE.length]!;
}
