/**
 * The demo workspace's programmatic judge: each demo prompt asks for a short
 * answer that follows a rule a program can check (`meta.rule` of
 * assets/demo/preferences.jsonl, written by scripts/make-demo-data.ts). The
 * judge checks the rule only; the topic is not checked, so "name a fruit"
 * answered with a colour in uppercase still passes the uppercase rule.
 */

export interface JudgeMeta {
  rule: string;
  topic?: string;
  /** word-count: the number of words; starts-with: the opening word. */
  arg?: number | string;
}

export interface JudgeVerdict {
  pass: boolean;
  /** Why, in words a user can read next to the answer. */
  reason: string;
}

type Check = (response: string, meta: JudgeMeta) => JudgeVerdict;

const words = (text: string): string[] => text.split(/\s+/).filter((w) => w.length > 0);

const CHECKS: Record<string, Check> = {
  uppercase(response) {
    if (!/\p{L}/u.test(response)) return { pass: false, reason: 'has no letters' };
    const lower = response.match(/\p{Ll}/gu);
    return lower
      ? { pass: false, reason: `has lowercase letters (${[...new Set(lower)].slice(0, 5).join('')})` }
      : { pass: true, reason: 'all letters are uppercase' };
  },
  'word-count'(response, meta) {
    const n = typeof meta.arg === 'number' ? meta.arg : typeof meta.arg === 'string' ? Number(meta.arg) : NaN;
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`Judge rule word-count needs a whole number in meta.arg, got ${JSON.stringify(meta.arg)}`);
    const count = words(response).length;
    return { pass: count === n, reason: count === n ? `has exactly ${n} words` : `has ${count} words, asked for ${n}` };
  },
  question(response) {
    return response.endsWith('?')
      ? { pass: true, reason: 'ends with a question mark' }
      : { pass: false, reason: 'does not end with a question mark' };
  },
  commas(response) {
    const items = response.split(',').map((s) => s.trim());
    if (items.length < 2) return { pass: false, reason: 'has no commas' };
    if (items.some((s) => s.length === 0)) return { pass: false, reason: 'has an empty item between commas' };
    return { pass: true, reason: `lists ${items.length} items separated by commas` };
  },
  'starts-with'(response, meta) {
    if (typeof meta.arg !== 'string' || meta.arg.trim() === '')
      throw new Error(`Judge rule starts-with needs the opening word in meta.arg, got ${JSON.stringify(meta.arg)}`);
    const opener = meta.arg.trim().toLowerCase();
    const head = response.toLowerCase();
    // "okay" must be the whole first word: "okayish" does not count.
    const pass = head.startsWith(opener) && !/[\p{L}\p{N}]/u.test(head.charAt(opener.length));
    return { pass, reason: pass ? `starts with "${meta.arg}"` : `does not start with "${meta.arg}"` };
  },
};

/** The rules the judge knows (those of scripts/make-demo-data.ts). */
export const JUDGE_RULES: readonly string[] = Object.keys(CHECKS);

/**
 * Whether `response` follows the rule in `meta`. Surrounding whitespace is
 * ignored; letter case matters only for the uppercase rule. Throws on an
 * unknown rule or a rule without the argument it needs.
 */
export function judgeResponse(meta: JudgeMeta, response: string): JudgeVerdict {
  const check = Object.hasOwn(CHECKS, meta.rule) ? CHECKS[meta.rule] : undefined;
  if (!check) throw new Error(`Unknown judge rule "${meta.rule}"; known rules: ${JUDGE_RULES.join(', ')}`);
  return check(response.trim(), meta);
}
