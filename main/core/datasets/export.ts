import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ExportFormat, RecordContent, RecordFilter } from '../../../shared/datasets';
import { StudioError } from '../../../shared/result';
import type { Db } from '../db/open';
import { fileError } from '../file-errors';
import { writeRecords, type PreferenceRecord } from './formats';
import { iterateRows } from './query';
import { snapshotContents } from './snapshots';
import { rowContent } from './store';

export const EXPORT_EXTENSIONS: Record<ExportFormat, string> = { 'trl-jsonl': 'jsonl', 'trl-conversational': 'jsonl', csv: 'csv' };

export interface ExportSource {
  datasetId?: number;
  snapshotId?: number;
  filter?: RecordFilter;
  /** Only one side of the split. */
  split?: 'train' | 'test';
}

function asPreferenceRecord(content: RecordContent, meta: Record<string, unknown>, row: number): PreferenceRecord {
  return {
    kind: content.kind,
    prompt: content.prompt,
    chosen: content.chosen,
    rejected: content.rejected,
    ...(content.responses ? { responses: content.responses } : {}),
    ...(content.system !== null ? { system: content.system } : {}),
    meta,
    flags: { identicalSides: false, emptySide: false },
    source: { file: 'export', row },
    original: null,
  };
}

/** The records an export reads: a frozen snapshot, or the current (filtered) records of a dataset. */
export function* exportRecords(db: Db, source: ExportSource): Generator<PreferenceRecord> {
  let n = 0;
  if (source.snapshotId !== undefined) {
    for (const r of snapshotContents(db, source.snapshotId)) {
      if (source.split && r.split !== source.split) continue;
      yield asPreferenceRecord(r as unknown as RecordContent, r.meta, ++n);
    }
    return;
  }
  if (source.datasetId === undefined) throw new StudioError('INVALID_ARGUMENT', 'Export needs a dataset or a snapshot.');
  const filter: RecordFilter = { ...source.filter, ...(source.split ? { splits: [source.split] } : {}) };
  for (const row of iterateRows(db, source.datasetId, filter))
    yield asPreferenceRecord(rowContent(row), JSON.parse(row.meta) as Record<string, unknown>, ++n);
}

/** Writes the export atomically (temp file, then rename): a crash never leaves half a file under the final name. */
export function exportToFile(db: Db, source: ExportSource, format: ExportFormat, path: string): { path: string; count: number } {
  const records = [...exportRecords(db, source)];
  if (records.length === 0) throw new StudioError('INVALID_ARGUMENT', 'Nothing to export: no records match.');
  const temp = `${path}.partial-${process.pid}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temp, writeRecords(records, format));
    renameSync(temp, path);
  } catch (err) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // Its folder could not be made: there is no temp file either.
    }
    throw fileError(err, path, 'write');
  }
  return { path, count: records.length };
}
