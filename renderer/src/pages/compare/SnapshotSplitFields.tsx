import type { Snapshot } from '../../../../shared/datasets';
import { Field, inputClass } from '../../components/Field';

/** A prompt set taken from a snapshot's split: the two fields the Generations and Arena tabs share. */
export function SnapshotSplitFields({
  snapshots,
  snapshot,
  onSnapshot,
  split,
  onSplit,
  testId,
}: {
  snapshots: readonly Snapshot[];
  snapshot: number | null;
  onSnapshot: (id: number) => void;
  split: 'test' | 'train';
  onSplit: (split: 'test' | 'train') => void;
  testId?: string;
}) {
  return (
    <>
      <Field label="Snapshot">
        <select className={inputClass} value={snapshot ?? ''} onChange={(e) => onSnapshot(Number(e.target.value))} data-testid={testId}>
          {snapshots.map((s) => (
            <option key={s.id} value={s.id}>
              #{s.id} {s.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Split">
        <select className={inputClass} value={split} onChange={(e) => onSplit(e.target.value as 'test' | 'train')}>
          <option value="test">test</option>
          <option value="train">train</option>
        </select>
      </Field>
    </>
  );
}
