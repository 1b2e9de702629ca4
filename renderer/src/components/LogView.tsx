import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { JobLogLine } from '../../../shared/jobs';
import { filterLogLines } from '../lib/log-filter';

const LEVEL_COLOR: Record<JobLogLine['level'], string> = {
  debug: 'text-zinc-500',
  info: 'text-zinc-200',
  warn: 'text-amber-400',
  error: 'text-rose-400',
};
/** How close to the bottom (px) still counts as "at the bottom" for follow. */
const BOTTOM_SLACK = 24;

/**
 * A job's log, live: follows new lines while scrolled to the bottom (scroll
 * up to read, Follow to jump back) and filters by a search.
 */
export function LogView({ lines, testId, heightClass = 'h-80' }: { lines: readonly JobLogLine[]; testId: string; heightClass?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);
  const [query, setQuery] = useState('');
  const shown = useMemo(() => filterLogLines(lines, query), [lines, query]);

  // Before paint, so a followed log never flashes the old scroll position.
  useLayoutEffect(() => {
    const el = box.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [shown, follow]);

  return (
    <div className="space-y-2">
      <div className="flex items-center gap-2 text-xs">
        <input
          type="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder="Search the log (e.g. eval, checkpoint, warn)"
          aria-label="Search the log"
          className="w-72 rounded-md border border-zinc-300 bg-white px-2 py-1 text-xs dark:border-zinc-700 dark:bg-zinc-900"
          data-testid={`${testId}-search`}
        />
        <span className="text-zinc-500 tabular-nums" data-testid={`${testId}-count`}>
          {query ? `${shown.length} of ${lines.length} lines` : `${lines.length} ${lines.length === 1 ? 'line' : 'lines'}`}
        </span>
        <label className="ml-auto flex items-center gap-1 text-zinc-500">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} data-testid={`${testId}-follow`} />
          Follow
        </label>
      </div>
      <div
        ref={box}
        onScroll={(e) => {
          const el = e.currentTarget;
          const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < BOTTOM_SLACK;
          if (atBottom !== follow) setFollow(atBottom);
        }}
        className={`${heightClass} overflow-y-auto rounded-lg bg-zinc-900 p-3 font-mono text-xs leading-5 text-zinc-200`}
        data-testid={testId}
      >
        {shown.length === 0 && (
          <span className="text-zinc-500">{lines.length === 0 ? 'No log lines yet.' : 'No line matches the search.'}</span>
        )}
        {shown.map((line) => (
          <div key={line.seq} className={`whitespace-pre-wrap ${LEVEL_COLOR[line.level]}`} data-testid="log-line" data-level={line.level}>
            <span className="text-zinc-500">{new Date(line.at).toLocaleTimeString()}</span> {line.message}
          </div>
        ))}
      </div>
    </div>
  );
}
