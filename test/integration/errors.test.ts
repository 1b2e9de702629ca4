// Failures the caller can act on cross the contract with their code, through
// the studio's one door, rather than as INTERNAL errors a transport must guess at.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStudio } from '../../main/core/studio';
import { REPO_ROOT } from '../helpers/serve';
import { tempDir } from '../helpers/tmp';

const t = tempDir();
const studio = createStudio({ workspaceDir: join(t.dir, 'ws'), superviseJobs: false });
afterAll(async () => {
  await studio.close();
  t.cleanup();
});

describe('errors with codes through dispatch', () => {
  it('an import report that does not exist is NOT_FOUND (it was an INTERNAL error)', async () => {
    expect(await studio.dispatch('datasets.importReport', { id: 999 })).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'There is no import #999.', details: { id: 999 } },
    });
  });

  it('previewing a path under a file is NOT_FOUND naming the path', async () => {
    const file = join(t.dir, 'plain.txt');
    writeFileSync(file, 'x');
    expect(await studio.dispatch('datasets.preview', { path: join(file, 'inner.jsonl') })).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: `No file at ${join(file, 'inner.jsonl')}.` },
    });
  });

  it('a model folder without weights is INVALID_ARGUMENT naming the folder and why', async () => {
    const folder = join(t.dir, 'no-weights');
    mkdirSync(folder);
    copyFileSync(join(REPO_ROOT, 'test/fixtures/models/tiny-llama/config.json'), join(folder, 'config.json'));
    expect(await studio.dispatch('models.register', { path: folder })).toMatchObject({
      ok: false,
      error: {
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(new RegExp(`^${folder}: the weights cannot be read \\(.*model\\.safetensors`)) as unknown,
      },
    });
  });
});
