import { join } from 'node:path';
import type { RecordFilter } from '../../../shared/datasets';
import { StudioError } from '../../../shared/result';
import type { Handlers } from '../handlers';
import type { JobStore } from '../jobs/store';
import type { JobSupervisor } from '../jobs/supervisor';
import { resultOf } from '../jobs/registry';
import { fileError } from '../file-errors';
import { duplicatesView, latestDedupeJob } from './curation-jobs';
import { EXPORT_EXTENSIONS, exportToFile } from './export';
import { checkImportablePath, previewFile } from './formats';
import { importReport, listImports, rejectedRowsText } from './imports';
import { mkdirSync, writeFileSync } from 'node:fs';
import { queryRecords, recordIds } from './query';
import { refreshOverlapFlags, splitDataset } from './split';
import { getSnapshot, listSnapshots } from './snapshots';
import { rowContent, type DatasetStore } from './store';

type DatasetMethods = Extract<keyof Handlers, `datasets.${string}` | `records.${string}` | `snapshots.${string}`>;

export interface DatasetServiceDeps {
  store: DatasetStore;
  jobs: JobSupervisor;
  jobStore: JobStore;
  exportsDir: string;
}

function selectionIds(
  store: DatasetStore,
  sel: { datasetId: number; ids: number[] } | { datasetId: number; filter: RecordFilter },
): number[] {
  if ('ids' in sel) {
    const inDataset = new Set(recordIds(store.db, sel.datasetId));
    const foreign = sel.ids.filter((id) => !inDataset.has(id));
    if (foreign.length)
      throw new StudioError(
        'NOT_FOUND',
        `Record${foreign.length === 1 ? '' : 's'} ${foreign
          .slice(0, 5)
          .map((i) => `#${i}`)
          .join(', ')} not in dataset #${sel.datasetId}.`,
      );
    return sel.ids;
  }
  return recordIds(store.db, sel.datasetId, sel.filter);
}

const safeName = (s: string) => s.replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^-+|-+$/g, '') || 'dataset';

/** The datasets domain of the contract: curation over the workspace database. */
export function datasetHandlers({ store, jobs, jobStore, exportsDir }: DatasetServiceDeps): Pick<Handlers, DatasetMethods> {
  const db = store.db;
  return {
    'datasets.list': () => store.listDatasets(),
    'datasets.create': ({ name, description }) => store.createDataset(name, description),
    'datasets.update': ({ id, ...patch }) => store.updateDataset(id, patch),
    'datasets.delete': ({ id }) => {
      store.deleteDataset(id);
      return { deleted: true };
    },
    'datasets.preview': async ({ path, format, mapping }) => {
      let preview;
      try {
        preview = await previewFile(path, { ...(format ? { format } : {}), ...(mapping ? { mapping } : {}) });
      } catch (err) {
        throw fileError(err, path, 'read');
      }
      return {
        file: path.split(/[\\/]/).pop() ?? path,
        container: preview.container,
        format: preview.format,
        confidence: preview.confidence,
        explanation: preview.explanation,
        mapping: preview.mapping,
        candidates: preview.candidates,
        columns: preview.columns,
        sample: preview.sampleRecords.map((r) => ({
          kind: r.kind,
          prompt: r.prompt,
          chosen: r.chosen,
          rejected: r.rejected,
          responses: r.responses ?? null,
          system: r.system ?? null,
          source: r.source,
        })),
        errors: preview.errors.map((e) => ({
          file: e.file,
          line: e.line ?? null,
          row: e.row ?? null,
          field: e.field ?? null,
          byteOffset: e.byteOffset ?? null,
          code: e.code,
          severity: e.severity,
          reason: e.reason,
          raw: e.raw ?? null,
        })),
      };
    },
    'datasets.import': ({ path, datasetId, datasetName, format, mapping }) => {
      // A pipe, a device or a file over the size cap is refused before any job or dataset exists.
      checkImportablePath(path);
      let target: { datasetId: number } | { datasetName: string };
      if (datasetId === undefined) {
        const name = (datasetName ?? (path.split(/[\\/]/).pop() ?? 'dataset').replace(/\.[^.]+$/, '')).trim();
        if (!name) throw new StudioError('INVALID_ARGUMENT', 'A dataset needs a name.');
        // The job creates the dataset, and removes it again if the file yields no record.
        target = { datasetName: name };
      } else {
        store.assertDataset(datasetId);
        target = { datasetId };
      }
      return jobs.start('dataset-import', { path, ...target, ...(format ? { format } : {}), ...(mapping ? { mapping } : {}) });
    },
    'datasets.imports': ({ datasetId }) => listImports(db, datasetId),
    'datasets.importReport': ({ id, errorsOffset, errorsLimit }) => importReport(db, id, errorsOffset, errorsLimit),
    'datasets.exportRejected': ({ importId }) => {
      const { text, count, file } = rejectedRowsText(db, importId);
      const downloadName = `${safeName(file.replace(/\.[^.]+$/, ''))}-import-${importId}-rejected.jsonl`;
      mkdirSync(exportsDir, { recursive: true });
      const path = join(exportsDir, downloadName);
      writeFileSync(path, text);
      return { path, count, downloadName };
    },
    'datasets.facets': ({ datasetId }) => ({ tags: store.tagCounts(datasetId), sources: store.sourceCounts(datasetId) }),
    'records.query': ({ datasetId, filter, ...page }) => {
      store.assertDataset(datasetId);
      return queryRecords(store, datasetId, filter, page);
    },
    'records.get': ({ id }) => store.getRecord(id),
    'records.update': ({ id, content, reason }) => {
      const record = store.updateRecord(id, content, reason);
      refreshOverlapFlags(db, record.datasetId);
      return store.getRecord(id);
    },
    'records.delete': (sel) => {
      const deleted = store.deleteRecords(selectionIds(store, sel));
      store.touch(sel.datasetId);
      return { deleted };
    },
    'records.tag': (sel) => {
      const ids = selectionIds(store, sel);
      return { changed: store.tagRecords(ids, sel.add, sel.remove), records: ids.length };
    },
    // Duplicate search and snapshots run as jobs in worker processes; the waiting forms keep scripts simple.
    'datasets.duplicates': async ({ datasetId, threshold }) => {
      store.assertDataset(datasetId);
      const job = await jobs.outcome(jobs.start('dataset-dedupe', { datasetId, threshold }).id);
      const { exact, near, groups } = duplicatesView(store, resultOf(job, 'dataset-dedupe'));
      return { exact, near, groups };
    },
    'datasets.findDuplicates': ({ datasetId, threshold }) => {
      store.assertDataset(datasetId);
      return jobs.start('dataset-dedupe', { datasetId, threshold });
    },
    'datasets.duplicateGroups': ({ datasetId }) => {
      store.assertDataset(datasetId);
      const job = latestDedupeJob(store, jobStore, datasetId);
      return { job, result: job?.status === 'succeeded' ? duplicatesView(store, resultOf(job, 'dataset-dedupe')) : null };
    },
    'records.merge': ({ keepId, dropIds }) => {
      const keep = store.row(keepId);
      const drops = dropIds.filter((id) => id !== keepId).map((id) => store.row(id));
      if (drops.some((d) => d.dataset_id !== keep.dataset_id))
        throw new StudioError('INVALID_ARGUMENT', 'Only records of the same dataset can be merged.');
      store.transaction(() => {
        const tags = store.distinctTags(drops.map((d) => d.id));
        store.tagRecords([keepId], tags, []);
        store.addHistory(
          keepId,
          keep.version,
          `merged duplicates ${drops.map((d) => `#${d.id}`).join(', ')} into this record`,
          rowContent(keep),
          rowContent(keep),
        );
        store.deleteRecords(drops.map((d) => d.id));
      });
      return store.getRecord(keepId);
    },
    'datasets.split': ({ datasetId, testFraction, seed }) => {
      store.getDataset(datasetId);
      const counts = splitDataset(db, datasetId, testFraction, seed);
      store.touch(datasetId);
      const overlapping = store.overlappingCount(datasetId);
      return { ...counts, overlapping };
    },
    'snapshots.create': async ({ datasetId, name, filter }) => {
      store.assertDataset(datasetId);
      const job = await jobs.outcome(jobs.start('dataset-snapshot', { datasetId, ...(name ? { name } : {}), filter: filter ?? null }).id);
      return resultOf(job, 'dataset-snapshot');
    },
    'snapshots.start': ({ datasetId, name, filter }) => {
      store.assertDataset(datasetId);
      return jobs.start('dataset-snapshot', { datasetId, ...(name ? { name } : {}), filter: filter ?? null });
    },
    'snapshots.list': ({ datasetId }) => listSnapshots(db, datasetId),
    'datasets.export': ({ datasetId, snapshotId, filter, split, format, path }) => {
      if ((datasetId === undefined) === (snapshotId === undefined)) {
        throw new StudioError('INVALID_ARGUMENT', 'Export either a dataset (with an optional filter) or a snapshot.');
      }
      let base: string;
      if (snapshotId !== undefined) {
        const snapshot = getSnapshot(db, snapshotId);
        base = `${store.getDataset(snapshot.datasetId).name}-${snapshot.name}-${snapshot.contentHash.slice(0, 8)}`;
      } else base = `${store.getDataset(datasetId!).name}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      const downloadName = `${safeName(base)}${split ? `-${split}` : ''}.${format === 'trl-conversational' ? 'conversational.' : ''}${EXPORT_EXTENSIONS[format]}`;
      const target = path ?? join(exportsDir, downloadName);
      const result = exportToFile(
        db,
        {
          ...(datasetId !== undefined ? { datasetId } : {}),
          ...(snapshotId !== undefined ? { snapshotId } : {}),
          ...(filter ? { filter } : {}),
          ...(split ? { split } : {}),
        },
        format,
        target,
      );
      return { ...result, downloadName: path ? null : downloadName };
    },
  };
}
