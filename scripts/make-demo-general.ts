/**
 * Writes assets/demo/general.jsonl: short plain-English sentences about the
 * demo's topics (colors, animals, fruits, cities, tools), one `{"text": …}`
 * per line. They are not preference pairs: a run scores them (mean token
 * log-prob) before and after preference training to see whether the model
 * kept its general ability. The demo model is pre-trained on other sentences
 * from the same generator (`generalSentences` with another seed), so these
 * stay held out. Deterministic: run it again and the file is identical.
 *
 *   npx tsx scripts/make-demo-general.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const COLORS = ['red', 'blue', 'green', 'yellow', 'purple', 'orange', 'black', 'white', 'pink', 'brown'];
const ANIMALS = ['cat', 'dog', 'horse', 'owl', 'fox', 'bear', 'whale', 'tiger', 'rabbit', 'eagle'];
const FRUITS = ['apple', 'pear', 'banana', 'cherry', 'grape', 'lemon', 'mango', 'peach', 'plum', 'melon'];
const CITIES = ['Paris', 'Tokyo', 'Lima', 'Cairo', 'Oslo', 'Rome', 'Delhi', 'Sydney', 'Berlin', 'Quito'];
const TOOLS = ['hammer', 'saw', 'drill', 'wrench', 'shovel', 'brush', 'ladder', 'needle', 'rope', 'knife'];
const PEOPLE = ['My sister', 'The farmer', 'A child', 'Our teacher', 'The old man', 'My friend', 'The cook', 'A painter'];
const TIMES = ['in the morning', 'at night', 'after lunch', 'every Sunday', 'in the spring', 'on rainy days'];
const PLACES = ['in the garden', 'by the river', 'near the market', 'on the hill', 'in the forest', 'at the park'];

type Rand = () => number;
type Template = (r: Rand) => string;

/** A seeded linear congruential generator (same constants as make-demo-data.ts). */
function lcg(seed: number): Rand {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const an = (word: string): string => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

const TEMPLATES: Template[] = [
  (r) => `The ${pick(r, ANIMALS)} sleeps ${pick(r, PLACES)}.`,
  (r) => `${pick(r, PEOPLE)} bought ${an(pick(r, FRUITS))} ${pick(r, TIMES)}.`,
  (r) => `${pick(r, CITIES)} is a big city with many old streets.`,
  (r) => `You can fix the fence with ${an(pick(r, TOOLS))}.`,
  (r) => `The ${pick(r, FRUITS)} on the table is ${pick(r, COLORS)}.`,
  (r) => `${pick(r, PEOPLE)} painted the door ${pick(r, COLORS)}.`,
  (r) => `We saw ${an(pick(r, ANIMALS))} ${pick(r, PLACES)} ${pick(r, TIMES)}.`,
  (r) => `${pick(r, PEOPLE)} took the train from ${pick(r, CITIES)} to ${pick(r, CITIES)}.`,
  (r) => `${cap(an(pick(r, ANIMALS)))} does not need ${an(pick(r, TOOLS))}.`,
  (r) => `It is warm in ${pick(r, CITIES)} ${pick(r, TIMES)}.`,
  (r) => `${pick(r, PEOPLE)} keeps the ${pick(r, TOOLS)} in a ${pick(r, COLORS)} box.`,
  (r) => `The ${pick(r, COLORS)} ${pick(r, ANIMALS)} ran ${pick(r, PLACES)}.`,
  (r) => `${cap(pick(r, FRUITS))} juice tastes sweet ${pick(r, TIMES)}.`,
  (r) => `${pick(r, PEOPLE)} likes the ${pick(r, FRUITS)} more than the ${pick(r, FRUITS)}.`,
  (r) => `There is a market in ${pick(r, CITIES)} that sells ${pick(r, FRUITS)}s.`,
  (r) => `The ${pick(r, ANIMALS)} watched ${pick(r, PEOPLE).toLowerCase()} use the ${pick(r, TOOLS)}.`,
  (r) => `${pick(r, PEOPLE)} wore a ${pick(r, COLORS)} coat in ${pick(r, CITIES)}.`,
  (r) => `A good ${pick(r, TOOLS)} lasts for many years.`,
  (r) => `The sky over ${pick(r, CITIES)} turned ${pick(r, COLORS)} ${pick(r, TIMES)}.`,
  (r) => `${pick(r, PEOPLE)} gave the ${pick(r, ANIMALS)} ${an(pick(r, FRUITS))}.`,
];

/**
 * `count` distinct sentences for `seed`, skipping any in `exclude` (so a
 * training set can avoid the held-out file's lines).
 */
export function generalSentences(count: number, seed: number, exclude: ReadonlySet<string> = new Set()): string[] {
  const r = lcg(seed);
  const seen = new Set<string>();
  const out: string[] = [];
  for (let tries = 0; out.length < count; tries++) {
    if (tries > count * 200) throw new Error(`Only ${out.length} distinct sentences for ${count} asked`);
    const s = pick(r, TEMPLATES)(r);
    if (seen.has(s) || exclude.has(s)) continue;
    seen.add(s);
    out.push(s);
  }
  return out;
}

/** Seed and size of the held-out file. */
export const GENERAL_SEED = 7;
export const GENERAL_COUNT = 300;
export const GENERAL_FILE = fileURLToPath(new URL('../assets/demo/general.jsonl', import.meta.url));

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const lines = generalSentences(GENERAL_COUNT, GENERAL_SEED);
  writeFileSync(GENERAL_FILE, lines.map((text) => JSON.stringify({ text })).join('\n') + '\n');
  console.log(`wrote ${lines.length} sentences to ${GENERAL_FILE}`);
}
