import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelEntry } from '../../../shared/runs';
import { inspectModelFolder } from './models';
import type { RunStore } from './store';

export const DEMO_MODEL_NAME = 'Demo model (tiny Llama)';

/**
 * Registers the demo model shipped in assets/demo/model, so the launcher
 * offers it in every workspace. Its path follows the app (a moved or updated
 * install points the existing entry at the new folder).
 */
export async function registerDemoModel(runs: RunStore, assetsDir: string): Promise<ModelEntry | null> {
  const dir = resolve(join(assetsDir, 'demo', 'model'));
  if (!existsSync(join(dir, 'config.json'))) return null;
  const existing = runs.listModels().find((m) => m.origin === 'demo');
  if (existing) {
    if (existing.path !== dir) runs.setModelPath(existing.id, dir);
    return runs.getModel(existing.id);
  }
  const { entry } = await inspectModelFolder(dir);
  return runs.addModel({ ...entry, name: DEMO_MODEL_NAME, origin: 'demo' });
}
