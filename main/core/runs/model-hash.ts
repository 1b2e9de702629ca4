import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ModelSource } from '../../../shared/training';

/** Files that determine a model's outputs: its config and its weights (tokenizer files are covered by the tokenization settings' hash of the pairs). */
const HASHED = /^(config\.json|.*\.safetensors|model\.safetensors\.index\.json)$/;

async function hashFile(hash: ReturnType<typeof createHash>, file: string): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

/**
 * The content hash recorded with a run and used in the reference cache key:
 * sha256 over the names and bytes of a folder's config and weight files (in
 * name order), or over the canonical spec of a seeded random model plus its
 * tokenizer file.
 */
export async function modelSourceHash(source: ModelSource): Promise<string> {
  const hash = createHash('sha256');
  if (source.kind === 'spec') {
    const { tokenizerDir, ...spec } = source;
    hash.update(JSON.stringify(Object.fromEntries(Object.entries(spec).sort(([a], [b]) => a.localeCompare(b)))));
    await hashFile(hash, join(tokenizerDir, 'tokenizer.json'));
    return hash.digest('hex');
  }
  const names = (await fs.readdir(source.path)).filter((n) => HASHED.test(n)).sort();
  for (const name of names) {
    hash.update(`${name}\0`);
    await hashFile(hash, join(source.path, name));
  }
  return hash.digest('hex');
}
