/**
 * Writes assets/demo/preferences.jsonl: the demo workspace's preference
 * pairs. Each prompt asks for a short answer that follows a rule a program can
 * check (uppercase, a word count, a closing question mark, a comma-separated
 * list, an opening word); the chosen answer follows it and the rejected one
 * breaks it. The rule is kept in `meta.rule`, so the studio's judge can score
 * any model's answers. Deterministic: run it again and the file is identical.
 *
 *   npx tsx scripts/make-demo-data.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let state = 42;
function rand(): number {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state / 2 ** 32;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
function pickDistinct<T>(items: readonly T[], n: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < n && pool.length) out.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]!);
  return out;
}

const TOPICS = {
  color: ['red', 'blue', 'green', 'yellow', 'purple', 'orange', 'black', 'white', 'pink', 'brown'],
  animal: ['cat', 'dog', 'horse', 'owl', 'fox', 'bear', 'whale', 'tiger', 'rabbit', 'eagle'],
  fruit: ['apple', 'pear', 'banana', 'cherry', 'grape', 'lemon', 'mango', 'peach', 'plum', 'melon'],
  city: ['paris', 'tokyo', 'lima', 'cairo', 'oslo', 'rome', 'delhi', 'sydney', 'berlin', 'quito'],
  tool: ['hammer', 'saw', 'drill', 'wrench', 'shovel', 'brush', 'ladder', 'needle', 'rope', 'knife'],
} as const;
type Topic = keyof typeof TOPICS;
const TOPIC_NAMES = Object.keys(TOPICS) as Topic[];

interface Pair {
  prompt: string;
  chosen: string;
  rejected: string;
  meta: { rule: string; topic: string; arg?: number | string };
}

const RULES: Record<string, (topic: Topic) => Pair> = {
  uppercase(topic) {
    const word = pick(TOPICS[topic]);
    return {
      prompt: `Name a ${topic}. Reply in uppercase.`,
      chosen: word.toUpperCase(),
      rejected: word,
      meta: { rule: 'uppercase', topic },
    };
  },
  'word-count'(topic) {
    const n = 2 + Math.floor(rand() * 3);
    const words = pickDistinct(TOPICS[topic], n + 1);
    return {
      prompt: `List ${n} ${topic}s in exactly ${n} words.`,
      chosen: words.slice(0, n).join(' '),
      rejected: words.join(' '),
      meta: { rule: 'word-count', topic, arg: n },
    };
  },
  question(topic) {
    const word = pick(TOPICS[topic]);
    return {
      prompt: `Ask me about a ${topic}. End with a question mark.`,
      chosen: `do you like the ${word}?`,
      rejected: `i like the ${word}.`,
      meta: { rule: 'question', topic },
    };
  },
  commas(topic) {
    const words = pickDistinct(TOPICS[topic], 3);
    return {
      prompt: `Give three ${topic}s separated by commas.`,
      chosen: words.join(', '),
      rejected: words.join(' and '),
      meta: { rule: 'commas', topic },
    };
  },
  'starts-with'(topic) {
    const word = pick(TOPICS[topic]);
    const opener = pick(['sure', 'yes', 'okay'] as const);
    return {
      prompt: `Start your reply with "${opener}" and name a ${topic}.`,
      chosen: `${opener}, ${word}`,
      rejected: `${word}, ${opener}`,
      meta: { rule: 'starts-with', topic, arg: opener },
    };
  },
};

const pairs: Pair[] = [];
const seen = new Set<string>();
while (pairs.length < 400) {
  const pair = RULES[pick(Object.keys(RULES))]!(pick(TOPIC_NAMES));
  const key = `${pair.prompt}|${pair.chosen}`;
  if (seen.has(key)) continue;
  seen.add(key);
  pairs.push(pair);
}
const out = fileURLToPath(new URL('../assets/demo/preferences.jsonl', import.meta.url));
writeFileSync(out, pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');
console.log(`wrote ${pairs.length} pairs to ${out}`);
