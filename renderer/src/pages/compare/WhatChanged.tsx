import { useQuery } from '@tanstack/react-query';
import type { DiffRecord } from '../../../../shared/compare';
import type { Run } from '../../../../shared/runs';
import { useApi } from '../../api/context';
import { compareQueries, modelQueries } from '../../api/queries';
import { Badge } from '../../components/Badge';
import { cardClass, Detail, Stat } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { Field, inputClass } from '../../components/Field';
import { Table, type Column } from '../../components/Table';
import { runColor } from '../../../../shared/run-color';
import { configDiff, formatSetting, flatRunSettings, type ConfigChange } from '../../../../shared/compare-settings';
import { shortHash } from '../runs/run-format';
import { settingName } from './CompareRunsTable';

/**
 * "What changed" between two runs (issue 15 item 3): the settings that
 * differ, what changed in the dataset snapshot (by content hash), and the
 * model each started from.
 */

function RunPicker({
  label,
  runs,
  value,
  onChange,
  testId,
}: {
  label: string;
  runs: readonly Run[];
  value: number;
  onChange: (id: number) => void;
  testId: string;
}) {
  return (
    <Field label={label}>
      <select className={inputClass} value={value} onChange={(e) => onChange(Number(e.target.value))} data-testid={testId}>
        {runs.map((r) => (
          <option key={r.id} value={r.id}>
            #{r.id} {r.name}
          </option>
        ))}
      </select>
    </Field>
  );
}

function ConfigDiff({ a, b }: { a: Run; b: Run }) {
  const changes = configDiff(flatRunSettings(a), flatRunSettings(b));
  const columns: Column<ConfigChange>[] = [
    { header: 'Setting', cell: (c) => settingName(c.key), title: (c) => c.key, className: 'font-medium' },
    { header: `#${a.id}`, cell: (c) => formatSetting(c.a), className: 'tabular-nums', testId: 'diff-a' },
    { header: `#${b.id}`, cell: (c) => formatSetting(c.b), className: 'tabular-nums', testId: 'diff-b' },
  ];
  return (
    <div className="space-y-2">
      <h3 className="text-sm font-semibold">Settings</h3>
      <Table
        columns={columns}
        rows={changes}
        rowKey={(c) => c.key}
        density="compact"
        testId="config-diff"
        rowTestId="config-diff-row"
        empty="The two runs have the same settings."
      />
    </div>
  );
}

function Records({ title, records, testId }: { title: string; records: DiffRecord[]; testId: string }) {
  if (records.length === 0) return null;
  return (
    <div>
      <div className="text-xs font-medium text-zinc-500 uppercase">{title}</div>
      <ul className="mt-1 space-y-0.5 text-xs" data-testid={testId}>
        {records.map((r) => (
          <li key={`${r.ordinal}`} className="truncate" title={`${r.prompt}\ncontent hash ${r.contentHash}`}>
            <span className="font-mono text-zinc-500">{r.contentHash.slice(0, 8)}</span> {r.prompt}
          </li>
        ))}
      </ul>
    </div>
  );
}

function SnapshotDiff({ a, b }: { a: Run; b: Run }) {
  const api = useApi();
  // A run imported from TRL whose snapshot is not in this workspace has snapshot id 0 (only its content hash is known).
  const missing = [a, b].find((r) => r.snapshotId === 0);
  const diff = useQuery({
    ...compareQueries.snapshotDiff(api, a.snapshotId, b.snapshotId),
    enabled: a.snapshotId !== b.snapshotId && !missing,
  });
  return (
    <div className="space-y-2" data-testid="snapshot-diff">
      <h3 className="text-sm font-semibold">Dataset snapshot</h3>
      {missing ? (
        <EmptyState testId="snapshot-missing">
          Run #{missing.id} was imported from TRL and trained on a snapshot this workspace does not have (content hash{' '}
          {shortHash(missing.snapshotHash)}): there are no records to compare.
        </EmptyState>
      ) : a.snapshotId === b.snapshotId ? (
        <EmptyState testId="snapshot-same">
          Both trained on the same snapshot, {a.datasetName} · {a.snapshotName} ({shortHash(a.snapshotHash)}).
        </EmptyState>
      ) : diff.isPending ? (
        <EmptyState>Comparing the two snapshots record by record…</EmptyState>
      ) : diff.error ? (
        <p className="text-sm text-rose-600">{diff.error.message}</p>
      ) : (
        <>
          <p className="text-xs text-zinc-500">
            {diff.data.a.name} ({shortHash(diff.data.a.contentHash)}, {diff.data.a.records} records) → {diff.data.b.name} (
            {shortHash(diff.data.b.contentHash)}, {diff.data.b.records} records)
            {diff.data.identical && ' — the same content'}
          </p>
          <div className="flex gap-6">
            <Stat label="Unchanged" value={diff.data.unchanged} testId="diff-unchanged" />
            <Stat label="Added" value={diff.data.added} testId="diff-added" />
            <Stat label="Removed" value={diff.data.removed} testId="diff-removed" />
            <Stat label="Changed" value={diff.data.changed} testId="diff-changed" />
          </div>
          <Records title="Added (first)" records={diff.data.samples.added} testId="diff-added-records" />
          <Records title="Removed (first)" records={diff.data.samples.removed} testId="diff-removed-records" />
          {diff.data.samples.changed.length > 0 && (
            <div>
              <div className="text-xs font-medium text-zinc-500 uppercase">Changed (first)</div>
              <ul className="mt-1 space-y-0.5 text-xs" data-testid="diff-changed-records">
                {diff.data.samples.changed.map((c) => (
                  <li key={c.a.ordinal} className="truncate" title={c.a.prompt}>
                    <span className="text-zinc-500">{c.fields.join(', ')}:</span> {c.a.prompt}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </>
      )}
    </div>
  );
}

function fineTuning(run: Run): string {
  const lora = run.config.lora;
  return lora ? `LoRA (rank ${lora.rank}, alpha ${lora.alpha})` : 'full fine-tuning';
}

function ModelDiff({ a, b }: { a: Run; b: Run }) {
  const api = useApi();
  const { data: models = [] } = useQuery(modelQueries.list(api));
  const describe = (run: Run) => {
    const model = models.find((m) => m.id === run.modelId);
    return model ? `${model.modelType}, ${(model.parameters / 1e6).toFixed(2)}M parameters` : 'no longer registered';
  };
  const sameHash = a.modelHash !== null && a.modelHash === b.modelHash;
  return (
    <div className="space-y-2" data-testid="model-diff">
      <h3 className="flex items-center gap-2 text-sm font-semibold">
        Model
        <Badge tone={sameHash ? 'emerald' : 'amber'} testId="model-same">
          {sameHash ? 'same starting model' : a.modelHash && b.modelHash ? 'different starting models' : 'hash not known yet'}
        </Badge>
      </h3>
      <div className="grid grid-cols-2 gap-4">
        {[a, b].map((run) => (
          <dl key={run.id} className="space-y-2" data-testid={`model-${run.id}`}>
            <Detail label={`Run #${run.id}`}>
              <span className="inline-block h-2.5 w-2.5 rounded-full" style={{ background: runColor(run.id) }} /> {run.name}
            </Detail>
            <Detail label="Base model">{run.modelName}</Detail>
            <Detail label="Architecture">{describe(run)}</Detail>
            <Detail label="Model hash" className="font-mono" title={run.modelHash ?? undefined}>
              {shortHash(run.modelHash)}
            </Detail>
            <Detail label="Trains">{fineTuning(run)}</Detail>
          </dl>
        ))}
      </div>
    </div>
  );
}

/** The two runs compared: chosen among the picked ones (the first two by default). */
export function WhatChanged({
  runs,
  pair,
  onPair,
}: {
  runs: readonly Run[];
  pair: [number, number];
  onPair: (pair: [number, number]) => void;
}) {
  const a = runs.find((r) => r.id === pair[0]);
  const b = runs.find((r) => r.id === pair[1]);
  if (runs.length < 2 || !a || !b)
    return <EmptyState testId="what-changed-empty">Pick two runs to see what changed between them.</EmptyState>;
  return (
    <section className={`${cardClass} space-y-4 p-4`} data-testid="what-changed">
      <div className="flex flex-wrap items-end gap-3">
        <h2 className="text-sm font-semibold">What changed</h2>
        <RunPicker label="From" runs={runs} value={a.id} onChange={(id) => onPair([id, b.id])} testId="what-changed-a" />
        <RunPicker label="To" runs={runs} value={b.id} onChange={(id) => onPair([a.id, id])} testId="what-changed-b" />
      </div>
      <ConfigDiff a={a} b={b} />
      <SnapshotDiff a={a} b={b} />
      <ModelDiff a={a} b={b} />
    </section>
  );
}
