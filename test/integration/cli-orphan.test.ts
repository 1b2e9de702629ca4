/**
 * A worker does not outlive the CLI that owns its job: `studio train` is
 * killed with SIGKILL while its worker computes reference log-probs (a stretch
 * that holds the worker's event loop for seconds), and the worker is gone
 * within 2 s. A temp file such a kill leaves in the reference cache is removed
 * by the next start, and the interrupted run resumes to the end.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, STUDIO_BIN } from '../helpers/serve';
import { tempDir } from '../helpers/tmp';

const t = tempDir();
afterAll(() => t.cleanup());
const workspace = join(t.dir, 'ws');
const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'models', 'tiny-llama');

/** Running, not a zombie waiting to be reaped (`kill(pid, 0)` succeeds on those). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('a worker whose CLI is killed -9', () => {
  it('exits within 2 s, its stale reference temp file is removed on the next start, and the run resumes', async () => {
    const runFile = join(t.dir, 'run.json');
    // DPO needs reference log-probs of all 1000 demo pairs: seconds of scoring right after the worker starts.
    writeFileSync(
      runFile,
      JSON.stringify({
        name: 'orphan',
        dataset: 'Demo: rule following',
        model: FIXTURE,
        config: { objective: 'dpo', microBatchSize: 4, maxLength: 64, maxPromptLength: 48, maxSteps: 2, evalEvery: 0 },
      }),
    );
    const cli = spawn(process.execPath, [STUDIO_BIN, 'train', '--config', runFile, '--workspace', workspace], {
      cwd: REPO_ROOT,
      env: { ...process.env, STUDIO_NO_DEMO: '' },
    });
    let err = '';
    const workerPid = await new Promise<number>((resolve, reject) => {
      cli.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        const match = /Worker (\d+) on the/.exec(err);
        if (match) resolve(Number(match[1]));
      });
      cli.on('exit', (code) => reject(new Error(`studio train exited (${code}) before its worker started: ${err}`)));
    });
    // Past loading the model (where the worker still awaits file reads, so a dead parent is noticed anyway), into the scoring.
    await new Promise((r) => setTimeout(r, 1_000));
    cli.kill('SIGKILL');
    const killedAt = Date.now();
    while (running(workerPid) && Date.now() - killedAt < 10_000) await new Promise((r) => setTimeout(r, 50));
    const lived = Date.now() - killedAt;
    expect(running(workerPid), 'the worker is still running 10 s after its CLI was killed').toBe(false);
    expect(lived).toBeLessThan(2_000);

    // What an orphan killed between write and rename leaves; a temp file of a live writer stays.
    const cacheDir = join(workspace, 'artifacts', 'reference-cache');
    mkdirSync(cacheDir, { recursive: true });
    const stale = join(cacheDir, `${'a'.repeat(64)}.json.tmp-${workerPid}`);
    const live = join(cacheDir, `${'b'.repeat(64)}.json.tmp-${process.pid}`);
    writeFileSync(stale, '{"train":');
    writeFileSync(live, '{"train":');

    const runs = JSON.parse(
      spawnSync(process.execPath, [STUDIO_BIN, 'runs', '--json', '--workspace', workspace], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout,
    ) as { id: number; status: string }[];
    expect(runs).toHaveLength(1);
    const resumed = spawnSync(process.execPath, [STUDIO_BIN, 'resume', String(runs[0]!.id), '--workspace', workspace], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 110_000,
    });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/succeeded at step 2\/2/);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});
