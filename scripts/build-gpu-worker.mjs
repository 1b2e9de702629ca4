// Bundles the GPU worker page (renderer/gpu-worker) for a browser: the
// engine and trainer from main/, unchanged, with Node's modules replaced by
// the page's shims — files and the snapshot come over the host's bridge, the
// backend is tfjs's WebGPU (docs/decisions/0002-gpu-engine-in-hidden-renderer.md).
// `node scripts/build.mjs` calls it; the page's tests call it too.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const page = join(root, 'renderer', 'gpu-worker');
const shim = (name) => join(page, 'shims', `${name}.ts`);

/** Node builtins, and the modules of main/ that reach past the page (SQLite, Node's backends), → the page's stand-ins. */
const NODE_SHIMS = { fs: shim('fs'), path: shim('path'), crypto: shim('crypto'), module: shim('module') };
const MODULE_SHIMS = {
  [join(root, 'main', 'core', 'db', 'open')]: shim('snapshot-db'),
  [join(root, 'main', 'core', 'datasets', 'snapshots')]: shim('snapshot-db'),
  [join(root, 'main', 'engine', 'backend')]: join(page, 'backend.ts'),
  [join(root, 'main', 'engine', 'backend', 'index')]: join(page, 'backend.ts'),
  [join(root, 'main', 'engine', 'backend', 'select')]: join(page, 'backend.ts'),
};

const shims = {
  name: 'gpu-worker-shims',
  setup(b) {
    b.onResolve({ filter: /^(node:)?(fs|path|crypto|module)$/ }, (args) => ({ path: NODE_SHIMS[args.path.replace(/^node:/, '')] }));
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = MODULE_SHIMS[resolve(args.resolveDir, args.path).replace(/\.ts$/, '')];
      return target ? { path: target } : undefined;
    });
  },
};

/** Writes index.html and gpu-worker.js (with its source map) into `outdir`. */
export async function buildGpuWorker(outdir = join(root, 'dist', 'gpu-worker')) {
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { 'gpu-worker': join(page, 'main.ts') },
    outdir,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    sourcemap: true,
    logLevel: 'warning',
    inject: [shim('globals')],
    // Only the Node backends' package lookups read it, and they never run in the page.
    define: { 'import.meta.url': '"about:gpu-worker"' },
    plugins: [shims],
  });
  copyFileSync(join(page, 'index.html'), join(outdir, 'index.html'));
  return outdir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildGpuWorker();
  console.log('built the GPU worker page → dist/gpu-worker');
}
