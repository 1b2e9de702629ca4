// Reading a human judgement out of labeling-tool exports: which of the
// candidate responses won. Returns indexes into the candidate list, or null
// when the row carries no usable judgement yet (it then imports unlabeled).
import { isPlainObject } from './readers/types';

export interface Judgement {
  chosen: number;
  rejected: number;
  annotator?: string;
}

export type JudgementResult = { judgement: Judgement | null; note?: string };

/**
 * Argilla rankings. v1 (FeedbackDataset) exports a list of responses per row,
 * each `{user_id, value: [{value, rank}], status}`; v2 exports the values in
 * `<question>.responses` (one per annotator, each the ordered option names
 * or `{value, rank}` items) with statuses in `<question>.responses.status`.
 * Options are named after the response fields they rank.
 */
export function argillaJudgement(labelValue: unknown, statuses: unknown, users: unknown, optionNames: string[]): JudgementResult {
  if (!Array.isArray(labelValue) || labelValue.length === 0) return { judgement: null };
  const statusList = Array.isArray(statuses) ? statuses : [];
  const userList = Array.isArray(users) ? users : [];
  let sawTie = false;
  for (const [i, entry] of labelValue.entries()) {
    const v1 = isPlainObject(entry) && 'value' in entry;
    const status: unknown = v1 ? entry.status : statusList[i];
    if (status !== undefined && status !== null && status !== 'submitted') continue;
    const ranking = rankingOf(v1 ? entry.value : entry);
    if (ranking === null) continue;
    const ranks = optionNames.map((name) => ranking.get(name) ?? ranking.get(name.split('.').at(-1)!));
    const ranked = ranks.map((rank, index) => ({ rank, index })).filter((r): r is { rank: number; index: number } => r.rank !== undefined);
    if (ranked.length < 2) continue;
    ranked.sort((a, b) => a.rank - b.rank);
    const best = ranked[0]!;
    const worst = ranked.at(-1)!;
    if (best.rank === worst.rank) {
      sawTie = true;
      continue;
    }
    const user: unknown = v1 ? entry.user_id : userList[i];
    const annotator = typeof user === 'string' ? user : undefined;
    return { judgement: { chosen: best.index, rejected: worst.index, ...(annotator ? { annotator } : {}) } };
  }
  return { judgement: null, ...(sawTie ? { note: 'the ranking is a tie' } : {}) };
}

/** Option name → rank (1 = best) from either ranking encoding. */
function rankingOf(value: unknown): Map<string, number> | null {
  if (!Array.isArray(value)) return null;
  const ranking = new Map<string, number>();
  value.forEach((item, position) => {
    if (typeof item === 'string') ranking.set(item, position + 1);
    else if (isPlainObject(item) && typeof item.value === 'string') {
      ranking.set(item.value, typeof item.rank === 'number' ? item.rank : position + 1);
    }
  });
  return ranking.size > 0 ? ranking : null;
}

function sideFromWord(word: string): number | null {
  const w = word.trim().toLowerCase();
  if (/^(left|a|1|first|answer ?1|response ?1|text ?1)$/.test(w) || /\b(left|answer ?1|response ?1)\b/.test(w)) return 0;
  if (/^(right|b|2|second|answer ?2|response ?2|text ?2)$/.test(w) || /\b(right|answer ?2|response ?2)\b/.test(w)) return 1;
  return null;
}

/** The side picked by one Label Studio result value: Pairwise `{selected}` or Choices `{choices}`. */
function sideFromResultValue(value: unknown): number | null {
  if (typeof value === 'string') return sideFromWord(value);
  if (!isPlainObject(value)) return null;
  if (typeof value.selected === 'string') return sideFromWord(value.selected);
  if (Array.isArray(value.choices) && typeof value.choices[0] === 'string') return sideFromWord(value.choices[0]);
  return null;
}

/**
 * Label Studio. The full JSON export has `annotations: [{result: [{type:
 * 'pairwise', value: {selected: 'left'}}], was_cancelled}]`; the Pairwise tag
 * compares the two objects it names (left = the first). JSON-MIN puts the
 * value straight in a column, so a plain value is read too.
 */
export function labelStudioJudgement(labelValue: unknown): JudgementResult {
  const annotations = Array.isArray(labelValue) ? labelValue : [labelValue];
  for (const annotation of annotations) {
    if (isPlainObject(annotation) && annotation.was_cancelled === true) continue;
    const results = isPlainObject(annotation) && Array.isArray(annotation.result) ? annotation.result : [annotation];
    for (const result of results) {
      const side = sideFromResultValue(isPlainObject(result) && 'value' in result ? result.value : result);
      if (side !== null) {
        const completedBy = isPlainObject(annotation) ? annotation.completed_by : undefined;
        const annotator =
          completedBy === undefined ? undefined : String(isPlainObject(completedBy) ? (completedBy.email ?? completedBy.id) : completedBy);
        return { judgement: { chosen: side, rejected: 1 - side, ...(annotator ? { annotator } : {}) } };
      }
    }
  }
  return { judgement: null };
}
