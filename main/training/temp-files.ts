/**
 * Files and folders written whole are first written under a temp name,
 * `<target>.tmp-<pid>-<time>`, and renamed into place: the reference cache
 * (`artifacts/reference-cache/<key>.json`) and checkpoints
 * (`<runDir>/checkpoint-<step>/`). A worker killed between the two (kill -9,
 * power loss, an orphan stopped by its watchdog) leaves the temp behind; the
 * next start removes it (the studio's for the reference cache, the run's for
 * its checkpoints). Tensor-free on purpose: the studio's start-up imports it.
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const TEMP_NAME = /\.tmp-(\d+)(?:-\d+)?$/;

/** Where this process writes `target` before renaming it into place. */
export function tempPathFor(target: string): string {
  return `${target}.tmp-${process.pid}-${Date.now()}`;
}

function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A dead worker whose parent died too is a zombie until something reaps it
  // (in containers, PID 1 often never does): kill(pid, 0) still succeeds.
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // "pid (comm) S …": the state follows the last ')' (comm may hold one).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/**
 * Removes temp files and folders in `dir` whose writer is no longer running
 * (another studio on the same workspace may be writing one right now);
 * returns the names removed.
 */
export function removeStaleTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match || processRunning(Number(match[1]))) continue;
    rmSync(join(dir, name), { force: true, recursive: true });
    removed.push(name);
  }
  return removed;
}
