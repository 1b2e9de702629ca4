import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, useSyncExternalStore } from 'react';
import { useApi } from '../../api/context';
import { labelingQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { Field, inputClass } from '../../components/Field';

const STORAGE_KEY = 'studio.labeling.annotator';
const listeners = new Set<() => void>();

function readChoice(): number | null {
  const value = Number(window.localStorage.getItem(STORAGE_KEY));
  return Number.isInteger(value) && value > 0 ? value : null;
}

/** The annotator this browser labels as: remembered in localStorage, so a reload (or the next day) resumes as the same person. */
export function useAnnotatorChoice(): [number | null, (id: number) => void] {
  const id = useSyncExternalStore((l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  }, readChoice);
  const choose = (next: number) => {
    window.localStorage.setItem(STORAGE_KEY, String(next));
    for (const l of listeners) l();
  };
  return [id, choose];
}

/** Pick a local annotator profile, or make one; shown where a session starts. */
export function AnnotatorPicker() {
  const api = useApi();
  const queryClient = useQueryClient();
  const { data: annotators = [] } = useQuery(labelingQueries.annotators(api));
  const [chosen, choose] = useAnnotatorChoice();
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: () => api.call('labeling.createAnnotator', { name: name.trim() }),
    onSuccess: (annotator) => {
      void queryClient.invalidateQueries({ queryKey: ['labeling', 'annotators'] });
      choose(annotator.id);
      setName('');
    },
  });
  const known = annotators.some((a) => a.id === chosen);
  return (
    <div className="flex flex-wrap items-end gap-3" data-testid="annotator-picker">
      {annotators.length > 0 && (
        <Field label="Labeling as">
          <select
            className={inputClass}
            value={known ? String(chosen) : ''}
            onChange={(e) => choose(Number(e.target.value))}
            data-testid="annotator-select"
          >
            {!known && <option value="">Choose who you are…</option>}
            {annotators.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <form
        className="flex items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) create.mutate();
        }}
      >
        <Field label={annotators.length ? 'Or a new profile' : 'Your name, to start labeling'}>
          <input
            className={inputClass}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. alice"
            data-testid="annotator-name"
          />
        </Field>
        <Button type="submit" disabled={!name.trim() || create.isPending} data-testid="annotator-create">
          Add annotator
        </Button>
      </form>
      {create.error && (
        <p role="alert" className="text-sm text-rose-600">
          {create.error.message}
        </p>
      )}
    </div>
  );
}
