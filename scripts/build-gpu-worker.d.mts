/** Bundles the GPU worker page into `outdir` (default dist/gpu-worker); resolves to that folder. */
export function buildGpuWorker(outdir?: string): Promise<string>;
