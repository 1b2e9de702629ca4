/**
 * How the trainer renders and orders its rows, without the engine: the TRL
 * export (main/core/export) writes exactly these texts and this order, and
 * main/core must not load tfjs just to read them (CLI start-up stays light).
 */
import type { Message } from '../../shared/datasets';
import { SeededRng } from '../engine/rng';

/**
 * A message list as one string, for plain (no chat template) mode: a lone
 * message is its text; several are written as "role: content" paragraphs.
 */
export function flatten(messages: Message[]): string {
  if (messages.length === 1) return messages[0]!.content;
  return messages.map((m) => `${m.role}: ${m.content}`).join('\n\n');
}

/** Assistant turns of a response; other roles are kept with their role prefix. */
export function responseText(messages: Message[]): string {
  if (messages.every((m) => m.role === 'assistant')) return messages.map((m) => m.content).join('\n\n');
  return flatten(messages);
}

/** A permutation of 0..n−1 that depends only on (seed, epoch): Fisher–Yates with SeededRng. */
export function epochOrder(n: number, seed: number, epoch: number): number[] {
  const rng = new SeededRng((Math.imul(seed | 0, 1_000_003) + Math.imul(epoch + 1, 0x27d4eb2d)) | 0);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
