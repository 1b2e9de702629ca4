/**
 * The comparison report from the command line (issue 15 item 9): `studio
 * compare` on two short demo runs (MMPO and DPO) evaluated at their starting
 * model and their checkpoint writes one self-contained HTML file holding both
 * runs' tracks, the settings that differ, the curves and the evaluation table,
 * and a CSV per table beside it — through a `compare-report` job in a worker
 * (cancel leaves no file); `--generations` adds the answers of the base and
 * each run's last checkpoint, generating what the cache lacks; bad arguments
 * are exit 1 with one sentence. The workspace's demo is a small one
 * (test/helpers/small-demo.ts): the tiny suite's preference item scores a few
 * dozen held-out pairs, not the demo's 274.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompareReportResult } from '../../shared/compare-report';
import type { MethodName } from '../../shared/contract';
import { call, jobSettled } from '../../main/core/client';
import { createStudio } from '../../main/core/studio';
import { TINY_SUITE, tinyComparedRuns } from '../helpers/compare-runs';
import { REPO_ROOT, STUDIO_BIN } from '../helpers/serve';
import { smallDemoAssets } from '../helpers/small-demo';
import { tempDir } from '../helpers/tmp';

const t = tempDir();
const workspace = join(t.dir, 'ws');
let runIds: number[] = [];

beforeAll(async () => {
  const studio = createStudio({ workspaceDir: workspace, assetsDir: smallDemoAssets(t.dir) });
  try {
    await studio.seedDemo();
    runIds = await tinyComparedRuns(
      <T>(method: string, args: unknown) => call(studio, method as MethodName, args as never) as Promise<T>,
      t.dir,
      [
        { name: 'mmpo <script>alert(1)</script>', objective: 'mmpo' },
        { name: 'dpo short', objective: 'dpo' },
      ],
    );
  } finally {
    await studio.close();
  }
}, 600_000);

afterAll(() => t.cleanup());

function studioCli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [STUDIO_BIN, ...args, '--workspace', workspace], { cwd: REPO_ROOT });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

describe('studio compare', () => {
  it('writes the HTML report with both runs’ tracks and the tables, and each table as CSV', async () => {
    const out = join(t.dir, 'report.html');
    const { code, out: stdout, err } = await studioCli(['compare', ...runIds.map(String), '--suite', TINY_SUITE, '--out', out, '--json']);
    expect(code, err).toBe(0);
    const result = JSON.parse(stdout) as CompareReportResult;
    expect(result).toMatchObject({ runs: 2, checkpoints: 3, html: { path: out, downloadName: null } });

    const html = readFileSync(out, 'utf8');
    // Both runs' tracks in the paper's view: base → step 4, one arrow each.
    for (const id of runIds) expect(html).toMatch(new RegExp(`<g class="paper-track" data-run-id="${id}" data-points="2">`));
    expect(html.match(/class="paper-arrow"/g)).toHaveLength(2);
    // The evaluation table: the shared base row and each run's checkpoint, with the tiny suite's metrics.
    expect(html.match(/<tr data-row=/g)).toHaveLength(3);
    expect(html).toContain('acc_norm');
    expect(html).toContain('logps/accuracies');
    // The settings that differ (the objective) and the loss curves of both runs.
    expect(html).toContain('<th>objective</th>');
    expect(html.match(/class="curve-run"/g)!.length).toBeGreaterThanOrEqual(2);
    // A run name is text, never markup; nothing is fetched from anywhere.
    expect(html).not.toContain('<script>');
    expect(html).toContain('mmpo &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/);

    expect(result.csv.map((c) => c.table)).toEqual(['settings', 'evaluations', 'curves']);
    for (const c of result.csv) expect(existsSync(c.path)).toBe(true);
    const evaluations = readFileSync(join(t.dir, 'report-evaluations.csv'), 'utf8').trim().split('\n');
    expect(evaluations).toHaveLength(4);
    expect(evaluations[0]).toContain('multiple-choice mc-tiny.jsonl acc_norm');
    expect(readFileSync(join(t.dir, 'report-settings.csv'), 'utf8')).toContain('1,mmpo <script>alert(1)</script>,mmpo,');
  }, 120_000);

  it('with --generations FILE generates what the cache lacks, then shows the base’s and each run’s last checkpoint’s answers', async () => {
    const prompts = join(t.dir, 'prompts.jsonl');
    writeFileSync(
      prompts,
      ['Name a fruit in <b>uppercase</b>.', 'Say hello, ending with a question mark.']
        .map((p) => JSON.stringify({ prompt: p }))
        .join('\n') + '\n',
    );
    const out = join(t.dir, 'with-generations.html');
    const {
      code,
      out: stdout,
      err,
    } = await studioCli(['compare', ...runIds.map(String), '--generations', prompts, '--out', out, '--json']);
    expect(code, err).toBe(0);
    const result = JSON.parse(stdout) as CompareReportResult;
    expect(result).toMatchObject({ runs: 2, generations: 2 });
    expect(result.csv.map((c) => c.table)).toEqual(['settings', 'evaluations', 'curves', 'generations']);
    const html = readFileSync(out, 'utf8');
    // Three columns: the first run's base, then each run's checkpoint at step 4; every cell generated.
    expect(html.match(/<table id="generations-table"><thead><tr><th>prompt<\/th>(<th>[^<]*<\/th>){3}<\/tr>/)).not.toBeNull();
    expect(html.match(/<tr data-prompt=/g)).toHaveLength(2);
    expect(html).toContain('Name a fruit in &lt;b&gt;uppercase&lt;/b&gt;.');
    expect(html).toContain('All 2 prompts of the set');
    expect(html).not.toContain('not generated');
    const csv = readFileSync(join(t.dir, 'with-generations-generations.csv'), 'utf8').trim().split('\n');
    expect(csv[1]).toMatch(/^Name a fruit in <b>uppercase<\/b>\./);
    const bad = await studioCli(['compare', String(runIds[0]), '--generations', 'split:dev', '--out', join(t.dir, 'y.html')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('the split is test or train');
  }, 300_000);

  it('is a compare-report job: the prompts kept go into the report, and a cancelled report writes nothing', async () => {
    const studio = createStudio({ workspaceDir: workspace });
    try {
      const set = {
        columns: [
          { runId: runIds[0]!, step: 0 },
          { runId: runIds[0]!, step: 4 },
          { runId: runIds[1]!, step: 4 },
        ],
        prompts: { path: join(t.dir, 'prompts.jsonl') },
      };
      // The answers the CLI generated above, read from the cache.
      const stored = await call(studio, 'compare.generations', set);
      expect(stored.columns.map((c) => c.generated)).toEqual([2, 2, 2]);
      const kept = stored.rows[1]!;
      const path = join(t.dir, 'kept.html');
      const job = await call(studio, 'compare.startReport', { runIds, generations: set, generationsKeep: [kept.promptHash], path });
      expect(job).toMatchObject({ kind: 'compare-report', lane: 'light' });
      const done = await jobSettled(studio, job.id);
      expect(done.status).toBe('succeeded');
      expect(done.result).toMatchObject({ html: { path }, generations: 1 });
      const html = readFileSync(path, 'utf8');
      expect(html.match(/<tr data-prompt=/g)).toHaveLength(1);
      expect(html).toContain(`<tr data-prompt="${kept.promptHash}">`);
      expect(html).toContain('1 of the set’s 2 prompts');

      const cancelledPath = join(t.dir, 'cancelled.html');
      const started = await call(studio, 'compare.startReport', { runIds, path: cancelledPath });
      await call(studio, 'jobs.cancel', { id: started.id });
      expect((await jobSettled(studio, started.id)).status).toBe('cancelled');
      expect(existsSync(cancelledPath)).toBe(false);
      expect(existsSync(join(t.dir, 'cancelled-settings.csv'))).toBe(false);
      // Keeping prompts of no set is the caller's mistake, refused before a job starts.
      await expect(call(studio, 'compare.report', { runIds, generationsKeep: [kept.promptHash] })).rejects.toThrow(/no generations set/);
    } finally {
      await studio.close();
    }
  }, 300_000);

  it('says in one sentence what is wrong with its arguments (exit 1)', async () => {
    const noOut = await studioCli(['compare', String(runIds[0])]);
    expect(noOut.code).toBe(1);
    expect(noOut.err).toContain('--out FILE is required');
    const badId = await studioCli(['compare', 'abc', '--out', join(t.dir, 'x.html')]);
    expect(badId.code).toBe(1);
    expect(badId.err).toContain('"abc" is not a run id');
    const missing = await studioCli(['compare', '999', '--out', join(t.dir, 'x.html')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/999/);
    expect(existsSync(join(t.dir, 'x.html'))).toBe(false);
  }, 120_000);
});
