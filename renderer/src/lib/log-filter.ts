import type { JobLogLine } from '../../../shared/jobs';

/** The lines whose text (or level) holds every word of the query, case folded. */
export function filterLogLines<T extends Pick<JobLogLine, 'level' | 'message'>>(lines: readonly T[], query: string): T[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return lines.slice();
  return lines.filter((line) => {
    const text = `${line.level} ${line.message}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}
