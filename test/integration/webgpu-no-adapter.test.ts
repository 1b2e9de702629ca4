// Where no WebGPU adapter exists (simulated here by pointing the Vulkan loader at no driver), asking for the
// webgpu backend fails in one sentence saying why and what to install (exit 4: no backend for the work), and
// `studio doctor` reports the missing adapter instead of crashing. Runs on any Linux machine, adapter or not.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, STUDIO_BIN } from '../helpers/serve';

const NO_DRIVER = { ...process.env, VK_ICD_FILENAMES: '/nonexistent/no-vulkan-driver.json' };
const studio = (...args: string[]) => {
  const res = spawnSync(process.execPath, [STUDIO_BIN, ...args], { cwd: REPO_ROOT, env: NO_DRIVER, encoding: 'utf8', timeout: 120_000 });
  return { code: res.status, out: res.stdout, err: res.stderr };
};

describe.runIf(process.platform === 'linux')('no WebGPU adapter', () => {
  it('refuses STUDIO_BACKEND=webgpu work with the reason and exit 4', () => {
    const model = join(REPO_ROOT, 'test', 'fixtures', 'models', 'tiny-llama');
    const res = studio('score', '--model', model, '--prompt', 'hi', '--response', 'there', '--backend', 'webgpu');
    expect(res.code).toBe(4);
    expect(res.err).toMatch(/studio score: The webgpu backend cannot run here: .*Dawn found no WebGPU adapter: .*mesa-vulkan-drivers/);
  });

  it('doctor names the missing adapter, and auto mode still has wasm', () => {
    const res = studio('doctor', '--json');
    expect(res.code).toBe(0);
    const report = JSON.parse(res.out) as {
      webgpu: { available: boolean; reason?: string };
      backends: { name: string; available: boolean }[];
    };
    expect(report.webgpu).toMatchObject({ available: false, reason: expect.stringMatching(/no WebGPU adapter/) as unknown });
    expect(report.backends.find((b) => b.name === 'webgpu')?.available).toBe(false);
    expect(report.backends.find((b) => b.name === 'wasm')?.available).toBe(true);
  });
});
