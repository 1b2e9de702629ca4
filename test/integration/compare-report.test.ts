/**
 * The comparison report from the command line (issue 15 item 9): `studio
 * compare` on two short demo runs (MMPO and DPO) evaluated at their starting
 * model and their checkpoint writes one self-contained HTML file holding both
 * runs' tracks, the settings that differ, the curves and the evaluation table,
 * and a CSV per table beside it; bad arguments are exit 1 with one sentence.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompareReportResult } from '../../shared/compare-report';
import type { MethodName } from '../../shared/contract';
import { call, jobSettled } from '../../main/core/client';
import { createStudio } from '../../main/core/studio';
import { TINY_SUITE, tinyComparedRuns } from '../helpers/compare-runs';
import { REPO_ROOT, STUDIO_BIN } from '../helpers/serve';
import { tempDir } from '../helpers/tmp';

const t = tempDir();
const workspace = join(t.dir, 'ws');
let runIds: number[] = [];

beforeAll(async () => {
  const studio = createStudio({ workspaceDir: workspace });
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

  it('adds selected generations (a side-by-side set’s stored answers) to the report and its CSVs', async () => {
    const studio = createStudio({ workspaceDir: workspace });
    try {
      const set = {
        columns: [
          { runId: runIds[0]!, step: 0 },
          { runId: runIds[0]!, step: 4 },
          { runId: runIds[1]!, step: 4 },
        ],
        prompts: { texts: ['Name a fruit in <b>uppercase</b>.'] },
      };
      for (const job of await call(studio, 'sideBySide.start', set)) expect((await jobSettled(studio, job.id)).status).toBe('succeeded');
      const path = join(t.dir, 'with-generations.html');
      const result = await call(studio, 'reports.compare', { runIds, suite: TINY_SUITE, generations: set, path });
      expect(result.csv.map((c) => c.table)).toEqual(['settings', 'evaluations', 'curves', 'generations']);
      const html = readFileSync(path, 'utf8');
      expect(html.match(/<table id="generations-table"><thead><tr><th>prompt<\/th>(<th>[^<]*<\/th>){3}<\/tr>/)).not.toBeNull();
      expect(html).toContain('Name a fruit in &lt;b&gt;uppercase&lt;/b&gt;.');
      expect(html).not.toContain('not generated');
      const csv = readFileSync(join(t.dir, 'with-generations-generations.csv'), 'utf8').trim().split('\n');
      expect(csv[1]).toMatch(/^Name a fruit in <b>uppercase<\/b>\./);
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
