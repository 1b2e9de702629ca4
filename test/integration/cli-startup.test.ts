/**
 * `studio --help` and the workspace commands start without the engine: tfjs
 * and its backends are imported only by the commands that compute. (How fast
 * they start is a figure: `npm run bench -- core`.) A loader hook records
 * every @tensorflow module a real `studio` process loads; `doctor` shows the
 * hook sees tfjs when it is loaded.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, STUDIO_BIN } from '../helpers/serve';
import { tempDir } from '../helpers/tmp';

const t = tempDir();
afterAll(() => t.cleanup());
const HOOK = join(REPO_ROOT, 'test', 'helpers', 'trace-tensorflow.mjs');

function tensorflowModulesLoadedBy(...args: string[]): string[] {
  const trace = join(t.dir, 'trace.txt');
  rmSync(trace, { force: true });
  const res = spawnSync(process.execPath, ['--import', HOOK, STUDIO_BIN, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, TRACE_TENSORFLOW_FILE: trace, STUDIO_NO_DEMO: '1' },
  });
  expect(res.status, res.stderr).toBe(0);
  return existsSync(trace) ? readFileSync(trace, 'utf8').trim().split('\n') : [];
}

describe('start-up without the engine', () => {
  const workspace = join(t.dir, 'ws');
  it.each([
    ['--help'],
    ['info', '--workspace', workspace],
    ['datasets', '--workspace', workspace],
    ['jobs', '--workspace', workspace],
    ['score', '--help'],
  ])('studio %s loads no @tensorflow module', (...args) => {
    expect(tensorflowModulesLoadedBy(...args)).toEqual([]);
  });

  it('studio doctor does load tfjs (the trace sees it)', () => {
    expect(tensorflowModulesLoadedBy('doctor', '--json').some((url) => url.includes('/@tensorflow/tfjs'))).toBe(true);
  });
});
