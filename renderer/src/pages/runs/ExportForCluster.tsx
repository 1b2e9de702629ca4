import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import type { RunLaunch } from '../../../../shared/runs';
import { useApi } from '../../api/context';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { Field, inputClass } from '../../components/Field';

/**
 * "Export for a cluster" (issue 16): the run, or the launcher's run not yet
 * started, as a TRL + Accelerate project (runs.exportTrl) in a folder on the
 * studio's machine; then its path and every setting TRL cannot express.
 */
export function ExportForCluster({
  source,
  disabled = false,
  disabledReason = null,
}: {
  source: { id: number } | { config: RunLaunch };
  disabled?: boolean;
  /** Why this run cannot be exported (shown as the button's title), or null. */
  disabledReason?: string | null;
}) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [out, setOut] = useState('');
  const [modelName, setModelName] = useState('');
  const write = useMutation({
    mutationFn: () =>
      api.call('runs.exportTrl', {
        ...source,
        ...(out.trim() ? { out: out.trim() } : {}),
        ...(modelName.trim() ? { modelName: modelName.trim() } : {}),
      }),
  });
  return (
    <>
      <Button
        onClick={() => setOpen(true)}
        disabled={disabled || disabledReason !== null}
        data-testid="export-cluster"
        title={
          disabledReason ?? 'Write a TRL + Accelerate project (data, config, train.py, launch files) to train this run on GPUs elsewhere'
        }
      >
        Export for a cluster
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title="Export for a cluster" testId="export-cluster-dialog">
        <div className="space-y-3 text-sm">
          <p className="text-zinc-500">
            A Python project for Hugging Face TRL on Accelerate (one GPU, DDP, DeepSpeed ZeRO-2/3, FSDP): the snapshot as TRL JSONL, the
            settings under TRL’s names, train.py with MMPO’s loss, pinned requirements and a README with the commands.
          </p>
          <Field label="Folder (new or empty; empty field = the workspace’s artifacts/exports)">
            <input className={inputClass} value={out} onChange={(e) => setOut(e.target.value)} data-testid="export-cluster-out" />
          </Field>
          <Field label="Model on the cluster (HF id or path; empty = the local model folder)">
            <input className={inputClass} value={modelName} onChange={(e) => setModelName(e.target.value)} />
          </Field>
          <Button variant="primary" disabled={write.isPending} onClick={() => write.mutate()} data-testid="export-cluster-write">
            {write.isPending ? 'Writing…' : 'Write project'}
          </Button>
          {write.error && <p className="text-rose-600">{write.error.message}</p>}
          {write.data && (
            <div className="space-y-2" data-testid="export-cluster-result">
              <p>
                Wrote {write.data.files.length} files to <span className="font-mono break-all">{write.data.path}</span>. Its README.md has
                the <span className="font-mono">accelerate launch</span> commands.
              </p>
              {write.data.unsupported.length > 0 && (
                <div>
                  <p className="font-medium">Not reproduced exactly by TRL:</p>
                  <ul className="list-disc space-y-1 pl-5 text-zinc-500">
                    {write.data.unsupported.map((u) => (
                      <li key={u.setting}>
                        <span className="font-mono">{u.setting}</span>: {u.reason}
                      </li>
                    ))}
                  </ul>
                </div>
              )}
            </div>
          )}
        </div>
      </Dialog>
    </>
  );
}
