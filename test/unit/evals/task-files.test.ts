// Evaluation task files: each multiple-choice format detected and normalized,
// bad rows listed with row, line and reason while the good ones are kept,
// unreadable files refused in one sentence, text sets for perplexity, content
// hashes, and the demo's MC task (held out, reproducible, learnable).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../../shared/result';
import { hellaswagPreprocess, loadMcTask, loadTextSet, type McTask, type TaskProblem } from '../../../main/core/evals/task-files';
import { demoMcItems, MC_FILE, MC_SEED, renderDemoMc, TOPIC_WORDS, usedSentences } from '../../../scripts/make-demo-mc';
import { GENERAL_COUNT, GENERAL_FILE, GENERAL_SEED, generalSentences } from '../../../scripts/make-demo-general';
import { DEMO_GENERAL_TRAIN_COUNT, DEMO_GENERAL_TRAIN_SEED } from '../../../scripts/make-demo-model';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'task-files-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}
const jsonl = (rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
const errors = (task: { problems: TaskProblem[] }) => task.problems.filter((p) => p.severity === 'error');

async function refusal(promise: Promise<unknown>): Promise<StudioError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StudioError);
  return error as StudioError;
}

describe('multiple-choice formats', () => {
  it('ARC (AI2 layout): answerKey "B" and "2" both name the second choice; the context is lm-eval\'s ARC prompt', async () => {
    const letters = [
      { label: 'A', text: 'iron' },
      { label: 'B', text: 'wood' },
      { label: 'C', text: 'glass' },
    ];
    const digits = [
      { label: '1', text: 'up' },
      { label: '2', text: 'down' },
      { label: '3', text: 'sideways' },
      { label: '4', text: 'nowhere' },
    ];
    const file = write(
      'arc.jsonl',
      jsonl([
        { id: 'q1', question: { stem: 'Which floats?', choices: letters }, answerKey: 'B' },
        { id: 'q2', question: { stem: 'Where do apples fall?', choices: digits }, answerKey: '2' },
        // A digit key on lettered labels maps 1→A, 2→B (lm-eval's ARC).
        { id: 'q3', question: { stem: 'Which floats, again?', choices: letters }, answerKey: '2' },
      ]),
    );
    const task = await loadMcTask(file);
    expect(task.format).toBe('arc');
    expect(task.formatReason).toBe('ARC: 3 of 3 rows have question.stem, question.choices and answerKey.');
    expect(task.container).toBe('jsonl');
    expect(task.items).toEqual([
      { id: 'q1', context: 'Question: Which floats?\nAnswer:', choices: ['iron', 'wood', 'glass'], gold: 1 },
      { id: 'q2', context: 'Question: Where do apples fall?\nAnswer:', choices: ['up', 'down', 'sideways', 'nowhere'], gold: 1 },
      { id: 'q3', context: 'Question: Which floats, again?\nAnswer:', choices: ['iron', 'wood', 'glass'], gold: 1 },
    ]);
    expect(task.problems).toEqual([]);
    expect(task.targetDelimiter).toBe(' ');
  });

  it('ARC (Hugging Face ai2_arc layout, a JSON array) normalizes to the same items and hash as the AI2 layout', async () => {
    const hf = write(
      'arc-hf.json',
      JSON.stringify(
        [{ id: 'q1', question: 'Which floats?', choices: { text: ['iron', 'wood', 'glass'], label: ['A', 'B', 'C'] }, answerKey: 'B' }],
        null,
        2,
      ),
    );
    const ai2 = write(
      'arc-ai2.jsonl',
      jsonl([
        {
          id: 'q1',
          question: { stem: 'Which floats?', choices: ['iron', 'wood', 'glass'].map((text, i) => ({ label: 'ABC'[i], text })) },
          answerKey: 'B',
        },
      ]),
    );
    const [a, b] = await Promise.all([loadMcTask(hf), loadMcTask(ai2)]);
    expect(a.format).toBe('arc');
    expect(a.container).toBe('json');
    expect(a.items).toEqual(b.items);
    expect(a.hash).toBe(b.hash);
  });

  it('MMLU: answer "C" and 2 both name the third choice; a digit string is an index', async () => {
    const choices = ['1', '2', '4', '8'];
    const file = write(
      'mmlu.jsonl',
      jsonl([
        { question: 'What is 2 + 2?', subject: 'math', choices, answer: 'C' },
        { question: 'What is 2 × 2?', subject: 'math', choices, answer: 2 },
        { question: 'What is 2²?', subject: 'math', choices, answer: '2' },
      ]),
    );
    const task = await loadMcTask(file);
    expect(task.format).toBe('mmlu');
    expect(task.formatReason).toBe('MMLU: 3 of 3 rows have question, choices and answer.');
    expect(task.items.map((i) => i.gold)).toEqual([2, 2, 2]);
    expect(task.items[0]).toEqual({ id: 'row-1', context: 'Question: What is 2 + 2?\nAnswer:', choices, gold: 2 });
    expect(task.items.map((i) => i.id)).toEqual(['row-1', 'row-2', 'row-3']);
  });

  it("HellaSwag: label as string or number; context and endings through lm-eval's preprocess", async () => {
    const file = write(
      'hellaswag.jsonl',
      jsonl([
        {
          ind: 4,
          activity_label: 'Baking',
          ctx: 'A man pours flour [title] into a bowl.',
          endings: ['He  stirs it.', 'He sings.'],
          label: '0',
        },
        { ind: 5, ctx_a: 'The dog runs.', ctx_b: 'it jumps', endings: ['over the fence.', 'into the sky.', 'under water.'], label: 0 },
      ]),
    );
    const task = await loadMcTask(file);
    expect(task.format).toBe('hellaswag');
    expect(task.items).toEqual([
      { id: '4', context: 'Baking: A man pours flour. into a bowl.', choices: ['He stirs it.', 'He sings.'], gold: 0 },
      { id: '5', context: 'The dog runs. It jumps', choices: ['over the fence.', 'into the sky.', 'under water.'], gold: 0 },
    ]);
    // lm-eval: text.strip(); " [title]" → ". "; drop "[…]"; "  " → " ".
    expect(hellaswagPreprocess(' a [header] b [title]c  d ')).toBe('a b. c d');
  });

  it('plain {context, choices, gold}', async () => {
    const file = write('plain.jsonl', jsonl([{ id: 'p1', context: 'The sky is', choices: ['blue.', 'a hammer.'], gold: 0 }]));
    const task = await loadMcTask(file);
    expect(task.format).toBe('plain');
    expect(task.formatReason).toBe('plain {context, choices, gold}: 1 of 1 row has context, choices and gold.');
    expect(task.items).toEqual([{ id: 'p1', context: 'The sky is', choices: ['blue.', 'a hammer.'], gold: 0 }]);
  });

  it('the format follows most rows, and a forced format is said to be chosen', async () => {
    const file = write(
      'mostly-plain.jsonl',
      jsonl([
        { context: 'a', choices: ['x', 'y'], gold: 0 },
        { context: 'b', choices: ['x', 'y'], gold: 1 },
        { question: 'c', choices: ['x', 'y'], answer: 0 },
      ]),
    );
    const task = await loadMcTask(file);
    expect(task.format).toBe('plain');
    expect(task.formatReason).toBe('plain {context, choices, gold}: 2 of 3 rows have context, choices and gold.');
    expect(task.items).toHaveLength(2);
    expect(errors(task)).toEqual([expect.objectContaining({ row: 3, line: 3, code: 'missing-field' })]);
    const forced = await loadMcTask(file, { format: 'mmlu' });
    expect(forced.formatReason).toBe('MMLU: chosen by you.');
    expect(forced.items.map((i) => i.context)).toEqual(['Question: c\nAnswer:']);
  });
});

describe('bad rows: listed with row, line and reason; the good ones are kept', () => {
  let task: McTask;
  beforeAll(async () => {
    const good = (n: number) => ({ id: `g${n}`, context: `good ${n}`, choices: ['a', 'b', 'c'], gold: n % 3 });
    const file = write(
      'bad.jsonl',
      jsonl([
        good(1), // line 1
        '{"context": "broken", "choices": [', // line 2: not JSON
        { context: 'no gold', choices: ['a', 'b'] }, // 3
        { context: 'gold too big', choices: ['a', 'b'], gold: 2 }, // 4
        { context: 'no choices', choices: [], gold: 0 }, // 5
        { context: 'number choice', choices: ['a', 7], gold: 0 }, // 6
        { context: 'gold repeats', choices: ['a', 'b', 'a'], gold: 2 }, // 7
        { choices: ['a', 'b'], gold: 0 }, // 8: no context
        { context: 'one choice', choices: ['a'], gold: 0 }, // 9
        { context: 'gold -1', choices: ['a', 'b'], gold: -1 }, // 10
        { context: 'gold 1.5', choices: ['a', 'b'], gold: 1.5 }, // 11
        { context: 'blank choice', choices: ['a', ' '], gold: 0 }, // 12
        '[1, 2]', // 13: not an object
        { id: 'dup', context: 'harmless repeat', choices: ['a', 'b', 'b'], gold: 0 }, // 14: kept, warned
        { id: 'dup', context: 'same id', choices: ['a', 'b'], gold: 1 }, // 15: kept under a new id
        good(2), // 16
      ]),
    );
    task = await loadMcTask(file);
  });

  it('keeps the good rows', () => {
    expect(task.items.map((i) => i.id)).toEqual(['g1', 'dup', 'dup#row-15', 'g2']);
    expect(task.rowsSeen).toBe(16);
  });

  it('names each bad row by row, line and reason', () => {
    const found = errors(task).map((p) => [p.line, p.code]);
    expect(found).toEqual([
      [2, 'json-syntax'],
      [3, 'missing-field'],
      [4, 'gold-out-of-range'],
      [5, 'empty-choices'],
      [6, 'non-string-choice'],
      [7, 'gold-duplicated'],
      [8, 'missing-field'],
      [9, 'one-choice'],
      [10, 'gold-out-of-range'],
      [11, 'wrong-type'],
      [12, 'empty-choice'],
      [13, 'not-an-object'],
    ]);
    const byLine = (line: number) => errors(task).find((p) => p.line === line)!;
    expect(byLine(3).reason).toBe('Row 3 (line 3): no "gold" field; not used.');
    expect(byLine(4).reason).toBe('Row 4 (line 4): "gold" number 2 is out of range for 2 choices (0–1); not used.');
    expect(byLine(5).reason).toBe('Row 5 (line 5): "choices" is an empty list; not used.');
    expect(byLine(6).reason).toBe('Row 6 (line 6): choice 1 in "choices" is number 7, not text; not used.');
    expect(byLine(7).reason).toMatch(/right choice \(2\) repeats choice 0 word for word/);
    expect(byLine(8).reason).toBe('Row 8 (line 8): no "context" field; not used.');
    expect(byLine(2).reason).toMatch(/^Line 2 is not valid JSON/);
    for (const p of task.problems) expect(p.file).toBe('bad.jsonl');
  });

  it('warns about a repeated choice that is not the gold and a repeated id, keeping both rows', () => {
    const warnings = task.problems.filter((p) => p.severity === 'warning');
    expect(warnings.map((p) => [p.line, p.code])).toEqual([
      [14, 'duplicate-choices'],
      [15, 'duplicate-id'],
    ]);
    expect(warnings[0]!.reason).toBe(
      'Row 14 (line 14): choice 2 repeats 1 word for word; kept (the right one is the first of its text, and ties go to the first).',
    );
  });

  it('in a JSON array, a bad element is named by its index (row) and line', async () => {
    const file = write(
      'bad-array.json',
      `[\n  {"context": "ok", "choices": ["a", "b"], "gold": 1},\n  {"context": "bad", "choices": ["a", "b"], "gold": 5}\n]\n`,
    );
    const t = await loadMcTask(file);
    expect(t.items).toHaveLength(1);
    expect(t.problems).toEqual([expect.objectContaining({ row: 2, line: 3, code: 'gold-out-of-range', severity: 'error' })]);
  });

  it('ARC and MMLU golds that name no choice, and a HellaSwag row without a label', async () => {
    const arc = await loadMcTask(
      write(
        'arc-bad.jsonl',
        jsonl([
          {
            question: {
              stem: 's',
              choices: [
                { label: 'A', text: 'x' },
                { label: 'B', text: 'y' },
              ],
            },
            answerKey: 'E',
          },
        ]),
      ),
    );
    expect(arc.items).toEqual([]);
    expect(arc.problems[0]).toMatchObject({ line: 1, code: 'gold-out-of-range' });
    expect(arc.problems[0]!.reason).toBe('Row 1 (line 1): "answerKey" "E" names no choice (the labels are A, B); not used.');
    const mmlu = await loadMcTask(write('mmlu-bad.jsonl', jsonl([{ question: 'q', choices: ['x', 'y'], answer: 'D' }])));
    expect(mmlu.problems[0]).toMatchObject({ code: 'gold-out-of-range' });
    const hs = await loadMcTask(write('hs-bad.jsonl', jsonl([{ ctx: 'c', endings: ['x', 'y'], label: '' }])));
    expect(hs.problems[0]!.reason).toMatch(/no "label" field/);
  });
});

describe('files that are not task files are refused in one sentence', () => {
  it('binary content', async () => {
    const file = write('data.jsonl', new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4]));
    const error = await refusal(loadMcTask(file));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      'data.jsonl: This is not a text file: it looks like a gzip archive. Decompress it (gunzip) and import the file inside.',
    );
    await refusal(loadTextSet(file));
  });

  it('a folder, and a named pipe (which could block forever)', async () => {
    const folder = path.join(dir, 'a-folder.jsonl');
    mkdirSync(folder);
    expect((await refusal(loadMcTask(folder))).message).toMatch(/is a folder/);
    if (process.platform !== 'win32') {
      const fifo = path.join(dir, 'pipe.jsonl');
      execFileSync('mkfifo', [fifo]);
      const error = await refusal(loadMcTask(fifo));
      expect(error.message).toBe(
        `${fifo} is a named pipe (FIFO), not a regular file; only files saved on disk can be imported (a pipe or device may never end).`,
      );
    }
  });

  it('an empty file, CSV, a missing file, and rows in no known format', async () => {
    expect((await refusal(loadMcTask(write('empty.jsonl', '')))).message).toBe(
      'empty.jsonl: The file is empty: there are no rows to import.',
    );
    expect((await refusal(loadMcTask(write('t.csv', 'question,answer\nq,1\n')))).message).toMatch(/^t\.csv is not JSON/);
    expect((await refusal(loadMcTask(path.join(dir, 'nope.jsonl')))).code).toBe('NOT_FOUND');
    const error = await refusal(loadMcTask(write('prefs.jsonl', jsonl([{ prompt: 'p', chosen: 'c', rejected: 'r' }]))));
    expect(error.message).toMatch(/^prefs\.jsonl is in no known task format: its rows have "prompt", "chosen", "rejected"/);
  });
});

describe('content hash', () => {
  it('depends on the items, not on the file layout; changes with any gold, choice or context', async () => {
    const rows = [
      { id: 'a', context: 'c1', choices: ['x', 'y'], gold: 0 },
      { id: 'b', context: 'c2', choices: ['x', 'y'], gold: 1 },
    ];
    const base = await loadMcTask(write('h1.jsonl', jsonl(rows)));
    const spaced = await loadMcTask(write('h2.json', JSON.stringify(rows, null, 4)));
    expect(spaced.hash).toBe(base.hash);
    expect(base.hash).toMatch(/^[0-9a-f]{64}$/);
    const variants = [
      [{ ...rows[0], gold: 1 }, rows[1]],
      [{ ...rows[0], choices: ['x', 'z'] }, rows[1]],
      [{ ...rows[0], context: 'c1 ' }, rows[1]],
      [rows[1], rows[0]],
    ];
    for (const [i, v] of variants.entries()) expect((await loadMcTask(write(`hv${i}.jsonl`, jsonl(v)))).hash).not.toBe(base.hash);
  });
});

describe('perplexity text sets', () => {
  it('JSON Lines of {"text"}: bad lines listed, good ones kept exactly', async () => {
    const file = write(
      'docs.jsonl',
      jsonl([{ text: 'One.' }, '{"text": ', { text: 7 }, { title: 'x' }, { text: '  ' }, { id: 'd6', text: 'Six\nlines. ' }]),
    );
    const set = await loadTextSet(file);
    expect(set.documents).toEqual([
      { id: 'row-1', text: 'One.' },
      { id: 'd6', text: 'Six\nlines. ' },
    ]);
    expect(set.problems.map((p) => [p.line, p.code])).toEqual([
      [2, 'json-syntax'],
      [3, 'wrong-type'],
      [4, 'missing-field'],
      [5, 'empty-field'],
    ]);
    expect(set.problems[2]!.reason).toBe('Row 4 (line 4): no "text" field (it has "title"); not used.');
    expect(set.rowsSeen).toBe(6);
  });

  it('plain text: one document per blank-line-separated block', async () => {
    const file = write('docs.txt', 'First line.\nSame document.\n\n\nSecond document.\r\n\r\nThird.\n');
    const set = await loadTextSet(file);
    expect(set.container).toBe('text');
    expect(set.documents).toEqual([
      { id: 'doc-1', text: 'First line.\nSame document.' },
      { id: 'doc-2', text: 'Second document.' },
      { id: 'doc-3', text: 'Third.' },
    ]);
    expect(set.problems).toEqual([]);
    // The same texts in JSONL with the same ids hash the same.
    const same = await loadTextSet(write('same.jsonl', jsonl(set.documents)));
    expect(same.hash).toBe(set.hash);
  });

  it('a file with no rows or only blank space is refused; another text field by option', async () => {
    expect((await refusal(loadTextSet(write('none.json', '[]')))).message).toBe('none.json holds no rows: there are no documents.');
    expect((await refusal(loadTextSet(write('blank.txt', '\n  \n')))).message).toMatch(/only blank space/);
    const set = await loadTextSet(write('content.jsonl', jsonl([{ content: 'a' }])), { field: 'content' });
    expect(set.documents).toEqual([{ id: 'row-1', text: 'a' }]);
  });

  it('assets/demo/general.jsonl loads whole', async () => {
    const set = await loadTextSet(GENERAL_FILE);
    expect(set.documents).toHaveLength(GENERAL_COUNT);
    expect(set.problems).toEqual([]);
  });
});

describe('the demo MC task (assets/demo/mc.jsonl)', () => {
  it('is what scripts/make-demo-mc.ts produces now', () => {
    expect(readFileSync(MC_FILE, 'utf8')).toBe(renderDemoMc());
    expect(renderDemoMc()).toBe(renderDemoMc(demoMcItems()));
  });

  it('loads as plain format with 0 bad items, 4 distinct choices each, gold spread over all positions', async () => {
    const task = await loadMcTask(MC_FILE);
    expect(task.format).toBe('plain');
    expect(task.problems).toEqual([]);
    expect(task.items.length).toBeGreaterThanOrEqual(180);
    for (const item of task.items) {
      expect(item.choices).toHaveLength(4);
      expect(new Set(item.choices).size).toBe(4);
    }
    const counts = [0, 1, 2, 3].map((g) => task.items.filter((i) => i.gold === g).length);
    // Each position within a third of its fair share (n/4).
    for (const c of counts) expect(Math.abs(c - task.items.length / 4)).toBeLessThan(task.items.length / 12);
  });

  it('is held out: no item sentence is in general.jsonl or the demo model’s pre-training sentences', () => {
    const general = generalSentences(GENERAL_COUNT, GENERAL_SEED);
    expect(
      new Set(
        readFileSync(GENERAL_FILE, 'utf8')
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { text: string }).text),
      ),
    ).toEqual(new Set(general));
    const pretraining = generalSentences(DEMO_GENERAL_TRAIN_COUNT, DEMO_GENERAL_TRAIN_SEED, new Set(general));
    const used = usedSentences();
    expect(used).toEqual(new Set([...general, ...pretraining]));
    expect(MC_SEED).not.toBe(GENERAL_SEED);
    expect(MC_SEED).not.toBe(DEMO_GENERAL_TRAIN_SEED);
    for (const item of demoMcItems()) expect(used.has(`${item.context} ${item.choices[item.gold]}`)).toBe(false);
  });

  it('the right choice is the real sentence; the wrong ones put a word of another topic in its slot', () => {
    const topicOf = (w: string) => Object.entries(TOPIC_WORDS).find(([, words]) => (words as readonly string[]).includes(w))?.[0];
    for (const item of demoMcItems()) {
      const words = item.choices.map((c) => c.split(' '));
      // The choices differ in one word (and maybe the article before it).
      const differing = words[0]!.map((_, i) => i).filter((i) => new Set(words.map((w) => w[i])).size > 1);
      const slot = differing.at(-1)!;
      const topics = words.map((w) => topicOf(w[slot]!.replace(/[.,]$/, '')));
      expect(topics[item.gold]).toBe(item.topic);
      expect(new Set(topics).size).toBe(4);
    }
  });

  it('a length-only guess (what a random model goes by) is near 25%, a bigram model of the pre-training sentences far above', () => {
    const items = demoMcItems();
    const shortest = items.filter((i) => {
      const lengths = i.choices.map((c) => c.length);
      return lengths.indexOf(Math.min(...lengths)) === i.gold;
    }).length;
    expect(shortest / items.length).toBeGreaterThan(0.15);
    expect(shortest / items.length).toBeLessThan(0.35);

    // Add-one bigram counts over the words of the sentences the demo model was pre-trained on.
    const general = new Set(generalSentences(GENERAL_COUNT, GENERAL_SEED));
    const training = generalSentences(DEMO_GENERAL_TRAIN_COUNT, DEMO_GENERAL_TRAIN_SEED, general);
    const pairs = new Map<string, number>();
    const firsts = new Map<string, number>();
    const vocab = new Set<string>();
    for (const s of training) {
      const w = ['<s>', ...s.split(' ')];
      w.forEach((x) => vocab.add(x));
      for (let i = 1; i < w.length; i++) {
        pairs.set(`${w[i - 1]} ${w[i]}`, (pairs.get(`${w[i - 1]} ${w[i]}`) ?? 0) + 1);
        firsts.set(w[i - 1]!, (firsts.get(w[i - 1]!) ?? 0) + 1);
      }
    }
    const logProb = (context: string, choice: string) => {
      const w = [...context.split(' '), ...choice.split(' ')];
      let sum = 0;
      for (let i = context.split(' ').length; i < w.length; i++) {
        sum += Math.log(((pairs.get(`${w[i - 1]} ${w[i]}`) ?? 0) + 1) / ((firsts.get(w[i - 1]!) ?? 0) + vocab.size + 1));
      }
      return sum;
    };
    const right = items.filter((i) => {
      const scores = i.choices.map((c) => logProb(i.context, c));
      return scores.indexOf(Math.max(...scores)) === i.gold;
    }).length;
    expect(right / items.length).toBeGreaterThan(0.7);
  });
});
