/**
 * Whether the WebGPU tests can run here: they need an adapter (in CI, Mesa's
 * lavapipe from bookworm-backports, which .ci/run installs). Without one they
 * are skipped with the reason printed — except under CI=1, where a missing
 * adapter is a broken CI machine and fails the file.
 */
import { probeWebGpu } from '../../main/engine/backend/webgpu';

export async function webgpuAvailable(file: string): Promise<boolean> {
  const probe = await probeWebGpu();
  if (probe.available) return true;
  if (process.env['CI'])
    throw new Error(`${file}: no WebGPU adapter on this CI machine (.ci/run installs Mesa's lavapipe): ${probe.reason}`);
  console.warn(`${file}: skipped, no WebGPU adapter here: ${probe.reason}`);
  return false;
}
