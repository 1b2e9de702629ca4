import { isXAxis, type XAxis } from './compare-align';

/**
 * A comparison is a URL (`#/compare?runs=3,7&metrics=loss,eval/loss&x=epoch…`):
 * which runs, which metrics, the x axis, alignment, smoothing and grouping,
 * so it can be bookmarked or sent to someone with the same workspace.
 */
export interface CompareState {
  runs: number[];
  metrics: string[];
  x: XAxis;
  relative: boolean;
  smoothing: number;
  /** The setting runs are grouped by (null: no grouping). */
  group: string | null;
}

export const DEFAULT_SMOOTHING = 0.6;

const list = (value: string | null) => (value ? value.split(',').filter(Boolean) : []);

export function parseCompareState(path: string): CompareState {
  const query = path.includes('?') ? path.slice(path.indexOf('?') + 1) : '';
  const params = new URLSearchParams(query);
  const smoothing = Number(params.get('smooth'));
  const x = params.get('x');
  return {
    runs: [...new Set(list(params.get('runs')).map(Number))].filter((id) => Number.isInteger(id) && id > 0),
    metrics: [...new Set(list(params.get('metrics')))],
    x: isXAxis(x) ? x : 'step',
    relative: params.get('rel') === '1',
    smoothing: params.has('smooth') && Number.isFinite(smoothing) ? Math.min(0.99, Math.max(0, smoothing)) : DEFAULT_SMOOTHING,
    group: params.get('group') || null,
  };
}

/** The path of a state; defaults are left out so a plain comparison has a short URL. */
export function compareStatePath(state: CompareState): string {
  const parts: string[] = [];
  // Commas and slashes stay readable: neither separates anything inside a hash route's query.
  const keep = (text: string) => encodeURIComponent(text).replace(/%2C/g, ',').replace(/%2F/g, '/');
  if (state.runs.length) parts.push(`runs=${state.runs.join(',')}`);
  if (state.metrics.length) parts.push(`metrics=${keep(state.metrics.join(','))}`);
  if (state.x !== 'step') parts.push(`x=${state.x}`);
  if (state.relative) parts.push('rel=1');
  if (state.smoothing !== DEFAULT_SMOOTHING) parts.push(`smooth=${state.smoothing}`);
  if (state.group) parts.push(`group=${keep(state.group)}`);
  return parts.length ? `/compare?${parts.join('&')}` : '/compare';
}
