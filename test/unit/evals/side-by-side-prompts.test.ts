/**
 * The side-by-side view reads a prompt set in the studio's process and must
 * find the generations the eval worker stored: its prompt hashes and texts
 * are the worker's (win-rate-task's readPromptsFile with generation.ts's
 * promptHash and promptText), repeats included.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { promptHash as workerHash, promptText as workerText } from '../../../main/evaluation/generation';
import { readPromptsFile } from '../../../main/core/evals/win-rate-task';
import { setPrompts } from '../../../main/core/evals/side-by-side-prompts';
import type { Db } from '../../../main/core/db/open';
import { tempDir } from '../../helpers/tmp';

const t = tempDir();
afterAll(() => t.cleanup());

describe('side-by-side prompts', () => {
  it('hash and read a prompts file as the eval worker does (messages, system, repeats, bad lines)', () => {
    const path = join(t.dir, 'prompts.jsonl');
    writeFileSync(
      path,
      [
        JSON.stringify({ prompt: 'Say hello.' }),
        'not json',
        JSON.stringify({
          prompt: [
            { role: 'user', content: 'Hi' },
            { role: 'assistant', content: 'Hello' },
            { role: 'user', content: 'Again' },
          ],
          system: 'Be brief.',
        }),
        JSON.stringify({ prompt: 'Say hello.', meta: { rule: 'uppercase' } }),
        JSON.stringify({ meta: {} }),
        '',
      ].join('\n'),
    );
    const worker = readPromptsFile(path).prompts;
    const seen = new Map<string, number>();
    const expected = worker.map((p) => {
      const base = workerHash(p.prompt, 0);
      const k = seen.get(base) ?? 0;
      seen.set(base, k + 1);
      return { hash: k === 0 ? base : workerHash(p.prompt, k), baseHash: base, sample: k, text: workerText(p.prompt), meta: p.meta };
    });
    // A file needs no database.
    const ours = setPrompts(null as unknown as Db, { path });
    expect(ours).toEqual(expected);
    expect(ours).toHaveLength(3);
    expect(ours[0]!.hash).not.toBe(ours[2]!.hash);
  });
});
