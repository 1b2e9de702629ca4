import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/serve';

describe('npm start where Electron cannot run', () => {
  it('exits non-zero with one clear sentence pointing to serve mode, not a stack trace', () => {
    const res = spawnSync(process.execPath, ['scripts/start-electron.mjs'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      // No binary, and no download attempt: the state of a machine without Electron's host.
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', ELECTRON_OVERRIDE_DIST_PATH: '/nonexistent-electron-dist' },
      timeout: 60_000,
    });
    expect(res.status).toBe(1);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Electron cannot start here: .+\. Run `npm run serve` to use Alignment Studio in your browser instead\.$/);
    expect(res.stderr + res.stdout).not.toMatch(/\n\s+at /);
  });
});
