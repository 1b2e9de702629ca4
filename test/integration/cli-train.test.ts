/**
 * `studio train`, `studio runs`, `studio resume` as real processes: a run
 * file names the demo dataset and a model folder; Ctrl-C (SIGINT) pauses at a
 * checkpoint and `studio resume` finishes the same run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, STUDIO_BIN } from '../helpers/serve';
import { seedSmallDemo } from '../helpers/small-demo';
import { tempDir } from '../helpers/tmp';

const t = tempDir();
afterAll(() => t.cleanup());
const workspace = join(t.dir, 'ws');
const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'models', 'tiny-llama');
// The workspace holds a small demo (test/helpers/small-demo.ts): the runs' reference log-probs cover its 160 pairs, not
// 1000, and their held-out evaluations a few dozen, not 274. The commands find it as they would the whole demo.
beforeAll(() => seedSmallDemo(workspace));

function studio(...args: string[]) {
  const res = spawnSync(process.execPath, [STUDIO_BIN, ...args, '--workspace', workspace], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: res.status, out: res.stdout, err: res.stderr };
}

function runFile(name: string, body: object): string {
  const file = join(t.dir, name);
  writeFileSync(file, JSON.stringify(body));
  return file;
}

const SMALL = { microBatchSize: 4, gradAccumulation: 1, maxLength: 64, maxPromptLength: 48 };

describe('training from the command line', () => {
  it('studio train streams one JSON line per step and eval, then the finished run; studio runs lists it', () => {
    const file = runFile('dpo.json', {
      name: 'cli dpo',
      dataset: 'Demo: rule following',
      model: FIXTURE,
      config: { ...SMALL, objective: 'dpo', maxSteps: 4, evalEvery: 2 },
    });
    const res = studio('train', '--config', file, '--json');
    expect(res.code, res.err).toBe(0);
    const lines = res.out
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            type: string;
            step?: number;
            metrics?: Record<string, number>;
            run?: { status: string; step: number; id: number };
          },
      );
    const steps = lines.filter((l) => l.type === 'metrics' && l.metrics?.['loss'] !== undefined);
    expect(steps.map((l) => l.step)).toEqual([1, 2, 3, 4]);
    // DPO with the policy equal to the reference: loss log 2 at the first step.
    expect(steps[0]!.metrics!['loss']).toBeCloseTo(Math.LN2, 4);
    expect(lines.filter((l) => l.metrics?.['eval/logp_accuracy'] !== undefined).map((l) => l.step)).toEqual([2, 4]);
    // Too few steps for trend diagnostics: the list is there and empty.
    expect(lines.at(-1)).toMatchObject({ type: 'run', run: { status: 'succeeded', step: 4 }, diagnostics: [] });

    const list = studio('runs', '--json');
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out)).toMatchObject([
      { name: 'cli dpo', status: 'succeeded', step: 4, config: { objective: { objective: 'dpo' } } },
    ]);
    const human = studio('runs');
    expect(human.out).toMatch(/succeeded\s+4\/4\s+dpo\s+tiny-llama\s+demo v1\s+(wasm|cpu|webgpu|node|node-gpu)\s/);
  });

  it('refuses a bad run file naming the field, and a resume of a finished run', () => {
    const bad = runFile('bad.json', { dataset: 'Demo: rule following', model: FIXTURE, config: { ...SMALL, maxPromptLength: 80 } });
    const res = studio('train', '--config', bad);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/maxPromptLength/);
    const both = runFile('both.json', { dataset: 'x', snapshotId: 1, model: FIXTURE });
    expect(studio('train', '--config', both).err).toMatch(/exactly one of snapshotId or dataset/);
    const resume = studio('resume', '1');
    expect(resume.code).toBe(1);
    expect(resume.err).toMatch(/succeeded; only a paused, interrupted or failed run can be resumed/);
  });

  it('Ctrl-C pauses at a checkpoint; studio resume finishes the run', async () => {
    const file = runFile('mmpo.json', {
      name: 'cli mmpo',
      dataset: 'Demo: rule following',
      model: FIXTURE,
      config: { ...SMALL, maxSteps: 30, evalEvery: 0 },
    });
    const child = spawn(process.execPath, [STUDIO_BIN, 'train', '--config', file, '--workspace', workspace], { cwd: REPO_ROOT });
    let out = '';
    let signalled = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (!signalled && /step\s+2\/30/.test(out)) {
          signalled = true;
          child.kill('SIGINT');
        }
      });
      child.on('exit', resolve);
    });
    expect(code, out).toBe(0);
    const paused = /Run #(\d+) paused at step (\d+)\/30/.exec(out);
    expect(paused, out).not.toBeNull();
    expect(out).toMatch(/Continue with: studio resume \d+/);
    const pausedStep = Number(paused![2]);
    expect(pausedStep).toBeLessThan(30);

    const resumed = studio('resume', paused![1]!);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toMatch(new RegExp(`step ${String(pausedStep + 1).padStart(2)}/30`));
    expect(resumed.out).not.toMatch(new RegExp(`step ${String(pausedStep).padStart(2)}/30`));
    expect(resumed.out).toMatch(/succeeded at step 30\/30/);
  });
});
