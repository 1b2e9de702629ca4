/**
 * Writes assets/demo/preferences.jsonl: the demo workspace's preference
 * pairs. Each prompt asks for a short answer that follows a rule a program can
 * check (uppercase, a word count, a closing question mark, a comma-separated
 * list, an opening word); the chosen answer follows it and the rejected one
 * breaks it. The rule is kept in `meta.rule`, so the studio's judge can score
 * any model's answers. Deterministic: run it again and the file is identical.
 *
 * Every prompt is distinct (one pair per prompt) and every rule has the same
 * number of them, so the held-out split (by prompt hash) holds every rule and
 * its win rate and preference accuracy are over that many distinct prompts:
 * a prompt is a rule's phrasing × a topic × optionally a word of the topic to
 * leave out ("Name a fruit other than mango. Reply in uppercase.") × the
 * rule's argument (a word count, an opening word, three or four items).
 *
 *   npx tsx scripts/make-demo-data.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Prompts per rule: 5 rules × 200 = 1000 pairs, ~250 of them held out (main/core/datasets/demo.ts splits 25%). */
export const DEMO_PROMPTS_PER_RULE = 200;

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
const shuffle = <T>(items: readonly T[]): T[] => pickDistinct(items, items.length);

const TOPICS = {
  color: ['red', 'blue', 'green', 'yellow', 'purple', 'orange', 'black', 'white', 'pink', 'brown', 'gray', 'gold'],
  animal: ['cat', 'dog', 'horse', 'owl', 'fox', 'bear', 'whale', 'tiger', 'rabbit', 'eagle', 'wolf', 'goat'],
  fruit: ['apple', 'pear', 'banana', 'cherry', 'grape', 'lemon', 'mango', 'peach', 'plum', 'melon', 'kiwi', 'lime'],
  city: ['paris', 'tokyo', 'lima', 'cairo', 'oslo', 'rome', 'delhi', 'sydney', 'berlin', 'quito', 'madrid', 'seoul'],
  tool: ['hammer', 'saw', 'drill', 'wrench', 'shovel', 'brush', 'ladder', 'needle', 'rope', 'knife', 'axe', 'spade'],
  drink: ['tea', 'coffee', 'milk', 'juice', 'water', 'cocoa', 'soda', 'cider', 'lemonade', 'broth', 'kefir', 'punch'],
  sport: ['tennis', 'soccer', 'rugby', 'golf', 'boxing', 'rowing', 'skiing', 'hockey', 'judo', 'cricket', 'polo', 'chess'],
  tree: ['oak', 'pine', 'birch', 'maple', 'willow', 'cedar', 'elm', 'ash', 'palm', 'spruce', 'beech', 'fir'],
} as const;
type Topic = keyof typeof TOPICS;
const TOPIC_NAMES = Object.keys(TOPICS) as Topic[];

interface Pair {
  prompt: string;
  chosen: string;
  rejected: string;
  meta: { rule: string; topic: string; arg?: number | string };
}

/** One prompt before its answers: the rule's phrasing index, the topic, the word left out (or none), the rule's argument. */
interface Slot {
  phrasing: number;
  topic: Topic;
  other: string | null;
  arg: number | string | null;
}

/** A rule: its phrasings, the values of its argument (none: [null]) and how a slot becomes a pair. */
interface Rule {
  phrasings: number;
  args: readonly (number | string | null)[];
  make: (slot: Slot, words: readonly string[]) => Pair;
}

const NUMBER_WORDS: Record<number, string> = { 3: 'three', 4: 'four' };
const but = (other: string | null) => (other ? ` other than ${other}` : '');

const RULES: Record<string, Rule> = {
  uppercase: {
    phrasings: 3,
    args: [null],
    make({ phrasing, topic, other }, words) {
      const t = `${topic}${but(other)}`;
      const prompt = [
        `Name a ${t}. Reply in uppercase.`,
        `Write a ${t} in capital letters.`,
        `Which ${t} comes to mind? Answer in all caps.`,
      ][phrasing]!;
      const word = pick(words);
      return { prompt, chosen: word.toUpperCase(), rejected: word, meta: { rule: 'uppercase', topic } };
    },
  },
  'word-count': {
    phrasings: 3,
    args: [2, 3, 4],
    make({ phrasing, topic, other, arg }, words) {
      const n = arg as number;
      const t = `${topic}s${but(other)}`;
      const prompt = [
        `List ${n} ${t} in exactly ${n} words.`,
        `Name ${n} ${t}, using exactly ${n} words.`,
        `Reply with exactly ${n} words: ${t}.`,
      ][phrasing]!;
      const picked = pickDistinct(words, n + 1);
      return { prompt, chosen: picked.slice(0, n).join(' '), rejected: picked.join(' '), meta: { rule: 'word-count', topic, arg: n } };
    },
  },
  question: {
    phrasings: 3,
    args: [null],
    make({ phrasing, topic, other }, words) {
      const t = `${topic}${but(other)}`;
      const prompt = [
        `Ask me about a ${t}. End with a question mark.`,
        `Write a question about a ${t}.`,
        `Turn a ${t} into a question for me.`,
      ][phrasing]!;
      const word = pick(words);
      const form = Math.floor(rand() * 3);
      return {
        prompt,
        chosen: [`do you like the ${word}?`, `have you seen a ${word}?`, `is the ${word} your favourite?`][form]!,
        rejected: [`i like the ${word}.`, `i have seen a ${word}.`, `the ${word} is my favourite.`][form]!,
        meta: { rule: 'question', topic },
      };
    },
  },
  commas: {
    phrasings: 3,
    args: [3, 4],
    make({ phrasing, topic, other, arg }, words) {
      const k = NUMBER_WORDS[arg as number]!;
      const t = `${topic}s${but(other)}`;
      const prompt = [
        `Give ${k} ${t} separated by commas.`,
        `List ${k} ${t}, comma-separated.`,
        `Name ${k} ${t} with commas between them.`,
      ][phrasing]!;
      const picked = pickDistinct(words, arg as number);
      return {
        prompt,
        chosen: picked.join(', '),
        rejected: rand() < 0.5 ? picked.join(' and ') : picked.join(' '),
        meta: { rule: 'commas', topic },
      };
    },
  },
  'starts-with': {
    phrasings: 3,
    args: ['sure', 'yes', 'okay'],
    make({ phrasing, topic, other, arg }, words) {
      const opener = arg as string;
      const t = `${topic}${but(other)}`;
      const prompt = [
        `Start your reply with "${opener}" and name a ${t}.`,
        `Begin with the word "${opener}", then name a ${t}.`,
        `Name a ${t}; your first word must be "${opener}".`,
      ][phrasing]!;
      const word = pick(words);
      return { prompt, chosen: `${opener}, ${word}`, rejected: `${word}, ${opener}`, meta: { rule: 'starts-with', topic, arg: opener } };
    },
  },
};

/** Every slot a rule can fill: phrasing × topic × (no word left out, or one of the topic's words) × argument. */
function slotsOf(rule: Rule): Slot[] {
  return Array.from({ length: rule.phrasings }, (_, phrasing) =>
    TOPIC_NAMES.flatMap((topic) => [null, ...TOPICS[topic]].flatMap((other) => rule.args.map((arg) => ({ phrasing, topic, other, arg })))),
  ).flat();
}

/** The demo pairs: DEMO_PROMPTS_PER_RULE distinct prompts per rule, drawn without replacement, in a seeded mixed order. */
export function demoPairs(perRule = DEMO_PROMPTS_PER_RULE): Pair[] {
  state = 42;
  const pairs = Object.values(RULES).flatMap((rule) =>
    pickDistinct(slotsOf(rule), perRule).map((slot) =>
      rule.make(
        slot,
        TOPICS[slot.topic].filter((w) => w !== slot.other),
      ),
    ),
  );
  const prompts = new Set(pairs.map((p) => p.prompt));
  if (prompts.size !== pairs.length) throw new Error(`demo prompts repeat: ${pairs.length - prompts.size} duplicates`);
  return shuffle(pairs);
}

export const DEMO_PREFERENCES_FILE = fileURLToPath(new URL('../assets/demo/preferences.jsonl', import.meta.url));
export const renderDemoPairs = (): string =>
  demoPairs()
    .map((p) => JSON.stringify(p))
    .join('\n') + '\n';

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const text = renderDemoPairs();
  writeFileSync(DEMO_PREFERENCES_FILE, text);
  console.log(`wrote ${text.trim().split('\n').length} pairs to ${DEMO_PREFERENCES_FILE}`);
}
