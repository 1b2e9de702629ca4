// `npm run bench -- engine --backend webgpu`: the studio's real scoring forward on a WebGPU device next to wasm,
// same shape and tokens, without the PyTorch peer. Skipped, with the reason, where Dawn finds no adapter.
import { describe, expect, it } from 'vitest';
import { TINY } from '../../../bench/engine/harness';
import { formatBackendComparison, runEngineBench } from '../../../bench/engine/suite';
import { webgpuAvailable } from '../../helpers/webgpu';

const ready = await webgpuAvailable('test/unit/engine/webgpu-bench.test.ts');

describe.skipIf(!ready)('engine bench --backend webgpu', () => {
  it('times the same forward on webgpu and wasm and prints them side by side with the speed ratio and the adapter', async () => {
    const common = { shape: TINY, warmup: 0, reps: 1, modes: ['forward' as const], torch: false };
    const wasm = await runEngineBench({ ...common, threads: [1], backend: 'wasm' });
    const webgpu = await runEngineBench({ ...common, threads: [1], backend: 'webgpu' });
    expect(webgpu.results[0]!.studio).toMatchObject({ backend: 'webgpu' });
    expect(wasm.results[0]!.studio).toMatchObject({ backend: 'wasm' });
    expect(webgpu.torch).toEqual({ available: false, reason: 'not run (a backend comparison)' });
    const text = formatBackendComparison(wasm, webgpu);
    expect(text).toMatch(/^webgpu: \S+ /m);
    expect(text).toMatch(/forward\s+wasm, 1 thr\s+[\d.]+\s.*\s1\.00\s/);
    expect(text).toMatch(/forward\s+webgpu\s+[\d.]+\s.*\s\d+\.\d\d\s/);
  }, 120_000);
});
