import { createHash } from 'node:crypto';

/** sha256 of a value's JSON: the content hashes that key cached results. */
export function sha256Json(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
