import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { JUDGE_RULES, judgeResponse, type JudgeMeta } from '../../../main/training/demo/judge';

interface DemoPair {
  prompt: string;
  chosen: string;
  rejected: string;
  meta: JudgeMeta;
}

const PREFERENCES = fileURLToPath(new URL('../../../assets/demo/preferences.jsonl', import.meta.url));
const pairs = readFileSync(PREFERENCES, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as DemoPair);

describe('demo judge', () => {
  it('passes every chosen and fails every rejected answer of the demo pairs, for every rule', () => {
    expect(pairs).toHaveLength(1000);
    expect(new Set(pairs.map((p) => p.meta.rule))).toEqual(new Set(JUDGE_RULES));
    const wrong = pairs.flatMap((p, i) => {
      const chosen = judgeResponse(p.meta, p.chosen);
      const rejected = judgeResponse(p.meta, p.rejected);
      return [
        ...(chosen.pass ? [] : [`${i} chosen ${p.chosen}: ${chosen.reason}`]),
        ...(rejected.pass ? [`${i} rejected ${p.rejected}: ${rejected.reason}`] : []),
      ];
    });
    expect(wrong).toEqual([]);
  });

  it('checks each rule on answers a model might give', () => {
    const cases: [JudgeMeta, string, boolean][] = [
      [{ rule: 'uppercase' }, ' MANGO \n', true],
      [{ rule: 'uppercase' }, 'MANGo', false],
      [{ rule: 'uppercase' }, '123 !', false],
      [{ rule: 'word-count', arg: 3 }, 'red  green\nblue', true],
      [{ rule: 'word-count', arg: 3 }, 'red green', false],
      [{ rule: 'word-count', arg: '2' }, 'red green', true],
      [{ rule: 'question' }, 'do you like the fox? ', true],
      [{ rule: 'question' }, 'is it? no.', false],
      [{ rule: 'commas' }, 'apple,pear, plum', true],
      [{ rule: 'commas' }, 'apple, , plum', false],
      [{ rule: 'commas' }, 'apple and pear', false],
      [{ rule: 'starts-with', arg: 'okay' }, 'Okay, mango', true],
      [{ rule: 'starts-with', arg: 'okay' }, 'okay', true],
      [{ rule: 'starts-with', arg: 'okay' }, 'okayish mango', false],
      [{ rule: 'starts-with', arg: 'yes' }, 'mango, yes', false],
    ];
    for (const [meta, response, pass] of cases) {
      const verdict = judgeResponse(meta, response);
      expect(verdict.pass, `${meta.rule} ${JSON.stringify(response)}`).toBe(pass);
      expect(verdict.reason.length).toBeGreaterThan(0);
    }
    expect(judgeResponse({ rule: 'word-count', arg: 2 }, 'a b c').reason).toBe('has 3 words, asked for 2');
  });

  it('refuses unknown rules and rules without their argument', () => {
    expect(() => judgeResponse({ rule: 'rhymes' }, 'x')).toThrow(/Unknown judge rule "rhymes"; known rules: uppercase/);
    expect(() => judgeResponse({ rule: 'toString' }, 'x')).toThrow(/Unknown judge rule/);
    expect(() => judgeResponse({ rule: 'word-count' }, 'x')).toThrow(/needs a whole number/);
    expect(() => judgeResponse({ rule: 'starts-with', arg: 3 }, 'x')).toThrow(/needs the opening word/);
  });
});
