/**
 * Writes assets/demo/mc.jsonl: the demo workspace's multiple-choice capability
 * task (issue 14, suite 2), in the plain `{id, context, choices, gold}` format
 * that main/core/evals/task-files.ts reads.
 *
 * Each item is a held-out demo sentence cut before one of its topic words
 * (a color, animal, fruit, city or tool — with its "a"/"an" when it has one):
 * the context is the start, the right choice the real rest, and the three
 * wrong ones the same rest with that word replaced by a word of another topic
 * each: after "The sky over Oslo turned", the right "pink after lunch." against
 * "hammer after lunch.", "Lima after lunch." and "owl after lunch.".
 * Articles are re-chosen ("an owl", "a hammer"), so a wrong choice is well
 * formed word by word but puts a word where the demo's sentences never have
 * one of its kind.
 *
 * Why other topics and not the same one: the sentence generator picks every
 * word uniformly within its topic, so "turned pink" and "turned blue" are
 * equally likely under the very data the model learned from — even a perfect
 * model would sit at 25% on same-topic swaps. Another topic in the slot is
 * what a model that learned the sentences' patterns can tell apart; a random
 * model has nothing to go on but length (about a quarter of items have the
 * right choice shortest; the test checks it). Measured 2026-12-06 with the
 * demo model of the 400-pair demo (wasm, summed log-probs of " " + choice):
 * acc 0.685 here, against 0.30 for a random init of the same shape, and 0.295
 * for the same model on same-topic swaps of these very items. The model
 * re-pre-trained on the 1000-pair demo (issue 19) scores acc 0.69 here
 * (`studio eval --model demo --suite demo`).
 *
 * Held out: the sentences come from `generalSentences` (scripts/make-demo-general.ts)
 * with their own seed (MC_SEED), skipping every sentence of
 * assets/demo/general.jsonl (seed 7) and of the demo model's pre-training set
 * (seed 1001, scripts/make-demo-model.ts). Gold positions are seeded and
 * spread over 0–3. Deterministic: run it again and the file is identical
 * (test/unit/evals/task-files.test.ts compares the committed file with
 * `renderDemoMc()`).
 *
 *   npx tsx scripts/make-demo-mc.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GENERAL_COUNT, GENERAL_SEED, generalSentences } from './make-demo-general';
import { DEMO_GENERAL_TRAIN_COUNT, DEMO_GENERAL_TRAIN_SEED } from './make-demo-model';

/** The topic words of make-demo-general.ts (and make-demo-data.ts), by topic. */
export const TOPIC_WORDS = {
  color: ['red', 'blue', 'green', 'yellow', 'purple', 'orange', 'black', 'white', 'pink', 'brown'],
  animal: ['cat', 'dog', 'horse', 'owl', 'fox', 'bear', 'whale', 'tiger', 'rabbit', 'eagle'],
  fruit: ['apple', 'pear', 'banana', 'cherry', 'grape', 'lemon', 'mango', 'peach', 'plum', 'melon'],
  city: ['Paris', 'Tokyo', 'Lima', 'Cairo', 'Oslo', 'Rome', 'Delhi', 'Sydney', 'Berlin', 'Quito'],
  tool: ['hammer', 'saw', 'drill', 'wrench', 'shovel', 'brush', 'ladder', 'needle', 'rope', 'knife'],
} as const;
export type Topic = keyof typeof TOPIC_WORDS;
const TOPICS = Object.keys(TOPIC_WORDS) as Topic[];

export const MC_SEED = 2027;
export const MC_COUNT = 200;
export const MC_FILE = fileURLToPath(new URL('../assets/demo/mc.jsonl', import.meta.url));

export interface DemoMcItem {
  id: string;
  context: string;
  choices: string[];
  gold: number;
  /** The topic of the word the context stops before (the right choice's). */
  topic: Topic;
}

type Rand = () => number;
function lcg(seed: number): Rand {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const an = (word: string): string => (/^[aeiou]/.test(word) ? 'an' : 'a');

function topicOf(word: string): Topic | null {
  return TOPICS.find((t) => (TOPIC_WORDS[t] as readonly string[]).includes(word)) ?? null;
}

/** Every sentence the demo model or general.jsonl already uses: the MC task must not repeat one. */
export function usedSentences(): Set<string> {
  const general = generalSentences(GENERAL_COUNT, GENERAL_SEED);
  const pretraining = generalSentences(DEMO_GENERAL_TRAIN_COUNT, DEMO_GENERAL_TRAIN_SEED, new Set(general));
  return new Set([...general, ...pretraining]);
}

interface Slot {
  /** Index of the first continuation word (the article when there is one). */
  cut: number;
  /** Index of the topic word. */
  at: number;
  topic: Topic;
  article: boolean;
}

/** Where a sentence can be cut: before a singular topic word that is not its first word. */
function slotsOf(words: readonly string[]): Slot[] {
  const slots: Slot[] = [];
  words.forEach((w, at) => {
    const topic = topicOf(w.replace(/[.,]$/, ''));
    if (topic === null) return;
    const article = at >= 1 && (words[at - 1] === 'a' || words[at - 1] === 'an');
    const cut = article ? at - 1 : at;
    if (cut >= 1) slots.push({ cut, at, topic, article });
  });
  return slots;
}

/** The continuation with the topic word replaced by `word` (and its article re-chosen). */
function replaced(words: readonly string[], slot: Slot, word: string): string {
  const rest = words.slice(slot.cut);
  const i = slot.at - slot.cut;
  const punctuation = /[.,]$/.exec(rest[i]!)?.[0] ?? '';
  rest[i] = word + punctuation;
  if (slot.article) rest[0] = an(word);
  return rest.join(' ');
}

/** The demo task's items, from seeds alone. */
export function demoMcItems(count = MC_COUNT, seed = MC_SEED): DemoMcItem[] {
  const sentences = generalSentences(count * 2, seed, usedSentences());
  const r = lcg(seed + 1);
  const items: DemoMcItem[] = [];
  for (const sentence of sentences) {
    if (items.length === count) break;
    const words = sentence.split(' ');
    const slots = slotsOf(words);
    if (slots.length === 0) continue;
    const slot = pick(r, slots);
    const right = words.slice(slot.cut).join(' ');
    const others = TOPICS.filter((t) => t !== slot.topic);
    const wrongTopics: Topic[] = [];
    while (wrongTopics.length < 3) {
      const t = others.splice(Math.floor(r() * others.length), 1)[0]!;
      wrongTopics.push(t);
    }
    const wrong = wrongTopics.map((t) => replaced(words, slot, pick(r, TOPIC_WORDS[t])));
    const gold = Math.floor(r() * 4);
    const choices = [...wrong.slice(0, gold), right, ...wrong.slice(gold)];
    items.push({
      id: `demo-mc-${String(items.length + 1).padStart(3, '0')}`,
      context: words.slice(0, slot.cut).join(' '),
      choices,
      gold,
      topic: slot.topic,
    });
  }
  if (items.length < count) throw new Error(`Only ${items.length} items for ${count} asked`);
  return items;
}

/** The file's exact text. */
export function renderDemoMc(items = demoMcItems()): string {
  return items.map(({ id, context, choices, gold }) => JSON.stringify({ id, context, choices, gold })).join('\n') + '\n';
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const items = demoMcItems();
  writeFileSync(MC_FILE, renderDemoMc(items));
  console.log(`wrote ${items.length} items to ${MC_FILE}`);
}
