import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useApi } from '../../api/context';
import { modelQueries } from '../../api/queries';
import { Button } from '../../components/Button';
import { formatCount } from '../../lib/format';
import { Field, inputClass } from '../../components/Field';

/**
 * Pick a registered model, or register a Hugging Face folder by its path
 * (typed: serve mode has no folder picker, and a path is what the CLI takes too).
 */
export function ModelPicker({ modelId, onChange }: { modelId: number | null; onChange: (id: number) => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const { data: models = [] } = useQuery(modelQueries.list(api));
  const [registering, setRegistering] = useState(false);
  const [path, setPath] = useState('');
  const register = useMutation({
    mutationFn: () => api.call('models.register', { path: path.trim() }),
    onSuccess: (model) => {
      void queryClient.invalidateQueries({ queryKey: ['models'] });
      setRegistering(false);
      setPath('');
      onChange(model.id);
    },
  });
  const selected = models.find((m) => m.id === modelId);
  return (
    <div className="space-y-2">
      <div className="flex items-center gap-2">
        <select
          className={`${inputClass} min-w-0 flex-1`}
          value={modelId ?? ''}
          onChange={(e) => onChange(Number(e.target.value))}
          data-testid="launch-model"
          aria-label="Model"
        >
          {modelId === null && <option value="">Choose a model…</option>}
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name} · {m.modelType} · {formatCount(m.parameters)} parameters
            </option>
          ))}
        </select>
        <Button onClick={() => setRegistering((r) => !r)} data-testid="register-model">
          Register a model folder…
        </Button>
      </div>
      {selected && (
        <p className="text-xs text-zinc-500">
          <span className="font-mono break-all">{selected.path}</span> · {selected.numLayers} layers, hidden size {selected.hiddenSize},
          vocabulary {formatCount(selected.vocabSize)} · {selected.hasChatTemplate ? 'has a chat template' : 'no chat template'}
        </p>
      )}
      {registering && (
        <form
          className="flex items-end gap-2 rounded-lg bg-zinc-50 p-3 dark:bg-zinc-800/50"
          onSubmit={(e) => {
            e.preventDefault();
            if (path.trim()) register.mutate();
          }}
        >
          <Field
            label="Folder with config.json, safetensors weights and tokenizer files (a path on the machine running the studio)"
            className="min-w-0 flex-1"
          >
            <input
              className={`${inputClass} font-mono`}
              value={path}
              onChange={(e) => setPath(e.target.value)}
              placeholder="/path/to/SmolLM2-135M-Instruct"
              autoFocus
              data-testid="register-model-path"
            />
          </Field>
          <Button variant="primary" type="submit" disabled={!path.trim() || register.isPending} data-testid="register-model-submit">
            {register.isPending ? 'Checking…' : 'Register'}
          </Button>
        </form>
      )}
      {registering && register.error && (
        <p className="text-xs text-rose-600 dark:text-rose-400" data-testid="register-model-error">
          {register.error.message}
        </p>
      )}
    </div>
  );
}
