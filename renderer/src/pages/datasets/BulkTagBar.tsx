import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { RecordFilter } from '../../../../shared/datasets';
import { useApi } from '../../api/context';
import { invalidateDataset } from '../../api/queries';
import { Button } from '../../components/Button';
import { ui } from '../../lib/ui-store';
import type { Selection } from './RecordsTable';
import { formatCount } from '../../lib/format';
import { inputClass } from '../../components/Field';
import { NewQueueDialog } from '../labeling/NewQueueDialog';

/** Tags added to or removed from the ticked records, or from every record matching the filter. */
export function BulkTagBar({
  datasetId,
  filter,
  total,
  totalCapped = false,
  selection,
  onSelection,
}: {
  datasetId: number;
  filter: RecordFilter;
  total: number;
  /** The search matched more than `total` records (searches count up to 10,000). */
  totalCapped?: boolean;
  selection: Selection;
  onSelection: (next: Selection) => void;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [tag, setTag] = useState('');
  const [relabeling, setRelabeling] = useState(false);
  const count = selection.allMatching ? total : selection.ids.size;
  const tagMutation = useMutation({
    mutationFn: (op: 'add' | 'remove') => {
      const tags = tag
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      const target = selection.allMatching ? { datasetId, filter } : { datasetId, ids: [...selection.ids] };
      return api.call('records.tag', { ...target, add: op === 'add' ? tags : [], remove: op === 'remove' ? tags : [] });
    },
    onSuccess: (result, op) => {
      ui.toast(
        {
          kind: 'info',
          title: op === 'add' ? 'Tagged' : 'Untagged',
          message: `${formatCount(result.changed)} changes on ${formatCount(result.records)} records.`,
        },
        4000,
      );
      void invalidateDataset(queryClient, datasetId);
    },
  });
  if (count === 0) return null;
  return (
    <div
      className="flex flex-wrap items-center gap-2 rounded-lg bg-indigo-50 px-3 py-1.5 text-sm dark:bg-indigo-950"
      data-testid="bulk-bar"
    >
      <span className="font-medium" data-testid="selection-count">
        {selection.allMatching ? `All ${totalCapped ? 'more than ' : ''}${formatCount(total)} matching` : `${formatCount(count)} selected`}
      </span>
      {!selection.allMatching && total > selection.ids.size && (
        <Button
          variant="ghost"
          className="!px-2 !py-0.5 text-xs"
          onClick={() => onSelection({ ids: new Set(), allMatching: true })}
          data-testid="select-all-matching"
        >
          Select all {totalCapped ? 'more than ' : ''}
          {formatCount(total)} matching
        </Button>
      )}
      <Button variant="ghost" className="!px-2 !py-0.5 text-xs" onClick={() => onSelection({ ids: new Set(), allMatching: false })}>
        Clear
      </Button>
      <Button variant="ghost" className="!px-2 !py-0.5 text-xs" onClick={() => setRelabeling(true)} data-testid="bulk-relabel">
        Send to relabel queue
      </Button>
      {relabeling && (
        <NewQueueDialog
          onClose={() => setRelabeling(false)}
          preset={selection.allMatching ? { datasetId, filter } : { datasetId, recordIds: [...selection.ids] }}
        />
      )}
      <form
        className="ml-auto flex items-center gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          if (tag.trim()) tagMutation.mutate('add');
        }}
      >
        <input
          className={`${inputClass} w-48`}
          placeholder="tag, another tag"
          value={tag}
          onChange={(e) => setTag(e.target.value)}
          aria-label="Tags"
          data-testid="bulk-tag-input"
        />
        <Button
          type="submit"
          variant="primary"
          className="!py-1"
          disabled={!tag.trim() || tagMutation.isPending}
          data-testid="bulk-tag-add"
        >
          Add tag
        </Button>
        <Button
          className="!py-1"
          disabled={!tag.trim() || tagMutation.isPending}
          onClick={() => tagMutation.mutate('remove')}
          data-testid="bulk-tag-remove"
        >
          Remove tag
        </Button>
      </form>
    </div>
  );
}
