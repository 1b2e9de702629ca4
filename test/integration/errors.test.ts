// Failures the caller can act on cross the contract with their code, through
// the studio's one door, rather than as INTERNAL errors a transport must guess at.
import { copyFileSync, mkdirSync } from 'node:fs';
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
  it('a model folder without weights is INVALID_ARGUMENT naming the folder and why', async () => {
    const folder = join(t.dir, 'no-weights');
    mkdirSync(folder);
    copyFileSync(join(REPO_ROOT, 'test/fixtures/models/tiny-llama/config.json'), join(folder, 'config.json'));
    expect(await studio.dispatch('models.register', { path: folder })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(new RegExp(`^${folder}: the weights cannot be read \\(.*model\\.safetensors`)) },
    });
  });
});
