// Multi-threaded wasm leans on tfjs-backend-wasm internals (pinned 4.22.0):
// it must start with 2 threads, compute what cpu computes, and let Node exit.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VERIFIED_WASM_VERSION } from '../../../../main/engine/backend/wasm-threads';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';

const fixture = fileURLToPath(new URL('./fixtures/threaded-matmul.ts', import.meta.url));

describe('threaded wasm backend', () => {
  it('is pinned to the tfjs-backend-wasm version it was verified with', () => {
    expect(version_wasm).toBe(VERIFIED_WASM_VERSION);
  });

  it('starts with 2 threads, matches cpu, and the process exits on its own', () => {
    const started = Date.now();
    const child = spawnSync(process.execPath, ['--import', 'tsx', fixture], { encoding: 'utf8', timeout: 25_000 });
    expect(child.error).toBeUndefined(); // a timeout (process kept alive by workers) shows here
    expect(child.status, child.stderr).toBe(0);
    const line = child.stdout.split('\n').find((l) => l.startsWith('{'));
    const result = JSON.parse(line ?? '{}') as { name: string; threads: number; maxDiff: number; size: number };
    expect(result.name).toBe('wasm');
    expect(result.threads).toBe(2);
    expect(result.size).toBe(80 * 80);
    expect(result.maxDiff).toBeLessThan(1e-3);
    expect(Date.now() - started).toBeLessThan(25_000);
  });
});
