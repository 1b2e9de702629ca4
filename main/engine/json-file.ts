import { promises as fs } from 'node:fs';
import { EngineError, type EngineErrorCode } from './errors';

/** A JSON file of a model folder: null when it is absent, a clear error naming the file when it is not JSON. */
export async function readJsonIfExists(file: string, invalidCode: EngineErrorCode): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new EngineError(invalidCode, `${file} is not valid JSON: ${(e as Error).message}`);
  }
}
