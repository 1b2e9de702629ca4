import { createHash } from 'node:crypto';
import type { Message } from '../../../shared/datasets';

/** The pair's content hash: stable across workspaces, so labels can travel with it. */
export function pairHash(prompt: Message[], a: Message[], b: Message[]): string {
  return createHash('sha256')
    .update(JSON.stringify([prompt, a, b]))
    .digest('hex');
}
