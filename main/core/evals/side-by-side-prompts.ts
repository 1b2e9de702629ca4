/**
 * The prompts of a side-by-side set, each with the hash its generations are
 * stored under. These mirror the win-rate worker's reading and hashing
 * (win-rate-task.ts `readPromptsFile`, evaluation/generation.ts `promptHash`
 * and `promptText`), which live beside the engine and would load
 * TensorFlow.js into the studio's process; test/unit/evals/side-by-side-prompts.test.ts
 * checks that both give the same hashes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Message } from '../../../shared/datasets';
import type { WinRatePrompts } from '../../../shared/evals';
import type { Db } from '../db/open';
import { snapshotContents } from '../datasets/snapshots';

export interface SetPrompt {
  hash: string;
  /** The prompt's hash as its first occurrence (sample 0), and which occurrence this is. */
  baseHash: string;
  sample: number;
  text: string;
  meta: unknown;
}

interface Prompt {
  messages: Message[];
  system: string | null;
}

export function promptHash(prompt: Prompt, sample: number): string {
  return createHash('sha256')
    .update(JSON.stringify({ messages: prompt.messages, system: prompt.system, sample }))
    .digest('hex');
}

export function promptText(prompt: Prompt): string {
  const m = prompt.messages;
  return m.length === 1 ? m[0]!.content : m.map((x) => `${x.role}: ${x.content}`).join('\n\n');
}

const isMessages = (x: unknown): x is Message[] =>
  Array.isArray(x) &&
  x.length > 0 &&
  x.every(
    (m) => m !== null && typeof m === 'object' && typeof (m as Message).role === 'string' && typeof (m as Message).content === 'string',
  );

function fromFile(path: string): { prompt: Prompt; meta: unknown }[] {
  const out: { prompt: Prompt; meta: unknown }[] = [];
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    let row: { prompt?: unknown; meta?: unknown; system?: unknown } | null;
    try {
      row = JSON.parse(line) as typeof row;
    } catch {
      continue; // the eval job lists such lines as invalid; they have no generations
    }
    if (!row || typeof row !== 'object') continue;
    const messages =
      typeof row.prompt === 'string' && row.prompt.trim() !== ''
        ? [{ role: 'user', content: row.prompt }]
        : isMessages(row.prompt)
          ? row.prompt
          : null;
    if (!messages) continue;
    out.push({ prompt: { messages, system: typeof row.system === 'string' ? row.system : null }, meta: row.meta ?? null });
  }
  return out;
}

function fromSnapshot(db: Db, snapshotId: number, split: 'test' | 'train'): { prompt: Prompt; meta: unknown }[] {
  const out: { prompt: Prompt; meta: unknown }[] = [];
  for (const row of snapshotContents(db, snapshotId)) {
    if ((row.split === 'test') !== (split === 'test')) continue;
    const messages = row.prompt as Message[];
    if (messages.length > 0) out.push({ prompt: { messages, system: row.system }, meta: row.meta });
  }
  return out;
}

/** The set's prompts in order; a prompt repeated in the set is sampled again under its own hash (as the worker does). */
export function setPrompts(db: Db, prompts: WinRatePrompts): SetPrompt[] {
  const read = 'path' in prompts ? fromFile(prompts.path) : fromSnapshot(db, prompts.snapshotId, prompts.split);
  const seen = new Map<string, number>();
  return read.map(({ prompt, meta }) => {
    const base = promptHash(prompt, 0);
    const sample = seen.get(base) ?? 0;
    seen.set(base, sample + 1);
    return { hash: sample === 0 ? base : promptHash(prompt, sample), baseHash: base, sample, text: promptText(prompt), meta };
  });
}
