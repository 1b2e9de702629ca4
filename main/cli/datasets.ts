import { copyFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Dataset, ExportFormat, FormatId, type ImportError } from '../../shared/datasets';
import { StudioError } from '../../shared/result';
import { call, jobSettled, type StudioDoor } from '../core/client';
import type { NothingImported } from '../core/datasets/imports';
import { resultOf } from '../core/jobs/registry';
import { CliError, type Command } from './commands';
import { table, type CliIo } from './output';

const formatList = FormatId.options.join('|');

async function datasetById(studio: StudioDoor, id: number): Promise<Dataset> {
  const dataset = (await call(studio, 'datasets.list', {})).find((d) => d.id === id);
  if (!dataset) throw new StudioError('NOT_FOUND', `There is no dataset #${id}.`, { id });
  return dataset;
}

/** A dataset by name, else by numeric id, as the commands accept it. */
export async function resolveDataset(studio: StudioDoor, ref: string): Promise<Dataset> {
  const datasets = await call(studio, 'datasets.list', {});
  const byName = datasets.find((d) => d.name === ref);
  if (byName) return byName;
  if (/^\d+$/.test(ref)) return datasetById(studio, Number(ref));
  throw new StudioError('NOT_FOUND', `There is no dataset named "${ref}".`);
}

function printImportErrors(io: CliIo, errors: ImportError[], errorCount: number): void {
  if (errors.length === 0) return;
  io.out('');
  io.out(
    table(
      ['severity', 'file', 'line', 'row', 'field', 'reason'],
      errors.map((e) => [
        e.severity,
        e.file,
        e.line === null ? '' : String(e.line),
        e.row === null ? '' : String(e.row),
        e.field ?? '',
        e.reason,
      ]),
    ),
  );
  if (errorCount > errors.length) io.out(`… and ${errorCount - errors.length} more (see --json or the Datasets page).`);
}

export const importCommand: Command = {
  name: 'import',
  usage: `studio import FILE [--dataset NAME] [--format auto|${formatList}] [--save-rejected FILE] [--workspace DIR] [--json]`,
  summary: 'Import a preference-data file; prints the report with every rejected row.',
  options: { dataset: { type: 'string' }, format: { type: 'string', default: 'auto' }, 'save-rejected': { type: 'string' } },
  async run(ctx) {
    const [file] = ctx.positionals;
    if (!file) throw new CliError('name the file to import: studio import FILE');
    const formatArg = String(ctx.values.format);
    if (formatArg !== 'auto' && !FormatId.safeParse(formatArg).success)
      throw new CliError(`--format must be auto or one of ${FormatId.options.join(', ')}.`);
    const studio = ctx.openStudio(true);
    try {
      const path = resolve(file);
      const job = await call(studio, 'datasets.import', {
        path,
        ...(ctx.values.dataset ? { datasetName: String(ctx.values.dataset) } : {}),
        ...(formatArg !== 'auto' ? { format: formatArg as FormatId } : {}),
      });
      const off = ctx.json
        ? () => {}
        : studio.events.subscribe((e) => {
            if (e.type === 'job.updated' && e.job.id === job.id && e.job.status === 'running' && process.stderr.isTTY) {
              process.stderr.write(`\r${Math.round(e.job.progress * 100)}% ${e.job.progressMessage ?? ''}   `);
            }
          });
      const done = await jobSettled(studio, job.id);
      off();
      if (process.stderr.isTTY && !ctx.json) process.stderr.write('\r\x1b[K');
      if (done.status !== 'succeeded') {
        // An import that created its dataset and read nothing removed it again; the report comes with the failed job.
        const nothing = (done.error?.details as { nothingImported?: NothingImported } | undefined)?.nothingImported;
        if (!nothing) throw new CliError(done.error?.message ?? `The import ${done.status}.`, done.error?.code ?? 'JOB_FAILED');
        if (ctx.json) ctx.io.out(JSON.stringify({ ...nothing, dataset: null, message: done.error!.message }));
        else {
          ctx.io.out(done.error!.message);
          printImportErrors(ctx.io, nothing.errors, nothing.errorCount);
        }
        return 2;
      }
      const { importId } = resultOf(done, 'dataset-import');
      const report = await call(studio, 'datasets.importReport', { id: importId, errorsOffset: 0, errorsLimit: 5000 });
      const dataset = await datasetById(studio, report.datasetId);
      let savedRejected: string | null = null;
      if (ctx.values['save-rejected'] && report.rejected > 0) {
        const saved = await call(studio, 'datasets.exportRejected', { importId });
        const target = resolve(String(ctx.values['save-rejected']));
        copyFileSync(saved.path, target);
        savedRejected = target;
      }
      if (ctx.json) ctx.io.out(JSON.stringify({ ...report, dataset: dataset.name, savedRejected }));
      else {
        ctx.io.out(`${report.file} → dataset "${dataset.name}" (import #${report.id})`);
        ctx.io.out(`format: ${report.format ?? 'not recognised'} — ${report.explanation}`);
        ctx.io.out(
          `rows read: ${report.rowsSeen}   imported: ${report.imported}   rejected: ${report.rejected}   warnings: ${report.warnings}`,
        );
        if (report.flagged.identical || report.flagged.empty) {
          ctx.io.out(`flagged: ${report.flagged.identical} with identical sides, ${report.flagged.empty} with an empty side`);
        }
        printImportErrors(ctx.io, report.errors, report.errorCount);
        if (savedRejected) ctx.io.out(`\nThe rejected rows, as they were, are in ${savedRejected}: fix them and import that file again.`);
        else if (report.rejected > 0)
          ctx.io.out('\nAdd --save-rejected FILE to write the rejected rows out, fix them and import them again.');
      }
      // The file was read (exit 0) unless not a single row came out of it.
      return report.imported === 0 ? 2 : 0;
    } finally {
      await studio.close();
    }
  },
};

export const datasetsCommand: Command = {
  name: 'datasets',
  usage: 'studio datasets [--workspace DIR] [--json]',
  summary: 'List datasets with record, split and snapshot counts.',
  options: {},
  async run(ctx) {
    const studio = ctx.openStudio(false);
    try {
      const datasets = await call(studio, 'datasets.list', {});
      const snapshots = await call(studio, 'snapshots.list', {});
      if (ctx.json) ctx.io.out(JSON.stringify(datasets.map((d) => ({ ...d, snapshots: snapshots.filter((s) => s.datasetId === d.id) }))));
      else if (datasets.length === 0) ctx.io.out('No datasets yet. Import one with `studio import FILE`.');
      else {
        ctx.io.out(
          table(
            ['id', 'name', 'records', 'train', 'test', 'snapshots'],
            datasets.map((d) => [
              String(d.id),
              d.name,
              String(d.recordCount),
              String(d.trainCount),
              String(d.testCount),
              snapshots
                .filter((s) => s.datasetId === d.id)
                .map((s) => `#${s.id} ${s.name} (${s.contentHash.slice(0, 8)})`)
                .join(', '),
            ]),
          ),
        );
      }
      return 0;
    } finally {
      await studio.close();
    }
  },
};

export const exportCommand: Command = {
  name: 'export',
  usage:
    'studio export DATASET [--snapshot ID] [--split train|test] --format trl-jsonl|trl-conversational|csv --out FILE [--workspace DIR] [--json]',
  summary: 'Export a dataset (or one of its snapshots) as TRL-ready JSONL or CSV.',
  options: {
    snapshot: { type: 'string' },
    format: { type: 'string', default: 'trl-jsonl' },
    out: { type: 'string' },
    split: { type: 'string' },
  },
  async run(ctx) {
    const [ref] = ctx.positionals;
    if (!ref) throw new CliError('name the dataset to export: studio export DATASET --out FILE');
    const format = ExportFormat.safeParse(ctx.values.format);
    if (!format.success) throw new CliError(`--format must be one of ${ExportFormat.options.join(', ')}.`);
    if (!ctx.values.out) throw new CliError('say where to write: --out FILE');
    const split = ctx.values.split;
    if (split !== undefined && split !== 'train' && split !== 'test') throw new CliError('--split must be train or test.');
    const studio = ctx.openStudio(false);
    try {
      const dataset = await resolveDataset(studio, ref);
      let snapshotId: number | undefined;
      if (ctx.values.snapshot !== undefined) {
        snapshotId = Number(ctx.values.snapshot);
        const snapshot = (await call(studio, 'snapshots.list', { datasetId: dataset.id })).find((s) => s.id === snapshotId);
        if (!snapshot) throw new CliError(`Dataset "${dataset.name}" has no snapshot #${ctx.values.snapshot}.`, 'NOT_FOUND');
      }
      const result = await call(studio, 'datasets.export', {
        ...(snapshotId !== undefined ? { snapshotId } : { datasetId: dataset.id }),
        format: format.data,
        path: resolve(String(ctx.values.out)),
        ...(split ? { split } : {}),
      });
      if (ctx.json) ctx.io.out(JSON.stringify(result));
      else ctx.io.out(`wrote ${result.count} records to ${result.path}`);
      return 0;
    } finally {
      await studio.close();
    }
  },
};

export const snapshotCommand: Command = {
  name: 'snapshot',
  usage: 'studio snapshot DATASET [--name NAME] [--split-test FRACTION --seed N] [--workspace DIR] [--json]',
  summary: 'Freeze a dataset into an immutable, content-hashed snapshot (optionally splitting it first).',
  options: { name: { type: 'string' }, 'split-test': { type: 'string' }, seed: { type: 'string', default: '42' } },
  async run(ctx) {
    const [ref] = ctx.positionals;
    if (!ref) throw new CliError('name the dataset: studio snapshot DATASET');
    const studio = ctx.openStudio(false);
    try {
      const dataset = await resolveDataset(studio, ref);
      if (ctx.values['split-test'] !== undefined) {
        const testFraction = Number(ctx.values['split-test']);
        if (!(testFraction >= 0 && testFraction <= 0.9)) throw new CliError('--split-test must be a fraction from 0 to 0.9.');
        await call(studio, 'datasets.split', { datasetId: dataset.id, testFraction, seed: Number(ctx.values.seed) });
      }
      // The snapshot is written by a dataset-snapshot job in a worker process; this waits for it, showing its progress.
      const off = ctx.json
        ? () => {}
        : studio.events.subscribe((e) => {
            if (e.type === 'job.updated' && e.job.kind === 'dataset-snapshot' && e.job.status === 'running' && process.stderr.isTTY) {
              process.stderr.write(`\r${Math.round(e.job.progress * 100)}% ${e.job.progressMessage ?? ''}   `);
            }
          });
      let snapshot;
      try {
        snapshot = await call(studio, 'snapshots.create', {
          datasetId: dataset.id,
          ...(ctx.values.name ? { name: String(ctx.values.name) } : {}),
        });
      } finally {
        off();
        if (process.stderr.isTTY && !ctx.json) process.stderr.write('\r\x1b[K');
      }
      if (ctx.json) ctx.io.out(JSON.stringify(snapshot));
      else
        ctx.io.out(
          `snapshot #${snapshot.id} "${snapshot.name}": ${snapshot.recordCount} records (${snapshot.trainCount} train, ${snapshot.testCount} test), sha256 ${snapshot.contentHash}`,
        );
      return 0;
    } finally {
      await studio.close();
    }
  },
};
