/**
 * `studio compare RUN_ID… [--suite NAME] --out report.html`: the comparison
 * report (issue 15 item 9) — the same self-contained HTML file and CSVs as
 * the Compare page's *Export report*, through the same `reports.compare` call.
 */
import { resolve } from 'node:path';
import { call } from '../core/client';
import { CliError, EXIT, type Command } from './commands';

const USAGE = 'studio compare RUN_ID [RUN_ID…] [--suite NAME] --out report.html [--workspace DIR] [--json]';

export const compareCommand: Command = {
  name: 'compare',
  usage: USAGE,
  summary:
    "Write a comparison of runs as one self-contained HTML file (settings that differ, metric curves, the evaluation table, the paper's view) and each table as CSV beside it.",
  options: { suite: { type: 'string' }, out: { type: 'string' } },
  async run(ctx) {
    if (ctx.positionals.length === 0) throw new CliError(`name at least one run (see \`studio runs\`)\nusage: ${USAGE}`);
    const runIds = ctx.positionals.map((p) => {
      const id = Number(p);
      if (!/^\d+$/.test(p) || !(id > 0)) throw new CliError(`"${p}" is not a run id (a positive whole number; see \`studio runs\`).`);
      return id;
    });
    if (new Set(runIds).size !== runIds.length) throw new CliError('a run is named twice.');
    const out = ctx.values.out;
    if (typeof out !== 'string' || out === '')
      throw new CliError(`--out FILE is required (where to write the HTML report)\nusage: ${USAGE}`);
    const suite = typeof ctx.values.suite === 'string' ? ctx.values.suite : undefined;
    const studio = ctx.openStudio(false);
    try {
      const result = await call(studio, 'reports.compare', { runIds, path: resolve(out), ...(suite ? { suite } : {}) });
      if (ctx.json) ctx.io.out(JSON.stringify(result));
      else {
        ctx.io.out(`Wrote ${result.html.path} (${result.runs} runs, ${result.checkpoints} checkpoints)`);
        for (const c of result.csv) ctx.io.out(`  ${c.table}: ${c.path}`);
      }
      return EXIT.ok;
    } finally {
      await studio.close();
    }
  },
};
