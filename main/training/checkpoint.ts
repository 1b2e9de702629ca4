/**
 * Checkpoint folders of a run: `<runDir>/checkpoint-<step, 8 digits>/`, each
 * written into a temp folder and renamed into place (a crash leaves either the
 * whole checkpoint or none), with a manifest of sha256 sums so a corrupted or
 * truncated checkpoint is detected and the previous one used instead.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export const MANIFEST = 'manifest.json';
const PREFIX = 'checkpoint-';

export function checkpointName(step: number): string {
  return `${PREFIX}${String(step).padStart(8, '0')}`;
}

async function filesUnder(dir: string, rel = ''): Promise<string[]> {
  const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await filesUnder(dir, r)));
    else if (e.isFile()) out.push(r);
  }
  return out.sort();
}

async function sha256File(file: string): Promise<string> {
  return createHash('sha256')
    .update(await fs.readFile(file))
    .digest('hex');
}

/**
 * Writes `<runDir>/<checkpointName(step)>` atomically: `write` fills a temp
 * folder, the manifest is added last, then the folder is renamed into place.
 */
export async function writeCheckpoint(runDir: string, step: number, write: (dir: string) => Promise<void>): Promise<string> {
  await fs.mkdir(runDir, { recursive: true });
  const target = path.join(runDir, checkpointName(step));
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  await fs.mkdir(tmp);
  try {
    await write(tmp);
    const files: Record<string, string> = {};
    for (const f of await filesUnder(tmp)) files[f] = await sha256File(path.join(tmp, f));
    await fs.writeFile(path.join(tmp, MANIFEST), JSON.stringify({ format: 1, step, files }, null, 2) + '\n');
    // A checkpoint of the same step (a re-run after a crash) is replaced.
    await fs.rm(target, { recursive: true, force: true });
    await fs.rename(tmp, target);
    return target;
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

export type Verification = { ok: true } | { ok: false; problem: string };

/** Checks that every file the manifest lists exists with its recorded sha256. */
export async function verifyCheckpoint(dir: string): Promise<Verification> {
  let manifest: { files?: Record<string, string> };
  try {
    manifest = JSON.parse(await fs.readFile(path.join(dir, MANIFEST), 'utf8')) as typeof manifest;
  } catch (e) {
    return { ok: false, problem: `manifest unreadable: ${(e as Error).message}` };
  }
  if (!manifest.files || Object.keys(manifest.files).length === 0) return { ok: false, problem: 'manifest lists no files' };
  for (const [rel, sum] of Object.entries(manifest.files)) {
    let actual: string;
    try {
      actual = await sha256File(path.join(dir, rel));
    } catch {
      return { ok: false, problem: `${rel} is missing` };
    }
    if (actual !== sum) return { ok: false, problem: `${rel} does not match its checksum` };
  }
  return { ok: true };
}

/** Finished checkpoints of a run (temp folders excluded), oldest first. */
export async function listCheckpoints(runDir: string): Promise<{ step: number; dir: string }[]> {
  const names = await fs.readdir(runDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  return names
    .filter((n) => /^checkpoint-\d+$/.test(n))
    .map((n) => ({ step: Number(n.slice(PREFIX.length)), dir: path.join(runDir, n) }))
    .sort((a, b) => a.step - b.step);
}

/**
 * The newest checkpoint that verifies, or null. `onInvalid` hears about each
 * newer one skipped (the lead logs it on the run).
 */
export async function latestValidCheckpoint(runDir: string, onInvalid?: (dir: string, problem: string) => void): Promise<string | null> {
  const all = await listCheckpoints(runDir);
  for (let i = all.length - 1; i >= 0; i--) {
    const v = await verifyCheckpoint(all[i]!.dir);
    if (v.ok) return all[i]!.dir;
    onInvalid?.(all[i]!.dir, v.problem);
  }
  return null;
}

/** Deletes the oldest checkpoints beyond `keep`. Returns the deleted folders. */
export async function pruneCheckpoints(runDir: string, keep: number): Promise<string[]> {
  const all = await listCheckpoints(runDir);
  const drop = all.slice(0, Math.max(0, all.length - keep)).map((c) => c.dir);
  for (const d of drop) await fs.rm(d, { recursive: true, force: true });
  return drop;
}
