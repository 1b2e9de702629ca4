/**
 * An experiment's report as files (issue 19): the measured numbers as JSON,
 * the table and verdicts as Markdown, and the paper's figure as SVG — what
 * `studio sweep`, `studio experiments show --out` and `npm run bench --
 * replicate` write. The numbers and their rendering are
 * shared/experiment-report.ts's, so every writer prints the same.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { experimentFigureSvg, experimentReport, reportMarkdown, type ExperimentResults } from '../../../shared/experiment-report';
import { fileError } from '../file-errors';

export interface ReportFiles {
  json: string;
  markdown: string;
  svg: string;
}

/** Writes `<name>.json` (results and report), `<name>.md` and `<name>.svg` into `dir`; `extra` goes into the JSON beside them. */
export function writeExperimentReport(
  results: ExperimentResults,
  dir: string,
  name: string,
  extra: Record<string, unknown> = {},
): ReportFiles {
  const report = experimentReport(results);
  const files: ReportFiles = { json: join(dir, `${name}.json`), markdown: join(dir, `${name}.md`), svg: join(dir, `${name}.svg`) };
  const write = (path: string, text: string) => {
    try {
      writeFileSync(path, text);
    } catch (err) {
      throw fileError(err, path, 'write');
    }
  };
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw fileError(err, dir, 'write');
  }
  write(files.json, `${JSON.stringify({ ...extra, results, report }, null, 2)}\n`);
  write(files.markdown, reportMarkdown(report));
  write(files.svg, experimentFigureSvg(results));
  return files;
}
