/**
 * `node:crypto`'s createHash for the GPU worker page: SHA-256 (checkpoint
 * manifests, the model hash, the reference cache key), synchronous as the
 * trainer calls it, from @noble/hashes. The digests equal Node's, so a
 * checkpoint written in the page verifies in a Node worker and back.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';

const encoder = new TextEncoder();

export function createHash(algorithm: string) {
  if (algorithm !== 'sha256') throw new Error(`The GPU worker page hashes only with sha256, not ${algorithm}.`);
  const hash = sha256.create();
  const api = {
    update(data: string | Uint8Array) {
      hash.update(typeof data === 'string' ? encoder.encode(data) : data);
      return api;
    },
    digest(encoding?: 'hex') {
      const bytes = hash.digest();
      return encoding === 'hex' ? bytesToHex(bytes) : bytes;
    },
  };
  return api;
}

export default { createHash };
