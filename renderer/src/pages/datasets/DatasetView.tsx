import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useApi } from '../../api/context';
import { datasetQueries, recordQueries, type RecordSort } from '../../api/queries';
import { BackLink, Button } from '../../components/Button';
import { useGlobalShortcuts } from '../../lib/shortcuts';
import { ExportDialog, SnapshotDialog, SplitDialog } from './actions';
import { BulkTagBar } from './BulkTagBar';
import { DedupeView } from './DedupeView';
import { FilterBar } from './FilterBar';
import { EMPTY_FILTER, toRecordFilter, type FilterState } from './filters';
import { ImportDialog } from './ImportDialog';
import { ImportsTab } from './ImportsTab';
import { RecordDetail } from './RecordDetail';
import { RecordsTable, type Selection } from './RecordsTable';
import { SnapshotsTab } from './SnapshotsTab';
import { PAGE_SIZE } from './useRecordPages';
import { trainingNeeds, unsplitCount } from '../runs/PrepareSnapshot';
import { formatCount } from '../../lib/format';

type Tab = 'records' | 'imports' | 'duplicates' | 'snapshots';
const TABS: { id: Tab; label: string }[] = [
  { id: 'records', label: 'Records' },
  { id: 'imports', label: 'Imports' },
  { id: 'duplicates', label: 'Duplicates' },
  { id: 'snapshots', label: 'Snapshots' },
];
type DialogName = 'import' | 'split' | 'snapshot' | 'export';

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

const NO_SELECTION: Selection = { ids: new Set(), allMatching: false };

export function DatasetView({ id }: { id: number }) {
  const api = useApi();
  const { data: datasets } = useQuery(datasetQueries.list(api));
  const dataset = datasets?.find((d) => d.id === id);
  const { data: snapshots } = useQuery(datasetQueries.snapshots(api, id));
  // Snapshots come newest first; the newest is what a run would train on.
  const needs = dataset && snapshots ? trainingNeeds(dataset, snapshots[0] ?? null) : null;
  const [tab, setTab] = useState<Tab>('records');
  const [filterState, setFilterState] = useState<FilterState>(EMPTY_FILTER);
  const [sort, setSort] = useState<RecordSort>('id');
  const search = useDebounced(filterState.search, 250);
  const filter = useMemo(() => toRecordFilter(filterState, search), [filterState, search]);
  const [selection, setSelection] = useState<Selection>(NO_SELECTION);
  const [openId, setOpenId] = useState<number | null>(null);
  const [dialog, setDialog] = useState<DialogName | null>(null);
  const [exportSnapshot, setExportSnapshot] = useState<number | undefined>();
  const searchRef = useRef<HTMLInputElement>(null);
  // The table reads the same page-0 query, so this costs no extra request.
  const { data: head } = useQuery(recordQueries.page(api, id, filter, sort, 0, PAGE_SIZE));
  const total = head?.total ?? 0;
  const totalCapped = head?.totalCapped ?? false;

  const filterKey = JSON.stringify(filter);
  useEffect(() => setSelection(NO_SELECTION), [filterKey, id]);

  const shortcuts = useMemo(
    () => ({
      '/': () => {
        setTab('records');
        requestAnimationFrame(() => searchRef.current?.focus());
      },
    }),
    [],
  );
  useGlobalShortcuts(shortcuts);

  const toggleRecord = useCallback(
    (recordId: number) =>
      setSelection((s) => {
        const ids = new Set(s.ids);
        if (ids.has(recordId)) ids.delete(recordId);
        else ids.add(recordId);
        return { ids, allMatching: false };
      }),
    [],
  );
  const closeDetail = useCallback(() => setOpenId(null), []);

  if (datasets && !dataset) return <p className="text-sm text-rose-600">There is no dataset #{id}.</p>;
  return (
    <div className="flex h-full flex-col gap-3" data-testid="dataset-view">
      <div className="flex items-start justify-between gap-4">
        <div className="min-w-0">
          <BackLink to="/datasets">Datasets</BackLink>
          <h1 className="mt-1 truncate text-xl font-semibold" data-testid="dataset-name-heading">
            {dataset?.name ?? '…'}
          </h1>
          {dataset && (
            <p className="text-xs text-zinc-500" data-testid="dataset-counts">
              {formatCount(dataset.recordCount)} records · {formatCount(dataset.trainCount)} train · {formatCount(dataset.testCount)} test
              {unsplitCount(dataset) > 0 && ` · ${formatCount(unsplitCount(dataset))} not split`}
            </p>
          )}
          {dataset && snapshots && needs && (
            <p className="mt-1 text-xs text-amber-700 dark:text-amber-300" data-testid="dataset-training-needs">
              {needs}
              {dataset.recordCount > 0 && ' Use Split… then Snapshot… here, or choose this dataset in New run, which does both.'}
            </p>
          )}
        </div>
        <div className="flex shrink-0 gap-2">
          <Button onClick={() => setDialog('import')} data-testid="dataset-import">
            Import…
          </Button>
          <Button onClick={() => setDialog('split')} data-testid="split-button">
            Split…
          </Button>
          <Button onClick={() => setDialog('snapshot')} data-testid="snapshot-button">
            Snapshot…
          </Button>
          <Button
            variant="primary"
            onClick={() => {
              setExportSnapshot(undefined);
              setDialog('export');
            }}
            data-testid="export-button"
          >
            Export…
          </Button>
        </div>
      </div>
      <div role="tablist" className="flex gap-1 border-b border-zinc-200 dark:border-zinc-800">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            onClick={() => setTab(t.id)}
            data-testid={`tab-${t.id}`}
            className={`-mb-px border-b-2 px-3 py-1.5 text-sm focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 ${
              tab === t.id
                ? 'border-indigo-600 font-medium text-indigo-700 dark:text-indigo-300'
                : 'border-transparent text-zinc-500 hover:text-zinc-800 dark:hover:text-zinc-200'
            }`}
          >
            {t.label}
          </button>
        ))}
      </div>
      {tab === 'records' && (
        <>
          <FilterBar datasetId={id} state={filterState} onChange={setFilterState} sort={sort} onSort={setSort} searchRef={searchRef} />
          <BulkTagBar
            datasetId={id}
            filter={filter}
            total={total}
            totalCapped={totalCapped}
            selection={selection}
            onSelection={setSelection}
          />
          <div className="flex min-h-0 flex-1 gap-3">
            <RecordsTable
              datasetId={id}
              filter={filter}
              sort={sort}
              selection={selection}
              onToggle={toggleRecord}
              onOpen={setOpenId}
              openId={openId}
            />
            {openId !== null && <RecordDetail id={openId} onClose={closeDetail} />}
          </div>
        </>
      )}
      {tab === 'imports' && <ImportsTab datasetId={id} />}
      {tab === 'duplicates' && <DedupeView datasetId={id} recordCount={dataset?.recordCount ?? 0} />}
      {tab === 'snapshots' && (
        <SnapshotsTab
          datasetId={id}
          onExport={(snapshotId) => {
            setExportSnapshot(snapshotId);
            setDialog('export');
          }}
        />
      )}
      {dialog === 'import' && <ImportDialog datasetId={id} onClose={() => setDialog(null)} />}
      {dialog === 'split' && <SplitDialog datasetId={id} onClose={() => setDialog(null)} />}
      {dialog === 'snapshot' && <SnapshotDialog datasetId={id} filter={filter} onClose={() => setDialog(null)} />}
      {dialog === 'export' && (
        <ExportDialog
          datasetId={id}
          filter={filter}
          {...(exportSnapshot !== undefined ? { snapshotId: exportSnapshot } : {})}
          onClose={() => setDialog(null)}
        />
      )}
    </div>
  );
}
