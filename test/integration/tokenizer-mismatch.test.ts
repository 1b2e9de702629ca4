/**
 * A model folder whose tokenizer does not match its checkpoint (issue 14
 * item 13), end to end through the contract: refused when it is registered,
 * and — for a folder that was registered before it changed — the eval job's
 * worker and a training run fail at load with the same one sentence, naming
 * the folder and both sizes.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, jobSettled } from '../../main/core/client';
import { createStudio, type Studio } from '../../main/core/studio';
import { StudioError } from '../../shared/result';
import { tempDir } from '../helpers/tmp';

const TINY_LLAMA = join(import.meta.dirname, '../fixtures/models/tiny-llama');
const t = tempDir();
let studio: Studio;

beforeAll(async () => {
  studio = createStudio({ workspaceDir: join(t.dir, 'ws') });
  await studio.seedDemo();
});
afterAll(async () => {
  await studio?.close();
  t.cleanup();
});

/** Two added tokens past the checkpoint's 299 embedding rows. */
function widenTokenizer(dir: string): void {
  const file = join(dir, 'tokenizer.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as { added_tokens: Record<string, unknown>[] };
  for (const id of [299, 300])
    json.added_tokens.push({
      id,
      content: `<extra_${id}>`,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    });
  writeFileSync(file, JSON.stringify(json));
}

const sentence = (dir: string) =>
  `${dir}: the tokenizer does not match the checkpoint — tokenizer.json has 301 tokens (ids up to 300) but config.json's vocab_size (the embedding's rows) is 299.`;

describe('a tokenizer that does not match its checkpoint', () => {
  it('is refused when the folder is registered', async () => {
    const dir = join(t.dir, 'mismatched');
    cpSync(TINY_LLAMA, dir, { recursive: true });
    widenTokenizer(dir);
    const err = await call(studio, 'models.register', { path: dir }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StudioError);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', message: sentence(dir) });
  });

  it('fails the eval job and a training run at load, in the same sentence, when the folder changed after it was registered', async () => {
    const dir = join(t.dir, 'changed');
    cpSync(TINY_LLAMA, dir, { recursive: true });
    const model = await call(studio, 'models.register', { path: dir });
    widenTokenizer(dir);

    const task = join(t.dir, 'task.jsonl');
    writeFileSync(task, JSON.stringify({ id: 'q1', context: 'It is warm in', choices: ['Berlin.', 'red.'], gold: 0 }) + '\n');
    const started = await call(studio, 'evals.start', {
      model: { modelId: model.id },
      suite: { name: 'one question', items: [{ kind: 'multiple-choice', taskPath: task }] },
    });
    const evalJob = await jobSettled(studio, started.id);
    expect(evalJob.status).toBe('failed');
    expect(evalJob.error?.message).toBe(sentence(dir));

    const snapshotId = (await call(studio, 'snapshots.list', {}))[0]!.id;
    const outcome = await call(studio, 'runs.create', {
      name: 'mismatch',
      snapshotId,
      modelId: model.id,
      config: { maxSteps: 1, maxLength: 64, maxPromptLength: 32 },
    }).then(
      async (run) => (await jobSettled(studio, run.jobId)).error?.message ?? 'the run did not fail',
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    expect(outcome).toBe(sentence(dir));
  });
});
