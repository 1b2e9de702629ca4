/** The most record ids a queue takes (`labeling.createQueue`'s recordIds). */
export const MAX_RECORD_IDS = 100_000;

/**
 * Record ids typed into the New queue dialog: whole numbers above 0 separated
 * by commas, spaces or new lines (a leading "#" is allowed, as the records
 * table shows ids). Repeats are kept once, in the order first typed. A bad
 * token is named with its position, so the person can find it in a long list.
 */
export function parseRecordIds(text: string): { ids: number[] } | { error: string } {
  const tokens = text.split(/[\s,;]+/).filter(Boolean);
  if (tokens.length === 0) return { error: 'Give at least one record id.' };
  const ids: number[] = [];
  const seen = new Set<number>();
  for (const [i, token] of tokens.entries()) {
    const digits = token.startsWith('#') ? token.slice(1) : token;
    const id = /^\d+$/.test(digits) ? Number(digits) : NaN;
    if (!Number.isSafeInteger(id) || id < 1)
      return { error: `"${token}" (item ${i + 1}) is not a record id: ids are whole numbers from 1.` };
    if (!seen.has(id)) {
      seen.add(id);
      ids.push(id);
    }
  }
  if (ids.length > MAX_RECORD_IDS) return { error: `${ids.length} record ids: a queue takes at most ${MAX_RECORD_IDS}.` };
  return { ids };
}
