/** Shared pieces of the trainer tests: the tiny-llama fixture's tokenizer, a fresh tiny model, synthetic pairs. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createModel, HfTokenizer, parseModelConfig, type CausalLM } from '../../../main/engine';
import type { RecordContent } from '../../../shared/datasets';
import type { RunConfigInput } from '../../../shared/training';

export const TINY_LLAMA = fileURLToPath(new URL('../../fixtures/models/tiny-llama', import.meta.url));

export async function tinyTokenizer(): Promise<HfTokenizer> {
  return (await HfTokenizer.fromFolder(TINY_LLAMA))!;
}

/** A new random tiny llama (2 layers, hidden 32, vocab 299) with the fixture's config. */
export async function tinyModel(seed = 1): Promise<CausalLM> {
  const raw = JSON.parse(await fs.readFile(path.join(TINY_LLAMA, 'config.json'), 'utf8')) as Record<string, unknown>;
  return createModel(parseModelConfig(raw), seed);
}

const user = (content: string) => [{ role: 'user', content }];
const assistant = (content: string) => [{ role: 'assistant', content }];

/** A trivially learnable preference: the chosen answer is always "yes", the rejected one always "no". */
export function syntheticRecords(n: number): RecordContent[] {
  const topics = ['sky', 'sea', 'cat', 'tree', 'sun', 'moon', 'rock', 'road', 'bird', 'fish'];
  return Array.from({ length: n }, (_, i) => ({
    kind: 'preference' as const,
    prompt: user(`Is the ${topics[i % topics.length]} ok ${i}?`),
    chosen: assistant('yes'),
    rejected: assistant('no'),
    responses: null,
    system: null,
  }));
}

export function baseConfig(overrides: Partial<RunConfigInput> = {}): RunConfigInput {
  return {
    model: { kind: 'folder', path: TINY_LLAMA },
    optimizer: { lr: 1e-2 },
    schedule: { kind: 'constant', warmupRatio: 0 },
    microBatchSize: 2,
    gradAccumulation: 1,
    maxLength: 64,
    maxPromptLength: 48,
    epochs: 1,
    seed: 7,
    // Plain text keeps sequences short: the cpu backend's embedding gradient (UnsortedSegmentSum) costs O(vocab × tokens).
    chatTemplate: false,
    ...overrides,
  };
}
