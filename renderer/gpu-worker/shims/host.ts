/**
 * What the shims need from the host, set once by the page before a job runs:
 * the bridge (files, snapshot rows), the host's platform (path rules) and the
 * pid temp files are named with (the page's renderer process).
 */
import type { GpuBridge } from '../../../main/gpu-host/protocol';

export const host: { bridge: GpuBridge | null; platform: string; pid: number } = { bridge: null, platform: 'linux', pid: 0 };

export function bridge(): GpuBridge {
  if (!host.bridge) throw new Error('The GPU worker page has no bridge to its host.');
  return host.bridge;
}
