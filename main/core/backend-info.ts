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

/**
 * Which tensor backend the engine will pick, found without loading it (the
 * header shows it on every start, and loading a native backend takes seconds).
 */
export function detectBackend(): BackendInfo {
  if (installed('@tensorflow/tfjs-node-gpu')) return { name: 'tensorflow-gpu', detail: 'CUDA via @tensorflow/tfjs-node-gpu' };
  if (installed('@tensorflow/tfjs-node')) return { name: 'tensorflow', detail: 'native CPU via @tensorflow/tfjs-node' };
  if (installed('@tensorflow/tfjs-backend-wasm')) {
    return { name: 'wasm', detail: 'WebAssembly SIMD (native tfjs backends are not installed on this machine)' };
  }
  return { name: 'cpu', detail: 'plain JavaScript (slow: install a tfjs backend)' };
}
