import type { ModelEntry, Run } from '../../shared/runs';

type Api = <T>(method: string, args?: unknown) => Promise<T>;

/** Starts a run of the demo model on the workspace's first snapshot: the model's defaults (`runs.defaults`) with `config` over them. */
export async function startDemoRun(api: Api, launch: { name?: string; config: Record<string, unknown> }): Promise<Run> {
  const demo = (await api<ModelEntry[]>('models.list')).find((m) => m.origin === 'demo');
  if (!demo) throw new Error('The workspace has no demo model.');
  const snapshot = (await api<{ id: number }[]>('snapshots.list'))[0];
  if (!snapshot) throw new Error('The workspace has no snapshot.');
  const defaults = await api<Record<string, unknown>>('runs.defaults', { modelId: demo.id });
  return api<Run>('runs.create', {
    ...(launch.name ? { name: launch.name } : {}),
    snapshotId: snapshot.id,
    modelId: demo.id,
    config: { ...defaults, ...launch.config },
  });
}
