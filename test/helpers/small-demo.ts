// A small demo for tests whose point is not the demo's own numbers. The demo dataset holds 1000 pairs, 274 held out,
// and every evaluation of the demo suite generates, scores and judges the whole test split: on CI's two cores that made
// each test that merely evaluates *something* on the demo cost minutes. The studio reads its demo from an assets folder
// (`createStudio({ assetsDir })`), so a test can give it a copy whose demo dataset is the first pairs of the real one
// (the same pairs, rules and meta, split by the same prompt hash), with the real model and, unless asked otherwise,
// the real multiple-choice task and general text. Everything else in assets/ (the TRL export's files) is copied, not
// linked: the studio copies folders out of its assets, and a copied link would point back into the repository.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createStudio } from '../../main/core/studio';
import { REPO_ROOT } from './serve';

export const ASSETS_DIR = join(REPO_ROOT, 'assets');

export interface SmallDemoOptions {
  /** How many of the demo's pairs (from the top of assets/demo/preferences.jsonl); a quarter or so is held out. */
  pairs?: number;
  /** How many of the multiple-choice questions (assets/demo/mc.jsonl); all 200 by default. */
  questions?: number;
  /** How many of the general sentences (assets/demo/general.jsonl); all 300 by default. */
  sentences?: number;
}

/** The first `n` lines of a demo file, written into `dir`; the whole file when `n` is not given. */
function demoFile(dir: string, name: string, n: number | undefined): void {
  const source = join(ASSETS_DIR, 'demo', name);
  if (n === undefined) return cpSync(source, join(dir, name));
  const lines = readFileSync(source, 'utf8').trim().split('\n');
  if (n < 1 || n > lines.length) throw new Error(`${name} has ${lines.length} lines; asked for ${n}.`);
  writeFileSync(join(dir, name), lines.slice(0, n).join('\n') + '\n');
}

/**
 * Writes a new folder `<dir>/small-demo-assets-…`: the app's assets with a smaller demo (160 pairs, about 40 held
 * out, by default), and returns its path, for `createStudio({ assetsDir })`.
 */
export function smallDemoAssets(dir: string, options: SmallDemoOptions = {}): string {
  const assets = mkdtempSync(join(dir, 'small-demo-assets-'));
  const demo = join(assets, 'demo');
  mkdirSync(demo, { recursive: true });
  for (const entry of readdirSync(ASSETS_DIR))
    if (entry !== 'demo') cpSync(join(ASSETS_DIR, entry), join(assets, entry), { recursive: true });
  cpSync(join(ASSETS_DIR, 'demo', 'model'), join(demo, 'model'), { recursive: true });
  demoFile(demo, 'preferences.jsonl', options.pairs ?? 160);
  demoFile(demo, 'mc.jsonl', options.questions);
  demoFile(demo, 'general.jsonl', options.sentences);
  return assets;
}

/**
 * Creates the workspace `workspaceDir` seeded with a small demo (its dataset and snapshot), for tests that then open
 * it from another process (`studio serve`, the `studio` command): a workspace that exists is not seeded again, and the
 * demo model's entry follows the process's own assets (the same model, the same content hash). That process's demo
 * suite reads its own multiple-choice task and general text (the real ones): only the dataset is small.
 */
export async function seedSmallDemo(workspaceDir: string, options: SmallDemoOptions = {}): Promise<void> {
  const assetsDir = smallDemoAssets(dirname(workspaceDir), options);
  const studio = createStudio({ workspaceDir, assetsDir, superviseJobs: false });
  try {
    await studio.seedDemo();
  } finally {
    await studio.close();
  }
}
