import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { RecordFilter } from '../../../../shared/datasets';
import { useApi } from '../../api/context';
import { datasetQueries, snapshotQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { Field, inputClass } from '../../components/Field';
import { formatCount } from '../../lib/format';
import { navigate } from '../../lib/router';
import { parseRecordIds } from './record-ids';

/** The queue kinds the backend builds today; the others join this list as they land. */
const KINDS = [
  { value: 'pairs', label: 'Pairs — pick the better of two responses in the source' },
  { value: 'prompts', label: 'Prompts — responses generated from a model, then labeled' },
  { value: 'arena', label: 'Arena — two models answer each prompt, blind' },
  { value: 'relabel', label: 'Relabel — the pairs of the records named, labeled again' },
] as const;

/** "d:3" (a dataset) or "s:7" (a snapshot): one select for either source. */
type SourceKey = `${'d' | 's'}:${number}`;

/** What the datasets page's selection bar sends: a relabel queue on that dataset, of the ticked records or every record its filter matches. */
export interface QueuePreset {
  datasetId: number;
  recordIds?: number[];
  filter?: RecordFilter;
}

export function NewQueueDialog({ onClose, preset }: { onClose: () => void; preset?: QueuePreset }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const { data: datasets = [] } = useQuery(datasetQueries.list(api));
  const { data: snapshots = [] } = useQuery(snapshotQueries.all(api));
  const [name, setName] = useState('');
  const [source, setSource] = useState<SourceKey | ''>(preset ? `d:${preset.datasetId}` : '');
  const [kind, setKind] = useState<(typeof KINDS)[number]['value']>(preset ? 'relabel' : 'pairs');
  const [recordIdsText, setRecordIdsText] = useState(preset?.recordIds?.join(', ') ?? '');
  // A preset filter (every record matching the datasets page's view) stands in for typed ids.
  const presetFilter = preset?.filter && !preset.recordIds ? preset.filter : undefined;
  const parsedIds = kind === 'relabel' && !presetFilter ? parseRecordIds(recordIdsText) : null;
  const idsError = parsedIds && 'error' in parsedIds ? parsedIds.error : null;
  const [order, setOrder] = useState<'stored' | 'random'>('random');
  const [seed, setSeed] = useState(0);
  const [overlap, setOverlap] = useState(1);
  const [recheckPercent, setRecheckPercent] = useState(5);
  const [guidelines, setGuidelines] = useState('');
  const chosenSource = source || (datasets[0] ? (`d:${datasets[0].id}` as SourceKey) : '');
  const create = useMutation({
    mutationFn: () => {
      const [type, id] = chosenSource.split(':') as ['d' | 's', string];
      return api.call('labeling.createQueue', {
        name: name.trim(),
        kind,
        ...(type === 'd' ? { datasetId: Number(id) } : { snapshotId: Number(id) }),
        order,
        seed,
        overlap,
        recheckShare: recheckPercent / 100,
        guidelines,
        ...(parsedIds && 'ids' in parsedIds ? { recordIds: parsedIds.ids } : {}),
        ...(kind === 'relabel' && presetFilter ? { filter: presetFilter } : {}),
      });
    },
    onSuccess: (queue) => {
      void queryClient.invalidateQueries({ queryKey: ['labeling', 'queues'] });
      onClose();
      navigate(`/labeling/${queue.id}`);
    },
  });
  const datasetName = new Map(datasets.map((d) => [d.id, d.name]));
  return (
    <Dialog open onClose={onClose} title="New label queue" testId="new-queue-dialog">
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim() && chosenSource && !idsError) create.mutate();
        }}
      >
        <Field label="Name">
          <input className={inputClass} value={name} onChange={(e) => setName(e.target.value)} autoFocus data-testid="queue-name" />
        </Field>
        <Field label="Source" hint="A dataset as it is now, or a frozen snapshot">
          <select
            className={inputClass}
            value={chosenSource}
            onChange={(e) => setSource(e.target.value as SourceKey)}
            data-testid="queue-source"
          >
            <optgroup label="Datasets">
              {datasets.map((d) => (
                <option key={`d${d.id}`} value={`d:${d.id}`}>
                  {d.name} · {formatCount(d.recordCount)} records
                </option>
              ))}
            </optgroup>
            {snapshots.length > 0 && (
              <optgroup label="Snapshots">
                {snapshots.map((s) => (
                  <option key={`s${s.id}`} value={`s:${s.id}`}>
                    {datasetName.get(s.datasetId) ?? `dataset ${s.datasetId}`} · {s.name} · {formatCount(s.recordCount)} records
                  </option>
                ))}
              </optgroup>
            )}
          </select>
        </Field>
        <div className="grid grid-cols-3 gap-3">
          <Field label="Kind" className="col-span-3">
            <select className={inputClass} value={kind} onChange={(e) => setKind(e.target.value as typeof kind)} data-testid="queue-kind">
              {KINDS.map((k) => (
                <option key={k.value} value={k.value}>
                  {k.label}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Order" hint="Random spreads position effects; the seed makes it repeatable">
            <select
              className={inputClass}
              value={order}
              onChange={(e) => setOrder(e.target.value as typeof order)}
              data-testid="queue-order"
            >
              <option value="random">Random (seeded)</option>
              <option value="stored">As stored</option>
            </select>
          </Field>
          <Field label="Seed">
            <input
              className={inputClass}
              type="number"
              value={seed}
              disabled={order !== 'random'}
              onChange={(e) => setSeed(Math.trunc(Number(e.target.value)))}
              data-testid="queue-seed"
            />
          </Field>
          <Field label="Overlap k" hint="How many annotators label each pair before it leaves everyone's queue">
            <input
              className={inputClass}
              type="number"
              min={1}
              max={50}
              value={overlap}
              onChange={(e) => setOverlap(Math.max(1, Math.min(50, Math.trunc(Number(e.target.value)) || 1)))}
              data-testid="queue-overlap"
            />
          </Field>
        </div>
        <Field
          label="Swap re-serves (%)"
          hint="Share of each annotator's labeled pairs served again later with the sides swapped, to measure swap consistency"
        >
          <input
            className={`${inputClass} w-24`}
            type="number"
            min={0}
            max={100}
            value={recheckPercent}
            onChange={(e) => setRecheckPercent(Math.max(0, Math.min(100, Number(e.target.value) || 0)))}
            data-testid="queue-recheck"
          />
        </Field>
        {kind === 'relabel' &&
          (presetFilter ? (
            <p className="text-xs text-zinc-500" data-testid="queue-records-filter">
              Every record matching the datasets page’s current filter.
            </p>
          ) : (
            <Field label="Record ids" hint="The records whose pairs to label again: ids separated by commas or spaces">
              <textarea
                className={`${inputClass} font-mono`}
                rows={2}
                value={recordIdsText}
                onChange={(e) => setRecordIdsText(e.target.value)}
                placeholder="12, 40, 41"
                data-testid="queue-record-ids"
              />
              {recordIdsText.trim() && idsError && (
                <span className="text-xs text-rose-600" data-testid="queue-record-ids-error">
                  {idsError}
                </span>
              )}
            </Field>
          ))}
        {(kind === 'prompts' || kind === 'arena') && (
          <p className="text-xs text-zinc-500">
            A {kind} queue holds the source’s prompts; its pairs appear once candidates are generated (<em>Generate candidates</em> on the
            queue page).
          </p>
        )}
        <Field label="Guidelines (markdown, shown beside every pair)">
          <textarea
            className={`${inputClass} font-mono`}
            rows={6}
            value={guidelines}
            onChange={(e) => setGuidelines(e.target.value)}
            placeholder={'# What makes a response better\n- Follows the instruction exactly\n- …'}
            data-testid="queue-guidelines"
          />
        </Field>
        {create.error && (
          <p role="alert" className="text-sm text-rose-600" data-testid="queue-error">
            {create.error.message}
          </p>
        )}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button
            variant="primary"
            type="submit"
            disabled={!name.trim() || !chosenSource || !!idsError || create.isPending}
            data-testid="queue-create"
          >
            Create queue
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
