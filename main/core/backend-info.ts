import { createRequire } from 'node:module';
import type { BackendInfo } from '../../shared/contract';

const require = createRequire(import.meta.url);

function installed(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

const BACKENDS = {
  'node-gpu': { name: 'tensorflow-gpu', detail: 'CUDA via @tensorflow/tfjs-node-gpu' },
  webgpu: { name: 'webgpu', detail: "any vendor's GPU through WebGPU (Dawn: Vulkan, Metal, D3D12)" },
  node: { name: 'tensorflow', detail: 'native CPU via @tensorflow/tfjs-node' },
  wasm: { name: 'wasm', detail: 'WebAssembly SIMD (native tfjs backends are not installed on this machine)' },
  cpu: { name: 'cpu', detail: 'plain JavaScript (slow: install a tfjs backend)' },
} as const satisfies Record<string, BackendInfo>;

/**
 * Which tensor backend the engine will pick, found without loading it (the
 * header and a run not yet started show it, and loading a native backend
 * takes seconds): the one STUDIO_BACKEND names, else the first installed of
 * the engine's order (main/engine/backend/select.ts). Auto mode cannot tell
 * without loading Dawn whether a GPU adapter exists, so it names the CPU
 * backend it would fall back to; the run records what its worker really used.
 */
export function detectBackend(env: Record<string, string | undefined> = process.env): BackendInfo {
  const asked = env['STUDIO_BACKEND']?.trim().toLowerCase();
  if (asked && asked in BACKENDS) {
    const chosen = BACKENDS[asked as keyof typeof BACKENDS];
    return { name: chosen.name, detail: `${chosen.detail.replace(/ \(.*\)$/, '')}, as STUDIO_BACKEND=${asked} asks` };
  }
  if (installed('@tensorflow/tfjs-node-gpu')) return BACKENDS['node-gpu'];
  if (installed('@tensorflow/tfjs-node')) return BACKENDS.node;
  if (installed('@tensorflow/tfjs-backend-wasm')) return BACKENDS.wasm;
  return BACKENDS.cpu;
}
