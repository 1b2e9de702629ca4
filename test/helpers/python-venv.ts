/**
 * The Python venv the TRL export's tests run in: scripts/python-env.sh builds
 * it (CPU torch 2.13.0, pinned TRL, transformers, accelerate, peft); the tests
 * find it at $STUDIO_TRL_VENV, else .venv-trl in the repo. A developer
 * without it gets the Python tests skipped with the reason; CI must not:
 * with CI set, a missing venv fails them (see `requireVenv`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './serve';

export const TRL_VENV = resolve(REPO_ROOT, process.env['STUDIO_TRL_VENV'] ?? '.venv-trl');
export const TRL_PYTHON = join(TRL_VENV, 'bin', 'python');

/** Why the Python tests cannot run here, or null when the venv is there. */
export const venvMissing: string | null = existsSync(TRL_PYTHON)
  ? null
  : `no Python venv at ${TRL_VENV} (build it with scripts/python-env.sh, or point STUDIO_TRL_VENV at one)`;

/** Skip the Python tests locally without the venv (saying why), but run them — and fail — in CI. */
export const skipPython = venvMissing !== null && !process.env['CI'];
if (skipPython) console.warn(`Skipping the TRL export's Python tests: ${venvMissing}.`);

/** In a test: throws in CI when the venv is missing (the tests are skipped elsewhere). */
export function requireVenv(): void {
  if (venvMissing) throw new Error(`CI must run the TRL export's Python tests, but there is ${venvMissing}.`);
}

/** Runs a Python script in the venv (no shell), with JSON on stdin; its stdout parsed as JSON. */
export function runPython<T>(args: string[], input = '', timeoutMs = 300_000): T {
  const res = spawnSync(TRL_PYTHON, args, {
    input,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, TRL_EXPERIMENTAL_SILENCE: '1', TOKENIZERS_PARALLELISM: 'false', OMP_NUM_THREADS: '1' },
  });
  if (res.status !== 0) throw new Error(`python ${args.join(' ')} exited ${res.status}: ${res.stderr.slice(-2000)}`);
  return JSON.parse(res.stdout) as T;
}
