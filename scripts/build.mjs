// Builds the studio: the renderer with Vite (dist/renderer) and, unless
// --renderer is given, the Electron main process, preload and job worker
// with esbuild (dist/main). Serve mode and the CLI run from the TypeScript
// sources and only need the renderer.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { fileURLToPath } from 'node:url';
import { buildGpuWorker } from './build-gpu-worker.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const rendererOnly = process.argv.includes('--renderer');

await viteBuild({ configFile: `${root}/vite.config.ts`, logLevel: 'warn' });
console.log('built renderer → dist/renderer');

if (!rendererOnly) {
  // Native and optional packages stay outside the bundle; electron is provided at run time.
  const external = ['electron', 'better-sqlite3', '@tensorflow/*', '@huggingface/*', 'hyparquet', 'papaparse', 'tsx'];
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    external,
    logLevel: 'warning',
    // import.meta.url, as CommonJS sees it.
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  };
  await esbuild({
    ...common,
    entryPoints: { index: `${root}/main/index.ts`, worker: `${root}/main/worker.ts` },
    outdir: `${root}/dist/main`,
    outExtension: { '.js': '.cjs' },
  });
  // The sandboxed preload may only require('electron'): everything else is bundled in.
  await esbuild({
    ...common,
    entryPoints: { preload: `${root}/main/preload.ts`, 'gpu-preload': `${root}/main/gpu-host/preload.ts` },
    outdir: `${root}/dist/main`,
    outExtension: { '.js': '.cjs' },
    external: ['electron'],
    define: {},
    banner: {},
  });
  console.log('built main, preload and worker → dist/main');
  // The desktop app's GPU worker page (STUDIO_BACKEND=webgpu): the engine bundled for Chromium's WebGPU.
  await buildGpuWorker();
  console.log('built the GPU worker page → dist/gpu-worker');
}
